"""The course in the debugger: the main screen's course keys, narration and checkpoints.

:class:`CourseMode` holds the course, the learner's way through it and the progress file;
:class:`CourseActions` is the main screen's part that acts on it (a mixin: the main screen
stays one screen). Stops are reached with Enter (⌫ back) or any other move; arriving at a
checkpoint not yet answered opens its question first. The learner's own file (chapter
"write it yourself") is graded by a :class:`Workshop` the command line passes in.
"""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from textual.screen import Screen

from stepcnn.present.views import inline_names
from stepcnn.session.session import NORMAL_VIEW, Session
from stepcnn.timeline.numbering import shown
from stepcnn.tui.clock import PlaybackClock

if TYPE_CHECKING:  # the course itself is imported once one is taken
    from stepcnn.courses.model import Chapter, Course, Stop
    from stepcnn.courses.progress import ProgressStore
    from stepcnn.present.course_text import Card
    from stepcnn.scenario.model import Scenario

COURSE_ACTIONS = ("course_step", "exercise", "verify")
"""Actions that only mean something while a course runs (the footer hides them otherwise)."""


class Workshop(Protocol):
    """The learner's file: written from the exercise skeleton, graded by ``stepcnn verify``."""

    path: Path

    def write(self, ref: str) -> str:
        """Write the skeleton for scenario ``ref`` unless the file exists; what happened."""
        ...

    def grade(self, ref: str) -> tuple[bool, list[str], int | None]:
        """(every function right, the report's lines, the step of the first wrong value)."""
        ...


class CourseMode:
    """A course being taken: where the learner is, and the file that remembers it."""

    def __init__(
        self, course: "Course", store: "ProgressStore", workshop: Workshop | None = None
    ) -> None:
        from stepcnn.courses.walk import Walk

        self.course = course
        self.store = store
        self.walk = Walk(course, store.load(course.name))
        self.workshop = workshop
        self.last_k: int | None = None

    @staticmethod
    def builtin(workshop: Workshop | None = None) -> "CourseMode":
        from stepcnn.courses.loader import load_course
        from stepcnn.courses.progress import ProgressStore

        return CourseMode(load_course(None, inline_names()), ProgressStore(), workshop)

    def save(self) -> str:
        return self.store.save(self.course.name, self.walk.progress)


