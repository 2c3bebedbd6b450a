"""A dialog shown again (kept, its backdrop, styles and content remembered) draws exactly
what a dialog opened for the first time draws: after the steps moved, after the theme
changed, after the terminal was resized while it was closed."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rich.segment import Segment
from test_tui import jump, make_app, press
from textual.pilot import Pilot

from stepcnn.timeline import Condition, find
from stepcnn.tui.app import StepCNNApp

DIALOGS = ["question_mark", "d", "v"]
Picture = list[list[Segment]]


def picture(app: StepCNNApp) -> list[list[Segment]]:
    """Every segment the terminal shows now (text, colours, styles)."""
    return [list(strip) for strip in app.screen._compositor.render_strips()]


def step_of(app: StepCNNApp, op: str) -> int:
    k = find(app.session.timeline, Condition(op=op), -1)
    assert k is not None
    return k


async def fresh(key: str, k: int, theme: str, size: tuple[int, int]) -> list[list[Segment]]:
    """What the dialog of ``key`` shows opened for the first time at step ``k``."""
    app = make_app("lenet5")
    async with app.run_test(size=size) as pilot:
        await pilot.app.workers.wait_for_complete()  # the whole run trained: its loss curve
        app.theme = theme
        await jump(pilot, app, k)
        await press(pilot, key)
        return picture(app)


async def reopen(pilot: Pilot[Any], key: str) -> None:
    await press(pilot, key)
    await press(pilot, "escape")


@pytest.mark.parametrize("key", DIALOGS)
async def test_a_dialog_shown_again_after_the_step_moved_shows_the_new_step(key: str) -> None:
    app = make_app("lenet5")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.app.workers.wait_for_complete()  # the whole run trained: its loss curve
        first, then = step_of(app, "conv2d.backward"), step_of(app, "linear.backward")
        await jump(pilot, app, first)
        await press(pilot, key)
        before = picture(app)
        await press(pilot, "escape")
        await jump(pilot, app, then)
        await press(pilot, key)
        after = picture(app)
    assert after != before
    assert after == await fresh(key, then, "textual-dark", (160, 50))


async def shown_again(key: str, change: Callable[[Pilot[Any]], Awaitable[None]]) -> Picture:
    """The dialog of ``key`` at conv2d.backward, opened, closed, ``change`` made, opened again."""
    app = make_app("lenet5")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.app.workers.wait_for_complete()  # the whole run trained: its loss curve
        await jump(pilot, app, step_of(app, "conv2d.backward"))
        await reopen(pilot, key)
        await change(pilot)
        await pilot.pause()
        await press(pilot, key)
        return picture(app)


@pytest.mark.parametrize("key", DIALOGS)
async def test_a_dialog_shown_again_after_the_theme_changed_takes_its_colours(key: str) -> None:
    async def light(pilot: Pilot[Any]) -> None:
        pilot.app.theme = "textual-light"

    after = await shown_again(key, light)
    k = step_of(make_app("lenet5"), "conv2d.backward")
    assert after == await fresh(key, k, "textual-light", (160, 50))


@pytest.mark.parametrize("key", DIALOGS)
async def test_a_dialog_shown_again_after_a_resize_fits_the_new_size(key: str) -> None:
    async def narrow(pilot: Pilot[Any]) -> None:
        await pilot.resize_terminal(80, 24)

    after = await shown_again(key, narrow)
    assert len(after) == 24
    k = step_of(make_app("lenet5"), "conv2d.backward")
    assert after == await fresh(key, k, "textual-dark", (80, 24))


async def test_the_same_dialog_at_the_same_step_draws_the_same_lines_again() -> None:
    app = make_app("lenet5")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.app.workers.wait_for_complete()  # the whole run trained: its loss curve
        await jump(pilot, app, step_of(app, "conv2d.backward"))
        await press(pilot, "d")
        first = picture(app)
        await press(pilot, "escape", "d")
        assert picture(app) == first


async def test_on_a_short_terminal_a_view_opens_at_its_top_and_the_arrows_show_its_table() -> None:
    app = make_app("lenet5")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()  # the whole run trained: its loss curve
        await jump(pilot, app, step_of(app, "conv2d.backward"))
        await press(pilot, "d")
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "max |difference|" in shown and "analytic dW" not in shown
        await press(pilot, "down")
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "analytic dW" in shown
