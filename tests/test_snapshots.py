"""Snapshot tests of the debugger screen (reviewed as pictures before being accepted).

Each test opens a built-in scenario at a named kind of step. The background training that
fills the loss sparkline is awaited first, so every picture is deterministic.
"""

from collections.abc import Callable

import pytest

from stepcnn.session.session import Session
from stepcnn.timeline import Condition, find
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.app import StepCNNApp

WIDE = (160, 50)


def app_at(
    scenario: str,
    condition: Condition,
    view: str = "normal",
    theme: str | None = None,
    iterations: int | None = None,
) -> StepCNNApp:
    session = Session(load_scenario(scenario), iterations)
    k = find(session.timeline, condition, -1)
    assert k is not None
    session.goto(k)
    session.view = view
    return StepCNNApp(session, theme=theme)


async def settled(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


CASES: dict[str, tuple[str, Condition, tuple[int, int]]] = {
    "conv_forward": ("tour", Condition(op="conv2d.forward", index=(0, 0, 1, 1)), WIDE),
    "maxpool_forward": (
        "maxpool-routing",
        Condition(op="maxpool2d.forward", index=(0, 0, 0, 1)),
        WIDE,
    ),
    "linear_forward": ("fc-to-filters", Condition(op="linear.forward", index=(0, 1)), WIDE),
    "loss_forward": ("tour", Condition(op="cross_entropy.forward", index=(1,)), WIDE),
    "loss_backward": ("tour", Condition(op="cross_entropy.backward", index=(0, 1)), WIDE),
    "conv_backward": ("shared-weights", Condition(op="conv2d.backward", index=(0, 0, 1, 0)), WIDE),
    "update": ("hand-computable", Condition(op="conv2d.update"), WIDE),
    "digits_80x24": ("digits", Condition(op="conv2d.forward", index=(0, 1, 2, 3)), (80, 24)),
    # issue 20: Adam's state beside W (iteration 2: m and v before too), batchnorm's three
    # terms at 80×24, the dropout mask as a map.
    "adam_update": ("adam-vs-sgd", Condition(iteration=1, op="conv2d.update"), WIDE),
    "batchnorm_backward_80x24": (
        "batchnorm",
        Condition(op="batchnorm2d.backward", index=(0, 0, 0, 1)),
        (80, 24),
    ),
    "dropout_forward": ("dropout", Condition(op="dropout.forward", index=(0, 0, 1, 2)), WIDE),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_step_screens(name: str, snap_compare: Callable[..., bool]) -> None:
    scenario, condition, size = CASES[name]
    assert snap_compare(app_at(scenario, condition), terminal_size=size, run_before=settled)


# The matrix views (key m): (scenario, step, size, view).
VIEW_CASES: dict[str, tuple[str, Condition, tuple[int, int], str]] = {
    "fc_forward": (
        "hand-computable",
        Condition(op="conv2d.forward", index=(0, 0, 1, 1)),
        WIDE,
        "fc",
    ),
    "fc_backward": (
        "rgb-stride-padding",
        Condition(op="conv2d.backward", index=(0, 1, 0, 2)),
        WIDE,
        "fc",
    ),
    "fc_update_80x24": ("conv-is-a-layer", Condition(op="conv2d.update"), (80, 24), "fc"),
    "im2col_forward": (
        "conv-is-a-layer",
        Condition(op="conv2d.forward", index=(0, 0, 1, 1)),
        WIDE,
        "im2col",
    ),
    "im2col_backward": (
        "tour",
        Condition(op="conv2d.backward", index=(0, 0, 1, 1)),
        WIDE,
        "im2col",
    ),
}


@pytest.mark.parametrize("name", sorted(VIEW_CASES))
def test_matrix_view_screens(name: str, snap_compare: Callable[..., bool]) -> None:
    scenario, condition, size, view = VIEW_CASES[name]
    app = app_at(scenario, condition, view)
    assert snap_compare(app, terminal_size=size, run_before=settled)


def test_help_screen(snap_compare: Callable[..., bool]) -> None:
    app = app_at("tour", Condition(op="conv2d.forward"))

    async def open_help(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=open_help)


# Both themes at both sizes (every colour comes from the theme): a conv backward step of the
# RGB scenario, which shows the heat map, marks, padding and the overview.
THEME_CASES: dict[str, tuple[str, tuple[int, int]]] = {
    f"{theme}_{w}x{h}": (theme, (w, h))
    for theme in ("textual-dark", "textual-light")
    for w, h in ((80, 24), (160, 50))
}


@pytest.mark.parametrize("name", sorted(THEME_CASES))
def test_theme_screens(name: str, snap_compare: Callable[..., bool]) -> None:
    theme, size = THEME_CASES[name]
    condition = Condition(op="conv2d.backward", index=(0, 1, 0, 2))
    app = app_at("rgb-stride-padding", condition, theme=theme)
    assert snap_compare(app, terminal_size=size, run_before=settled)


# What gives way on a small screen (80×24): pages that t turns, the notice saying which page
# this is and what the others show; (scenario, step, view, times t is pressed).
PAGE_CASES: dict[str, tuple[str, Condition, str, int]] = {
    "lenet5_c3_backward_page1": (
        "lenet5",
        Condition(op="conv2d.backward", layer=3, index=(0, 0, 0, 0)),
        "normal",
        0,
    ),
    "lenet5_c3_backward_page7": (
        "lenet5",
        Condition(op="conv2d.backward", layer=3, index=(0, 0, 0, 0)),
        "normal",
        6,
    ),
    "lenet5_linear_forward_page2": (
        "lenet5",
        Condition(op="linear.forward", layer=7, index=(0, 0)),
        "normal",
        1,
    ),
    "fc_to_filters_linear_backward_page2": (
        "fc-to-filters",
        Condition(op="linear.backward", index=(0, 0)),
        "normal",
        1,
    ),
    "tour_fc_forward": ("tour", Condition(op="conv2d.forward", index=(0, 0, 1, 1)), "fc", 0),
    "tour_im2col_forward": (
        "tour",
        Condition(op="conv2d.forward", index=(0, 0, 1, 1)),
        "im2col",
        0,
    ),
}


@pytest.mark.parametrize("name", sorted(PAGE_CASES))
def test_pages_at_80x24(name: str, snap_compare: Callable[..., bool]) -> None:
    scenario, condition, view, presses = PAGE_CASES[name]
    app = app_at(scenario, condition, view, iterations=1)

    async def turn(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        for _ in range(presses):
            await pilot.press("t")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=turn)
