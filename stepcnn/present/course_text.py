"""The course's words on the screen, as data: a chapter's card and its end, the list of
chapters, the narration line at a step and a checkpoint's heading. No drawing here.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stepcnn.base.wording import count
from stepcnn.present.scene import narration_values, reflow
from stepcnn.scenario.placeholders import fill
from stepcnn.session.session import Session
from stepcnn.timeline.numbering import shown

if TYPE_CHECKING:  # (the welcome line is drawn before any course is loaded)
    from stepcnn.courses.model import Chapter, Stop
    from stepcnn.courses.walk import Walk

WELCOME = "New here? Press L to start the course · o opens a scenario"
"""What the first screen says, before the scenario's narration, when no scenario was named."""


@dataclass(frozen=True)
class Card:
    """A dialog of the course: a title, paragraphs, and what the keys do."""

    title: str
    paragraphs: tuple[str, ...]
    keys: str


def chapter_card(walk: "Walk", chapter: "Chapter") -> Card:
    """The card a chapter opens with: its introduction, goals and checkpoints."""
    total = len(walk.course.chapters)
    goals = "You will: " + "  ".join(f"• {g}" for g in chapter.goals)
    n = len(chapter.checkpoints)
    checks = (
        f"{count(n, 'checkpoint')}: {'at each' if n > 1 else 'there'}, type the value the "
        "step computes before it is shown (predict mode)."
    )
    return Card(
        f"Chapter {chapter.number} of {total} — {chapter.title}",
        tuple(p for p in (reflow(chapter.intro), goals, checks if n else "") if p),
        "⏎ begin · ⏎ again at each stop goes to the next · L: all chapters · Esc: look around",
    )


def end_card(walk: "Walk") -> Card:
    """The card at the end of the chapter the learner is in (done: :meth:`Walk.finish`)."""
    chapter = walk.chapter
    passed, n = walk.score()
    total = len(walk.course.chapters)
    done = f"{walk.done_count()} of {count(total, 'chapter')} done"
    lines = [f"{passed} of {count(n, 'checkpoint')} passed; {done}."]
    following = walk.next_chapter()
    if following is not None:
        lines.append(f"Next: chapter {following.number} — {following.title}")
        keys = f"⏎ chapter {following.number} · L: all chapters · Esc: stay here"
    else:
        lines.append("That was the last chapter: the course is done.")
        keys = "L: all chapters · Esc: close"
    return Card(f"Chapter {chapter.number} done — {chapter.title}", tuple(lines), keys)


def chapter_rows(walk: "Walk") -> list[str]:
    """One row a chapter: done (✓) or not, number, title, checkpoints passed."""
    rows = []
    for chapter in walk.course.chapters:
        passed, n = walk.score_of(chapter)
        mark = "✓" if walk.progress.is_done(chapter.number) else " "
        rows.append(f"{mark} {chapter.number}. {chapter.title}  ({passed}/{n} passed)")
    return rows


def course_narration(walk: "Walk", session: Session, narration: str) -> tuple[str, bool]:
    """The narration at the session's step, and whether it is the course's own (which goes
    before the equation): at a stop its text (at a checkpoint not yet answered, its prompt),
    between stops where the next one is."""
    chapter = walk.chapter
    head = f"Ch {chapter.number}/{len(walk.course.chapters)}"
    k = session.k
    stop = walk.stop_at(k)
    if stop is None:
        after = walk.next_stop(k)
        if after is not None:
            where = f"⏎ next stop (step {shown(after.k):,})"
        elif chapter.exercise and not walk.progress.is_done(chapter.number):
            where = "V grades your file (X writes it)"  # what ends this chapter
        else:
            where = "⏎ ends the chapter"
        return f"{head} · {where} ▸ {narration}", False
    number = f"{head} · stop {walk.number_of(stop)}/{len(chapter.stops)}"
    if stop.checkpoint is not None and not walk.answered(stop):  # its words tell the answer
        return f"{number} · checkpoint: ⏎ answers it ▸ {stop.checkpoint.prompt}", True
    text = reflow(fill(stop.text, narration_values(session, session.step)))
    if stop.checkpoint is None:
        return f"{number} ▸ {text}", True
    mark = "✓ passed" if walk.passed(stop) else "✗ answered"
    return f"{number} · {mark} ▸ {text}", True


def checkpoint_heading(walk: "Walk", stop: "Stop") -> str:
    """``Checkpoint 2 of 4 — chapter 4: <title> · step 27``."""
    chapter = walk.chapter
    number = walk.checkpoint_index(stop) + 1
    return (
        f"Checkpoint {number} of {len(chapter.checkpoints)} — chapter {chapter.number}: "
        f"{chapter.title} · step {shown(stop.k):,}"
    )
