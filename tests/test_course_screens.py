"""Every pinned step of the built-in course is whole at 80×24 and 160×50, light and dark.

At each stop of each chapter, as the learner reaches it (its view on): the operands the step
is about whole (tests/test_whole_screens.py's rule) on one page, the stop's narration whole,
every character readable on its background (tests/test_theme.py's rule; a card is a dialog
over the faded screen: its words are checked, not the fading). At a checkpoint,
its question (operands, prompt, the answer field, the keys) and, after a wrong guess, the
right value with its arithmetic are on the screen whole. Each chapter's card too.
"""

import pytest
from test_theme import DARK, LIGHT, unreadable
from test_tui import region_text, screen_text, wait_until
from test_whole_screens import check_whole

from stepcnn.courses.loader import load_course
from stepcnn.courses.progress import ProgressStore
from stepcnn.present.course_text import chapter_card
from stepcnn.present.views import inline_names
from stepcnn.session.session import Session
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.checkpoint import CheckpointScreen
from stepcnn.tui.course_mode import CourseMode
from stepcnn.tui.course_screens import CourseCard
from stepcnn.tui.operation import OperationView

SIZES = [(80, 24), (160, 50)]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("theme", [LIGHT, DARK])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_stop_of_the_course_is_whole_and_readable(
    size: tuple[int, int], theme: str
) -> None:
    course = load_course(None, inline_names())
    mode = CourseMode(course, ProgressStore.in_memory())
    first = course.chapters[0]
    app = StepCNNApp(Session(first.scenario), first.ref, theme=theme, course=mode, chapter=1)
    checked = 0
    async with app.run_test(size=size) as pilot:
        screen = app.main
        view = screen.query_one(OperationView)
        assert await wait_until(pilot, lambda: isinstance(app.screen, CourseCard))
        await pilot.press("escape")  # the card the course opened with (each is checked below)
        for chapter in course.chapters:
            mode.walk.open(chapter.number)
            screen.enter_chapter(chapter.stops[0].k)
            assert await wait_until(pilot, lambda: isinstance(app.screen, CourseCard))
            await pilot.pause()
            shown = words(region_text(app, app.screen.query_one("#card").content_region))
            card = chapter_card(mode.walk, chapter)
            for part in (card.title, *card.paragraphs, card.keys):
                assert words(part) in shown, (chapter.number, size, part)
            await pilot.press("escape")
            for stop in chapter.stops:
                where = f"chapter {chapter.number} step {stop.k + 1} {size} {theme}"
                screen.go_stop(stop)
                await pilot.pause()
                if stop.checkpoint is not None:
                    assert isinstance(app.screen, CheckpointScreen), where
                    asked = app.screen.asked
                    text = words(screen_text(app))
                    for part in (asked.prompt, "your value, then Enter", CheckpointScreen.KEYS):
                        assert words(part) in text, (where, part)
                    assert unreadable(app) == [], where
                    await pilot.press(*"12345", "enter")  # wrong everywhere in this course
                    await pilot.pause()
                    text = words(screen_text(app))
                    assert "not quite: you said 12345.0" in text, (where, text)
                    for part in (asked.question.working, CheckpointScreen.KEYS):
                        assert words(part) in text, (where, part)
                    assert unreadable(app) == [], where
                    await pilot.press("enter")
                    await pilot.pause()
                assert app.screen is screen, where
                narration, _ = screen.course_texts("")
                assert words(narration.rstrip(" ▸")) in words(screen_text(app)), where
                assert unreadable(app) == [], where
                check_whole(screen, view, where)
                assert view.arrangement is not None and view.arrangement.pages == 1, where
                checked += 1
    assert checked == sum(len(c.stops) for c in course.chapters) >= 20
