"""Snapshots of each chapter's first pinned step, at 80×24 and 160×50 (reviewed as pictures
before being accepted): the chapter opened as ``stepcnn learn --chapter N`` opens it, its card
closed, the loss sparkline's training awaited so every picture is deterministic."""

from collections.abc import Callable
from typing import Any

import pytest

from stepcnn.courses.loader import load_course
from stepcnn.courses.progress import ProgressStore
from stepcnn.present.views import inline_names
from stepcnn.session.session import Session
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.course_mode import CourseMode
from stepcnn.tui.course_screens import CourseCard

CHAPTERS = range(1, 8)


def chapter_app(number: int) -> StepCNNApp:
    course = load_course(None, inline_names())
    chapter = course.chapters[number - 1]
    mode = CourseMode(course, ProgressStore.in_memory())
    return StepCNNApp(Session(chapter.scenario), chapter.ref, course=mode, chapter=number)


async def at_the_first_stop(pilot: Any) -> None:
    while not isinstance(pilot.app.screen, CourseCard):
        await pilot.pause(0.05)
    await pilot.press("escape")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("number", CHAPTERS, ids=lambda n: f"chapter{n}")
def test_each_chapters_first_pinned_step(
    number: int, size: tuple[int, int], snap_compare: Callable[..., bool]
) -> None:
    assert snap_compare(chapter_app(number), terminal_size=size, run_before=at_the_first_stop)