class CourseActions(Screen[None]):
    """The main screen's course keys and hooks: :class:`~stepcnn.tui.main_screen.MainScreen`
    is one, and has what is declared here."""

    course: CourseMode | None = None
    welcome = False  # no scenario was named: the first screen says how to start the course
    workshop: "Workshop | None" = None  # the learner's file, for the course's exercise chapter
    session: Session
    clock: PlaybackClock
    ref: str | None

    def offer_course(self, welcome: bool, workshop: "Workshop | None") -> None:
        """``welcome``: say how to start the course; ``workshop``: the learner's file."""
        self.welcome, self.workshop = welcome, workshop

    def on_unmount(self) -> None:
        if self.course is not None:
            self.course.save()  # where the learner stopped, however the app ends

    if TYPE_CHECKING:  # the main screen's own

        def redraw(self) -> None: ...
        def _replace(self, scenario: "Scenario", keep_position: bool) -> None: ...

    # ---- starting ------------------------------------------------------------------------

    def start_course(self, mode: CourseMode, chapter: int | None = None) -> None:
        """Run ``mode``: at ``chapter``'s first stop, else where the learner stopped."""
        self.course = mode
        walk = mode.walk
        resumed = chapter is None and walk.progress.step is not None
        if chapter is not None:
            walk.open(chapter)
        self.enter_chapter(walk.resume_step())  # its card first, resumed or not
        if resumed:
            self.say(f"resumed: chapter {walk.chapter.number}, step {shown(self.session.k):,}")
        if mode.store.warning:
            self.say(mode.store.warning)

    def enter_chapter(self, k: int) -> None:
        """Open the walk's chapter at step ``k``, behind its card."""
        mode = self.course
        assert mode is not None
        chapter = mode.walk.chapter
        self.session.iterations = None
        self.session.view = NORMAL_VIEW
        self._replace(chapter.scenario, keep_position=False)
        self.ref = chapter.ref
        self.session.precision = chapter.precision
        self.session.goto(k)
        mode.last_k = None
        self.course_arrived(ask_now=False)
        self.redraw()
        self.show_card(chapter)

    def show_card(self, chapter: "Chapter") -> None:
        from stepcnn.present.course_text import chapter_card

        assert self.course is not None

        def closed(choice: str) -> None:
            if choice == "menu":
                self.action_course()
            elif choice == "enter":  # (after the Enter that closed the card is done)
                self.call_after_refresh(self.course_arrived, True, True)

        self.push_card(chapter_card(self.course.walk, chapter), closed, opening=True)

    def push_card(self, card: "Card", then: "Callable[[str], None]", opening: bool = False) -> None:
        """Show ``card``; ``opening``: a chapter's first card, which hides the debugger."""
        from stepcnn.tui.course_screens import ChapterCard, CourseCard

        screen = ChapterCard(card) if opening else CourseCard(card)
        self.app.push_screen(screen, lambda _: then(screen.choice))

    # ---- every move --------------------------------------------------------------------

    def course_arrived(self, ask_now: bool = True, force: bool = False) -> None:
        """After a move: remember the step; at a stop show its view; at a checkpoint still to
        be answered, ask it."""
        mode = self.course
        if mode is None or (self.session.k == mode.last_k and not force):
            return
        k = self.session.k
        mode.last_k = k
        walk = mode.walk
        walk.place(k)
        stop = walk.stop_at(k)
        if stop is None:
            return
        if stop.view and self.session.view != stop.view:
            self.session.view = stop.view
            self.redraw()
        self.keep(mode.save())
        pending = walk.pending(k)
        if pending is not None and ask_now:
            self.clock.stop()
            self.ask_checkpoint(pending)

    def ask_checkpoint(self, stop: "Stop") -> None:
        from stepcnn.courses.questions import ask
        from stepcnn.present.course_text import checkpoint_heading
        from stepcnn.tui.checkpoint import CheckpointScreen

        mode = self.course
        assert mode is not None and stop.checkpoint is not None
        walk = mode.walk
        chapter = walk.chapter
        asked = ask(self.session.step, self.session.timeline, stop.checkpoint, chapter.precision)
        where = checkpoint_heading(walk, stop)

        def answered(right: bool) -> None:
            walk.answer(stop, right)
            self.keep(mode.save())

        screen = CheckpointScreen(self.session, asked, where, walk.score(), answered)
        self.app.push_screen(screen, lambda _: self.redraw())

    def keep(self, warning: str) -> None:
        """A failure to save progress: said once, in the status bar."""
        if warning:
            self.say(warning)

    def say(self, text: str) -> None:
        self.session.message = text
        self.redraw()

    # ---- what the narration says --------------------------------------------------------

    def course_texts(self, narration: str) -> tuple[str, bool]:
        """The narration to show, and whether it is the course's own (it goes first)."""
        if self.course is None:
            if self.welcome and self.session.k == self.session.start:
                from stepcnn.present.course_text import WELCOME

                return f"{WELCOME} ▸ {narration}", False
            return narration, False
        from stepcnn.present.course_text import course_narration

        return course_narration(self.course.walk, self.session, narration)

    # ---- keys (bindings.py) ---------------------------------------------------------------

    def course_check(self, action: str) -> bool | None:
        """Whether a course action applies now (None: not a course action)."""
        if action not in COURSE_ACTIONS:
            return None
        mode = self.course
        if mode is None:
            return False
        if action in ("exercise", "verify"):
            return mode.walk.chapter.exercise
        return True

    def action_course(self) -> None:
        """L: start the course (the built-in one), or, in it, the list of chapters."""
        from stepcnn.present.course_text import chapter_rows
        from stepcnn.scenario import ScenarioError
        from stepcnn.tui.course_screens import ChapterList

        if self.course is None:
            try:
                mode = CourseMode.builtin(self.workshop)
            except ScenarioError as exc:
                self.say(exc.lines()[0])
                return
            self.start_course(mode)
            return
        mode = self.course

        def chosen(number: int | None) -> None:
            if number is not None:
                mode.walk.open(number)
                self.enter_chapter(mode.walk.chapter.stops[0].k)

        done = mode.walk.done_count()
        title = f"{mode.course.title} — {done} of {len(mode.course.chapters)} chapters done"
        rows = chapter_rows(mode.walk)
        self.app.push_screen(ChapterList(title, rows, mode.walk.chapter.number), chosen)

    def action_course_step(self, direction: int) -> None:
        """⏎ the next stop (a checkpoint still open: its question), ⌫ the one before."""
        mode = self.course
        if mode is None:
            return
        walk, k = mode.walk, self.session.k
        if direction < 0:
            before = walk.previous_stop(k)
            if before is None:
                self.say("this is the chapter's first stop")
                return
            self.go_stop(before)
            return
        pending = walk.pending(k)
        if pending is not None:
            self.ask_checkpoint(pending)
            return
        after = walk.next_stop(k)
        if after is not None:
            self.go_stop(after)
            return
        self.end_chapter()

    def go_stop(self, stop: "Stop") -> None:
        self.session.goto(stop.k)
        if stop.view:
            self.session.view = stop.view
        self.redraw()
        self.course_arrived(force=True)

    def end_chapter(self) -> None:
        from stepcnn.present.course_text import end_card

        mode = self.course
        assert mode is not None
        walk = mode.walk
        if not walk.finish():
            if walk.chapter.exercise:
                self.say("this chapter is done when your file passes: V grades it (X writes it)")
                return
            first = walk.unanswered()[0]
            self.say(f"checkpoint at step {shown(first.k):,} first")
            self.go_stop(first)
            return
        self.keep(mode.save())
        following = walk.next_chapter()

        def closed(choice: str) -> None:
            if choice == "enter" and following is not None:
                walk.open(following.number)
                self.enter_chapter(following.stops[0].k)
            elif choice == "menu":
                self.action_course()

        self.push_card(end_card(walk), closed)

    # ---- write it yourself -----------------------------------------------------------------

    def workshop_of(self) -> "Workshop | None":
        """The learner's file; None (said so) where there is none: a browser tab of
        ``stepcnn serve --course``, whose files would be the server's."""
        mode = self.course
        if mode is not None and mode.workshop is None:
            number = mode.walk.chapter.number
            self.say(
                f"write and grade the exercise in a terminal: stepcnn learn --chapter {number}"
            )
        return None if mode is None else mode.workshop

    def action_exercise(self) -> None:
        workshop = self.workshop_of()
        if workshop is not None and self.course is not None:
            self.say(workshop.write(self.course.walk.chapter.ref))

    def action_verify(self) -> None:
        """V: grade the learner's file (in its own process); a wrong value opens its step."""
        workshop = self.workshop_of()
        if workshop is None or self.course is None:
            return
        ref = self.course.walk.chapter.ref
        self.say(f"grading {workshop.path.name} (stepcnn verify) …")

        def grade() -> None:
            result = workshop.grade(ref)
            self.app.call_from_thread(self.graded, *result)

        self.run_worker(grade, thread=True, exclusive=True, group="verify")

    def graded(self, passed: bool, report: list[str], step: int | None) -> None:
        from stepcnn.tui.screens import MessageScreen

        mode = self.course
        assert mode is not None and mode.workshop is not None
        name = mode.workshop.path.name
        if step is not None and step >= self.session.total:  # in iteration 2, not trained here
            self.say(f"step {shown(step):,}, past this chapter's run: the report names it")
        elif step is not None:
            self.session.goto(step)
            self.course_arrived(ask_now=False)
            self.say(f"step {shown(step):,}: where your first wrong value is computed")
        elif passed:
            mode.walk.exercise_passed()
            self.keep(mode.save())
            self.say(f"{name}: every function right — the chapter is done (⏎)")
        else:
            self.say(f"{name}: {report[-1].strip()}" if report else "")
        title = f"stepcnn verify {name}" + (" — all right" if passed else "")
        self.app.push_screen(MessageScreen(title, report))
