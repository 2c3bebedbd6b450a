"""The debugger app driven like a person would: keys and clicks through Textual's Pilot.

Real app, real engine, real timeline. Expected positions come from scans of the timeline's
steps (or from the navigation functions), expected numbers from the engine's records —
never from what the app drew.

Every binding of ``stepcnn.tui.bindings.BINDINGS`` must be claimed by a test below with
``@covers(action)``; ``test_every_binding_has_a_test`` fails for a binding nobody tests.
Each covering test presses every key the table lists for its action.
"""

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from textual import events
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from stepcnn.present.weight_story import WeightStory
from stepcnn.scenario.builtin import paths
from stepcnn.session.gradcheck import GradCheck
from stepcnn.session.session import SPEEDS, Session
from stepcnn.timeline import Step, TensorId, Timeline, next_boundary, previous_boundary
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.tensors import final_value
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.bindings import BINDINGS, describe_bindings
from stepcnn.tui.operation import OperationView
from stepcnn.tui.painter import Placed
from stepcnn.tui.screens import (
    AboutScreen,
    GotoScreen,
    HelpScreen,
    PickerScreen,
)
from stepcnn.tui.view_screen import ViewScreen

SIZE = (160, 50)

# ---- the binding table must be covered ------------------------------------------------------

COVERED: dict[str, str] = {}
F = TypeVar("F", bound=Callable[..., Any])


def covers(*actions: str) -> Callable[[F], F]:
    """Mark a test as the one proving these binding actions (as written in BINDINGS)."""

    def mark(test: F) -> F:
        for action in actions:
            COVERED[action] = test.__name__
        return test

    return mark


def keys_for(action: str) -> list[str]:
    """Every key the binding table lists for ``action``."""
    keys = [k.strip() for b in BINDINGS if b.action == action for k in b.key.split(",")]
    assert keys, f"no binding for {action!r}"
    return keys


# ---- helpers --------------------------------------------------------------------------------


def make_app(name: str, iterations: int | None = None) -> StepCNNApp:
    return StepCNNApp(Session(load_scenario(name), iterations))


def op_lines(app: StepCNNApp) -> list[str]:
    """The operation view's lines as plain text."""
    view = app.query_one(OperationView)
    return ["".join(seg.text for seg in line) for line in view._lines]


def screen_text(app: StepCNNApp) -> str:
    """What the terminal shows for the active screen, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def status_text(app: StepCNNApp) -> str:
    status = app.query_one("#status")
    return "".join(seg.text for line in status._lines for seg in line)  # type: ignore[attr-defined]


def flat(text: str) -> str:
    return "".join(text.split())


def region_text(app: StepCNNApp, region: Region) -> str:
    """The screen's text inside ``region``."""
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)


def boxes_text(app: StepCNNApp) -> str:
    """The text inside the operation view's panel boxes only (not the equation below)."""
    lines = op_lines(app)
    view = app.query_one(OperationView)
    return "\n".join(
        lines[y][p.x : p.x + p.width] for p in view.placed for y in range(p.y, p.y + p.height)
    )


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], limit: float = 5) -> bool:
    """Let the app run until ``condition`` holds (True) or ``limit`` seconds pass (False)."""
    for _ in range(int(limit / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


def writes_cell(timeline: Timeline, step: Step, tid: TensorId, cell: tuple[int, ...]) -> bool:
    """Does ``step`` write ``tid[cell]``? (from the step's write regions)."""
    for region in step.writes:
        if region.tensor == tid:
            shape = final_value(timeline.run.record(step.iteration), tid).shape
            mask = np.zeros(shape, dtype=bool)
            mask[region.cells] = True
            if mask[cell]:
                return True
    return False


def scan(timeline: Timeline, start: int, direction: int, match: Callable[[Step], bool]) -> int:
    """Brute force: the first step after (before) ``start`` that matches."""
    ks: Iterator[int] = (
        iter(range(start + 1, len(timeline))) if direction > 0 else iter(range(start - 1, -1, -1))
    )
    for k in ks:
        if match(timeline[k]):
            return k
    raise AssertionError("no matching step")


def grid_position(placed: Placed, tid: TensorId, cell: tuple[int, ...]) -> tuple[int, int, int]:
    """(x, y, width) on the operation view of the cell showing ``tid[cell]``."""
    cw = placed.panel.cell_width
    for win in placed.windows:
        grid = placed.panel.grids[win.grid]
        if grid.tensor != tid:
            continue
        if grid.wrap is not None:
            if tuple(cell[:-1]) != grid.prefix:
                continue
            gr, gc = divmod(cell[-1], grid.wrap)
        else:
            if tuple(cell[:-2]) != grid.prefix:
                continue
            gr, gc = cell[-2] - grid.row0, cell[-1] - grid.col0
        r, c = gr - win.row0, gc - win.col0
        assert 0 <= r < win.rows and 0 <= c < win.cols, "cell not in view"
        return placed.x + 2 + win.x + c * cw, placed.y + 2 + win.y + r, cw
    raise AssertionError(f"{tid}{cell} is not drawn in panel {placed.panel.key}")


def shown_in(placed: Placed, value: float) -> str:
    """``value`` written as the panel writes its numbers (one format per panel)."""
    fmt = placed.panel.number_format
    assert fmt is not None
    return fmt.text(value)


def panel(app: StepCNNApp, key: str) -> Placed:
    view = app.query_one(OperationView)
    found = [p for p in view.placed if p.panel.key == key]
    assert found, f"no panel {key!r} among {[p.panel.key for p in view.placed]}"
    return found[0]


async def click_cell(
    pilot: Pilot[Any],
    app: StepCNNApp,
    key: str,
    tid: TensorId,
    cell: tuple[int, ...],
    at: int = -1,
) -> None:
    """Click the cell showing ``tid[cell]`` in panel ``key`` (on its character ``at``: 0 the
    first, -1 the last), after checking it shows the engine's value there, so the click
    lands where we think it does."""
    placed = panel(app, key)
    x, y, cw = grid_position(placed, tid, cell)
    session = app.session
    current = session.timeline.tensor_at(session.k, tid)
    known = current.known is None or bool(current.known[cell])
    expected = shown_in(placed, float(current.values[cell])) if known else "·"
    assert op_lines(app)[y][x : x + cw].strip() == expected
    await pilot.click(OperationView, offset=(x + at % cw, y))
    await pilot.pause()


async def press(pilot: Pilot[Any], *keys: str) -> None:
    await pilot.press(*keys)
    await pilot.pause()


async def goto(pilot: Pilot[Any], k: int) -> None:
    """Go to step ``k`` the way a user does: ':' then the number."""
    await pilot.press(keys_for("goto")[0], *str(k), "enter")
    await pilot.pause()


async def jump(pilot: Pilot[Any], app: StepCNNApp, k: int) -> None:
    """Setting up a test: put the session at step ``k`` and redraw (what ':' k does)."""
    app.session.goto(k)
    app.redraw()
    await pilot.pause()


async def burst(pilot: Pilot[Any], key: str, count: int) -> None:
    """Press ``key`` ``count`` times as fast as the terminal delivers them, then settle.

    The key events go through the driver exactly as Pilot sends them, without Pilot's idle
    wait between keys (about 60 ms a key)."""
    driver = pilot.app._driver
    assert driver is not None
    for _ in range(count):
        driver.send_message(events.Key(key, key if len(key) == 1 else None))
    await pilot.pause()


# ---- launch ---------------------------------------------------------------------------------


async def test_launch_shows_network_panels_equation_and_status() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        session = app.session
        scenario = session.scenario
        assert session.k == 0
        text = screen_text(app)
        # the network strip: every layer and its output shape, then the loss
        strip = "".join(seg.text for line in app.query_one("#network")._lines for seg in line)  # type: ignore[attr-defined]
        for layer, shape in zip(scenario.layers, scenario.shapes[1:], strict=True):
            assert f"{layer.type} {'×'.join(str(d) for d in shape)}" in strip
        assert scenario.loss in strip
        assert strip in text
        # the operation panels of a conv forward step, with the engine's numbers in them
        record = session.run.record(0)
        keys = {p.panel.key for p in app.query_one(OperationView).placed}
        assert {"input", "filter", "output"} <= keys
        x, y, cw = grid_position(panel(app, "output"), TensorId(0, "output"), (0, 0, 0, 0))
        out = record.layers[0].output[0, 0, 0, 0]
        assert op_lines(app)[y][x : x + cw].strip() == shown_in(panel(app, "output"), out)
        x, y, cw = grid_position(panel(app, "filter"), TensorId(0, "weight"), (0, 0, 1, 2))
        weight = record.layers[0].params.weight[0, 0, 1, 2]  # type: ignore[union-attr]
        assert op_lines(app)[y][x : x + cw].strip() == shown_in(panel(app, "filter"), weight)
        # the equation of step 0 (from the timeline), the status bar
        assert flat(session.timeline[0].equation)[:60] in flat(text)
        assert f"step 1 of {len(session.timeline)}" in status_text(app)  # counted from 1
        assert status_text(app).strip() in text


# ---- the binding table ----------------------------------------------------------------------


def test_every_binding_has_a_test() -> None:
    actions = [b.action for b in BINDINGS]
    untested = [a for a in actions if a not in COVERED]
    assert not untested, f"bindings without a test: {untested}"
    keys = [key for b in BINDINGS for key in b.key.split(",")]
    assert len(set(keys)) == len(keys), "a key bound twice"


@covers("step(1)", "step(-1)")
async def test_right_and_left_step_one_step() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        for key in keys_for("step(1)"):
            before = session.k
            await press(pilot, key)
            assert session.k == before + 1
        assert f"step {session.k + 1} of " in status_text(app)
        for key in keys_for("step(-1)"):
            before = session.k
            await press(pilot, key)
            assert session.k == before - 1
        assert session.k == 0
        await press(pilot, keys_for("step(-1)")[0])
        assert session.k == 0  # no step before the first
        await jump(pilot, app, len(session.timeline) - 1)
        await press(pilot, keys_for("step(1)")[0])
        assert session.k == len(session.timeline) - 1  # none after the last


MOVES = [b.action for b in BINDINGS if b.action.startswith("move(")]
# positions in tour (164 steps per iteration) inside and at the edges of every kind of segment
START_POSITIONS = [0, 5, 33, 66, 72, 75, 78, 79, 81, 85, 88, 95, 131, 160, 161, 162, 200, 700]


@covers(*MOVES)
async def test_movement_keys_go_to_the_block_boundaries() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline
        for i, action in enumerate(MOVES):
            level, direction = ast.literal_eval(action[len("move") :])  # ('row', 1)
            target = next_boundary if direction > 0 else previous_boundary
            for j, key in enumerate(keys_for(action)):
                starts = [START_POSITIONS[(2 * i + n) % len(START_POSITIONS)] for n in range(2)]
                for start in starts if j == 0 else starts[:1]:
                    session.goto(start)
                    await press(pilot, key)
                    expected = target(timeline, start, level)
                    assert session.k == (start if expected is None else expected), (
                        action,
                        key,
                        start,
                    )
        # at the last iteration there is no next one: nothing moves, the status says why
        last = len(timeline) - 1
        session.goto(last)
        await press(pilot, keys_for("move('iteration', 1)")[0])
        assert session.k == last
        assert "no next iteration" in status_text(app)


@covers("edge(0)", "edge(1)")
async def test_home_and_end() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        for key in keys_for("edge(1)"):
            session.goto(3)
            await press(pilot, key)
            assert session.k == len(session.timeline) - 1
            assert f"step {session.k + 1} of {session.k + 1}" in status_text(app)
        for key in keys_for("edge(0)"):
            session.goto(300)
            await press(pilot, key)
            assert session.k == 0


@covers("goto")
async def test_colon_goes_to_a_typed_step() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        total = len(session.timeline)
        for key in keys_for("goto"):
            await press(pilot, key)
            assert isinstance(app.screen, GotoScreen)
            await press(pilot, *"123", "enter")
            assert not isinstance(app.screen, GotoScreen)
            assert session.k == 122  # typed as the screen numbers steps, from 1
            assert f"step 123 of {total}" in status_text(app)
        await goto(pilot, total + 50)
        assert session.k == total - 1  # clamped
        await press(pilot, keys_for("goto")[0], "4", "escape")
        assert session.k == total - 1  # cancelled


@covers("page")
async def test_t_shows_the_next_channels_of_lenet5s_second_conv() -> None:
    """At 80×24 the six input channels of LeNet-5's second conv layer do not fit at once: t
    brings the next ones, every channel's filter slice once, then the first again."""
    app = make_app("lenet5", iterations=1)
    async with app.run_test(size=(80, 24)) as pilot:
        session = app.session
        k = next(
            s.start for s in session.timeline.segments if s.layer == 3 and s.phase == "forward"
        )
        await jump(pilot, app, k)
        weight = session.run.record(0).layers[3].params.weight  # type: ignore[union-attr]
        seen: list[int] = []
        for key in keys_for("page") * 6:
            filt = panel(app, "filter")
            for win in filt.windows:
                grid = filt.panel.grids[win.grid]
                assert grid.channel is not None
                x, y, cw = grid_position(filt, TensorId(3, "weight"), (0, grid.channel, 4, 4))
                assert grid.values[4, 4] == weight[0, grid.channel, 4, 4]
                expected = grid.text_block(slice(4, 5), slice(4, 5))[0, 0]  # as the grid formats
                assert op_lines(app)[y][x : x + cw].strip() == expected
                seen.append(grid.channel)
            await press(pilot, key)
        assert sorted(set(seen)) == list(range(6))
        assert session.page == 0  # round again to the first page
        assert session.k == k  # paging channels does not step


@covers("help")
async def test_question_mark_lists_every_binding() -> None:
    app = make_app("hand-computable")
    async with app.run_test(size=SIZE) as pilot:
        # every binding is on the screen (not merely in the widget): its keys, then what it
        # does, on one line
        rows = [(b.key_display or b.key, b.description) for b in BINDINGS]

        def listed(keys: str, description: str) -> bool:
            return any(
                keys in line and description in line.split(keys, 1)[1]
                for line in screen_text(app).splitlines()
            )

        for key in keys_for("help"):
            await press(pilot, key)
            assert isinstance(app.screen, HelpScreen)
            assert await wait_until(pilot, lambda: all(listed(*row) for row in rows)), [
                row for row in rows if not listed(*row)
            ]
            # a dialog: a bordered box inside the screen, not a full-screen page
            box = app.screen.query_one(Vertical)
            assert box.styles.border.top[0] != ""
            assert box.region.x > 0 and box.region.right < SIZE[0]
            assert box.region.y > 0 and box.region.bottom < SIZE[1]
            await press(pilot, "escape")
            assert not isinstance(app.screen, HelpScreen)


async def test_the_help_fits_80x24_and_scrolls_to_every_binding() -> None:
    """At 80×24 the help's list ran past the dialog's frame, clipped, with no way to scroll:
    the keys after "+ -" were never seen."""
    app = make_app("hand-computable")
    size = (80, 24)
    async with app.run_test(size=size) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = describe_bindings()  # the help's rows, the last ones included (ctrl+p)
        seen: set[tuple[str, str]] = set()
        for key in ["pagedown"] * 6 + ["end"]:
            await pilot.pause()
            box = app.screen.query_one(Vertical)
            assert box.region.y >= 0 and box.region.bottom <= size[1]
            scroll = app.screen.query_one(VerticalScroll)
            assert scroll.region.bottom <= box.region.bottom - 2  # inside the frame
            lines = region_text(app, scroll.region).splitlines()
            for keys, description in rows:
                if any(keys in ln and description[:12] in ln.split(keys, 1)[1] for ln in lines):
                    seen.add((keys, description))
            await press(pilot, key)
        assert seen == set(rows), set(rows) - seen


@covers("quit")
async def test_q_quits() -> None:
    for key in keys_for("quit"):
        app = make_app("hand-computable")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.return_code is None
            await pilot.press(key)
            await pilot.pause()
            assert app.return_code == 0
        assert not app.is_running


# ---- the mouse ------------------------------------------------------------------------------


async def test_click_output_cell_in_forward_jumps_to_the_step_computing_it() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline
        out = TensorId(0, "output")
        for cell, at in [((0, 0, 2, 3), 0), ((0, 0, 0, 1), -1), ((0, 0, 3, 0), 2)]:
            await click_cell(pilot, app, "output", out, cell, at)
            expected = scan(timeline, -1, 1, lambda s, c=cell: writes_cell(timeline, s, out, c))
            assert session.k == expected
            step = timeline[session.k]
            assert (step.phase, step.op, step.index) == ("forward", "conv2d.forward", cell)
            assert session.selected == (out, cell)
            assert f"step {expected + 1} of " in status_text(app)


async def test_click_gradient_cell_in_backward_jumps_to_the_step_propagating_it() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline
        iteration = 1
        base = iteration * timeline.per_iteration

        def first(match: Callable[[Step], bool]) -> int:
            return scan(timeline, base - 1, 1, match)

        # conv backward: the gradient arriving at the conv output (relu's grad_input)
        await jump(pilot, app, first(lambda s: s.op == "conv2d.backward"))
        grad = TensorId(1, "grad_input")
        for cell in [(0, 0, 2, 1), (0, 0, 0, 3)]:
            await click_cell(pilot, app, "grad", grad, cell)
            step = timeline[session.k]
            assert session.k == first(
                lambda s, c=cell: s.phase == "backward" and s.layer == 0 and s.index == c
            )
            assert (step.iteration, step.op, step.index) == (iteration, "conv2d.backward", cell)
        # relu backward shows the conv output map (relu's input): its cell's gradient is
        # propagated by the conv layer's backward step for that cell
        await jump(pilot, app, first(lambda s: s.op == "relu.backward"))
        out = TensorId(0, "output")
        for cell in [(0, 0, 1, 2)]:
            await click_cell(pilot, app, "input", out, cell)
            step = timeline[session.k]
            assert (step.iteration, step.phase, step.op, step.index) == (
                iteration,
                "backward",
                "conv2d.backward",
                cell,
            )
        # linear backward: the gradient of the scores, propagated by the linear layer
        await jump(pilot, app, first(lambda s: s.op == "linear.backward"))
        scores = TensorId(None, "grad_scores")
        for cell in [(0, 1), (0, 0)]:
            await click_cell(pilot, app, "grad", scores, cell)
            step = timeline[session.k]
            assert (step.iteration, step.phase, step.op, step.index) == (
                iteration,
                "backward",
                "linear.backward",
                cell,
            )


async def test_a_click_selects_the_cell_under_it_in_a_lower_row_of_grids_and_in_a_viewport() -> (
    None
):
    """Cells found from where they are drawn: in the third row of grids of a panel (the
    third channel of an RGB input), and inside viewports scrolled away from their first
    rows or columns (each checked to show the engine's value before the click)."""
    app = make_app("rgb-stride-padding")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        placed = panel(app, "input")
        lower = [w for w in placed.windows if w.y > 0]
        assert len({w.y for w in lower}) >= 2, "the channels are not in rows of grids"
        x = placed.panel.grids[lower[-1].grid].tensor
        assert x is not None
        for cell in [(0, 2, 3, 4), (0, 2, 0, 0), (0, 1, 1, 2)]:
            await click_cell(pilot, app, "input", x, cell, 1)
            assert app.session.selected == (x, cell)
    app = make_app("digits")
    async with app.run_test(size=(80, 24)) as pilot:
        timeline = app.session.timeline
        inputs = TensorId(None, "x")
        for index in [(0, 0, 5, 5), (1, 2, 4, 5)]:  # the window follows the step down right
            await jump(pilot, app, scan(timeline, -1, 1, lambda s, i=index: s.index == i))
            placed = panel(app, "input")
            win = next(w for w in placed.windows if w.windowed)
            assert win.row0 > 0 or win.col0 > 0  # scrolled away from its first cells
            grid = placed.panel.grids[win.grid]
            cell = (*grid.prefix, grid.row0 + win.row0 + win.rows - 1, grid.col0 + win.col0 + 1)
            await click_cell(pilot, app, "input", inputs, cell, 0)
            assert app.session.selected == (inputs, cell)


# ---- breakpoints and watchpoints ------------------------------------------------------------


@covers("breakpoint", "continue(1)", "continue(-1)")
async def test_breakpoint_on_layer_and_op_continue_and_reverse_continue() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline
        await press(pilot, keys_for("move('layer', 1)")[0], keys_for("move('layer', 1)")[0])
        here = timeline[session.k]
        layer, op = here.layer, here.op
        assert (layer, op) == (2, "maxpool2d.forward")

        def hit(s: Step) -> bool:
            """A layer+op breakpoint stops where that operation starts (its first step)."""
            if s.layer != layer or s.op != op:
                return False
            previous = timeline[s.k - 1] if s.k > 0 else None
            return previous is None or (previous.layer, previous.op) != (layer, op)

        await press(pilot, keys_for("breakpoint")[0])
        assert "1 breakpoint" in status_text(app)
        await jump(pilot, app, 0)
        forward = keys_for("continue(1)")
        for n in range(4):
            before = session.k
            await press(pilot, forward[n % len(forward)])
            assert session.k == scan(timeline, before, 1, hit)
        await jump(pilot, app, 75)  # past this iteration's pool steps: on to the next iteration
        await press(pilot, forward[0])
        assert session.k == scan(timeline, 75, 1, hit) > timeline.per_iteration
        backward = keys_for("continue(-1)")
        await jump(pilot, app, len(timeline) - 1)
        for n in range(3):
            before = session.k
            await press(pilot, backward[n % len(backward)])
            assert session.k == scan(timeline, before, -1, hit)
        # b again on such a step clears it
        await press(pilot, keys_for("breakpoint")[0])
        assert session.breakpoints == []
        before = session.k
        await press(pilot, forward[0])
        assert session.k == before
        assert "no breakpoints" in status_text(app)


@covers("watch", "clear_breakpoints")
async def test_watch_a_clicked_cell_then_continue_stops_where_it_is_written() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline
        await jump(pilot, app, scan(timeline, -1, 1, lambda s: s.op == "conv2d.backward"))
        # dx of the conv layer: each backward position adds into a 3×3 window of it
        dx = TensorId(0, "grad_input")
        cell = (0, 0, 1, 3)
        await click_cell(pilot, app, "dx", dx, cell)
        assert session.selected == (dx, cell)
        for key in keys_for("watch"):
            if key != keys_for("watch")[0]:
                await press(pilot, key)  # a second w clears the watch; set it again
                assert session.breakpoints == []
            await press(pilot, key)
            assert len(session.breakpoints) == 1

        def written(s: Step) -> bool:
            return writes_cell(timeline, s, dx, cell)

        assert session.k == scan(timeline, -1, 1, written)  # the click went to the first write
        start = session.k
        for _ in range(3):
            before = session.k
            await press(pilot, keys_for("continue(1)")[0])
            assert session.k == scan(timeline, before, 1, written)
        assert session.k > start
        # near the end of the iteration's backward pass: the next write is an iteration later
        last_write = scan(timeline, timeline.per_iteration, -1, written)
        await jump(pilot, app, last_write)
        await press(pilot, keys_for("continue(1)")[0])
        assert session.k == scan(timeline, last_write, 1, written) > timeline.per_iteration
        # x clears every breakpoint: continuing no longer moves
        await press(pilot, keys_for("breakpoint")[0])
        assert len(session.breakpoints) == 2
        for key in keys_for("clear_breakpoints"):
            await press(pilot, key)
            assert session.breakpoints == []
        before = session.k
        await press(pilot, keys_for("continue(1)")[0])
        assert session.k == before


# ---- playback -------------------------------------------------------------------------------


@covers("play", "speed(1)", "speed(-1)")
async def test_space_plays_and_pauses_plus_minus_change_speed() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        start = session.speed_index
        faster = keys_for("speed(1)")
        for n, key in enumerate(faster, 1):
            await press(pilot, key)
            assert session.speed == SPEEDS[start + n]
        for key in keys_for("speed(-1)"):
            before = session.speed_index
            await press(pilot, key)
            assert session.speed == SPEEDS[before - 1]
        session.speed_index = len(SPEEDS) - 1
        await press(pilot, faster[0])
        assert session.speed == SPEEDS[-1]
        session.speed_index = 0
        await press(pilot, keys_for("speed(-1)")[0])
        assert session.speed == SPEEDS[0]
        session.speed_index = SPEEDS.index(50)

        play = keys_for("play")[0]
        await press(pilot, play)
        await pilot.pause(0.3)
        moved = await wait_until(pilot, lambda: session.k > 0)
        assert moved and "▶" in status_text(app)
        at = session.k
        await pilot.pause(0.3)
        assert await wait_until(pilot, lambda: session.k > at)
        await press(pilot, play)
        stopped = session.k
        await pilot.pause(0.3)
        assert session.k == stopped
        assert "▶" not in status_text(app)
        # playback stops by itself at the end of the run
        await jump(pilot, app, len(session.timeline) - 3)
        await press(pilot, play)
        last = len(session.timeline) - 1
        assert await wait_until(pilot, lambda: session.k == last and "▶" not in status_text(app))
        await pilot.pause(0.2)
        assert session.k == last


# ---- precision ------------------------------------------------------------------------------


@covers("precision(1)", "precision(-1)")
async def test_full_stop_and_comma_change_the_decimals_of_every_matrix_live() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        start = session.scenario.display.precision  # the file's precision is where it starts
        assert session.precision == start == 2
        assert f"{start} dp" in status_text(app)
        # conv forward, step 1: the filter W[0] as the engine has it
        weight = session.run.record(0).layers[0].params.weight  # type: ignore[union-attr]
        cell = (0, 0, 0, 1)  # 0.3003: fixed at every precision

        def filter_cell() -> str:
            x, y, cw = grid_position(panel(app, "filter"), TensorId(0, "weight"), cell)
            return op_lines(app)[y][x : x + cw].strip()

        assert filter_cell() == f"{weight[cell]:.2f}"
        for key in keys_for("precision(1)"):
            await press(pilot, key)
            assert session.precision == start + 1
            assert f"{start + 1} dp" in status_text(app)
            assert filter_cell() == f"{weight[cell]:.3f}"
        for key in keys_for("precision(-1)"):
            await press(pilot, key)
            await press(pilot, key)
            assert session.precision == start - 1
            assert f"{start - 1} dp" in status_text(app)
            # 1 decimal would write W[0,0,0,0] = 0.0079 as 0.0: the whole filter is scaled
            # by the power of ten of its largest magnitude, written once by its label
            assert abs(weight[0, 0, 0, 0]) < 0.05
            k = int(np.floor(np.log10(np.abs(weight[cell[0]]).max())))
            assert filter_cell() == f"{weight[cell] / 10.0**k:.1f}"
            assert "×10⁻¹" in screen_text(app) and k == -1
        # the limits: 0 and 6 decimals, and the status bar says so
        for _ in range(3):
            await press(pilot, keys_for("precision(-1)")[0])
        assert session.precision == 0 and "0 dp" in status_text(app)
        assert "precision stays at 0" in status_text(app)
        for _ in range(8):
            await press(pilot, keys_for("precision(1)")[0])
        assert session.precision == 6 and "6 dp" in status_text(app)
        assert filter_cell() == f"{weight[cell]:.6f}"
        # stepping keeps the precision the person chose
        await press(pilot, keys_for("step(1)")[0])
        assert session.precision == 6 and "6 dp" in status_text(app)


# ---- NaN / inf ------------------------------------------------------------------------------


def first_nonfinite_step(timeline: Timeline) -> int:
    """Brute force: the first step whose value, or a value it writes, is NaN or infinite."""
    with np.errstate(all="ignore"):
        for k in range(len(timeline)):
            step = timeline[k]
            values = [np.asarray(step.value if step.value is not None else 0.0)]
            values += [
                np.asarray(timeline.tensor_at(k, r.tensor).values[r.cells]) for r in step.writes
            ]
            if not all(np.isfinite(v).all() for v in values):
                return k
    raise AssertionError("the run stays finite")


@covers("nonfinite")
async def test_f_jumps_to_the_first_nan_or_inf() -> None:
    app = make_app("diverging")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline
        expected = first_nonfinite_step(timeline)
        assert "NaN" not in status_text(app)
        for key in keys_for("nonfinite"):
            await jump(pilot, app, 3)
            await press(pilot, key)
            assert session.k == expected
            assert "NaN/inf" in status_text(app)
        # the non-finite value is drawn as text in the matrix cell the step writes
        step = timeline[expected]
        (region,) = [r for r in step.writes if r.tensor.name == "output"]
        cell = tuple(int(i) for i in region.cells)  # type: ignore[call-overload]
        value = float(timeline.run.record(step.iteration).layers[2].output[cell])
        assert not np.isfinite(value)
        x, y, cw = grid_position(panel(app, "output"), region.tensor, cell)
        assert op_lines(app)[y][x : x + cw].strip() == ("nan" if np.isnan(value) else "inf")
        # stepping on past it, one step at a time to the end of the all-NaN iterations,
        # works and keeps the warning; the last step's matrices are NaN
        last = len(timeline) - 1
        await burst(pilot, keys_for("step(1)")[0], last - expected)
        assert session.k == last
        assert "NaN/inf" in status_text(app)
        assert "nan" in boxes_text(app)
        await press(pilot, keys_for("move('iteration', -1)")[0])
        assert session.k == (len(session.run) - 1) * timeline.per_iteration
        assert "nan" in boxes_text(app)


async def test_a_finite_run_has_no_nan_to_find() -> None:
    app = make_app("hand-computable")
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.k
        await press(pilot, keys_for("nonfinite")[0])
        assert app.session.k == before
        assert "no NaN" in status_text(app)


# ---- checks and views -----------------------------------------------------------------------


@covers("view('gradcheck')")
async def test_d_gradient_check_agrees() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline
        targets = [
            scan(timeline, timeline.per_iteration, 1, lambda s: s.op == "conv2d.forward"),
            scan(timeline, -1, 1, lambda s: s.op == "linear.backward" and s.index == (1, 1)),
        ]
        for key, k in zip(keys_for("view('gradcheck')") * 2, targets, strict=False):
            await jump(pilot, app, k)
            step = timeline[k]
            await press(pilot, key)
            assert isinstance(app.screen, ViewScreen)
            check = app.screen.content.data
            assert isinstance(check, GradCheck)
            # the screen shows the verdict, and backprop's dW as a panel
            assert "agree" in screen_text(app)
            assert "backprop dW" in screen_text(app)
            o = step.index[1]
            engine = session.run.record(step.iteration).layers[step.layer].grads  # type: ignore[index]
            assert engine is not None
            np.testing.assert_array_equal(check.analytic, engine.weight[o])
            assert check.relative_error < 1e-5
            np.testing.assert_allclose(check.numeric, engine.weight[o], rtol=1e-5, atol=1e-9)
            await press(pilot, "escape")
            assert not isinstance(app.screen, ViewScreen)
        # on a layer without weights there is nothing to check
        await jump(pilot, app, scan(timeline, -1, 1, lambda s: s.op == "relu.forward"))
        await press(pilot, keys_for("view('gradcheck')")[0])
        assert not isinstance(app.screen, ViewScreen)
        assert "gradient check" in status_text(app)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_gradient_check_of_a_six_channel_filter_fits_and_pages(
    size: tuple[int, int],
) -> None:
    """LeNet-5's C3 (6 input channels): the dialog hid "backprop dW" — the thing checked —
    and showed 3 of 6 channels; its table's rows were cut off at 80×24. Every channel of
    every panel is now drawn on one of the pages ``t`` turns, inside the dialog."""
    app = StepCNNApp(Session(load_scenario("lenet5"), iterations=1))
    async with app.run_test(size=size) as pilot:
        seg = next(
            s
            for s in app.session.timeline.segments
            if s.kind == "conv2d" and s.phase == "backward" and s.layer == 3
        )
        await jump(pilot, app, seg.start)
        await press(pilot, "d")
        assert isinstance(app.screen, ViewScreen)
        view = app.screen.query_one(OperationView)
        box = app.screen.query_one(Vertical)
        scroll = app.screen.query_one(VerticalScroll)
        assert box.region.bottom <= size[1] and scroll.region.bottom <= box.region.bottom
        scroll.scroll_end(animate=False)  # on a short terminal the table is below: scrolled to
        await pilot.pause()
        table = app.screen.query_one("#view-table")
        assert table.region.height >= 3  # its header and rows are on the screen
        assert scroll.region.y <= table.region.y and table.region.bottom <= scroll.region.bottom
        scroll.scroll_home(animate=False)
        await pilot.pause()
        seen: dict[str, set[int]] = {}
        for _ in range(7):
            for placed in view.placed:
                for win in placed.windows:
                    assert not win.windowed
                    channel = placed.panel.grids[win.grid].channel
                    assert channel is not None
                    seen.setdefault(placed.panel.title, set()).add(channel)
            await press(pilot, "t")
        assert set(seen) == {"backprop dW", "finite differences", "difference"}, seen
        assert all(channels == set(range(6)) for channels in seen.values()), seen


@covers("view('weights')")
async def test_v_weight_view_sums_to_the_engine_gradient() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        await press(pilot, keys_for("view('weights')")[0])
        assert not isinstance(app.screen, ViewScreen)  # nothing selected yet
        assert "weight view" in status_text(app)
        weight = TensorId(0, "weight")
        cells = [(0, 0, 1, 2), (0, 0, 2, 0)]
        for key, cell in zip(keys_for("view('weights')") * 2, cells, strict=False):
            await jump(pilot, app, 1)
            await click_cell(pilot, app, "filter", weight, cell)
            assert session.selected == (weight, cell)
            assert session.k == 1  # a parameter is only selected: no jump to its update
            await press(pilot, key)
            assert isinstance(app.screen, ViewScreen)
            story = app.screen.content.data
            assert isinstance(story, WeightStory)
            grads = session.run.record(session.step.iteration).layers[0].grads
            assert grads is not None
            assert story.contributions
            assert story.contributions[-1].running == pytest.approx(
                float(grads.weight[cell]), rel=1e-9, abs=1e-12
            )
            assert story.grad == float(grads.weight[cell])
            await press(pilot, "escape")


@covers("cycle_view('m')")
async def test_m_cycles_fc_im2col_normal_and_persists_while_stepping() -> None:
    app = make_app("hand-computable")
    async with app.run_test(size=SIZE) as pilot:
        timeline = app.session.timeline
        k = scan(timeline, -1, 1, lambda s: s.index == (0, 0, 1, 1))
        await jump(pilot, app, k)
        normal = [p.panel.key for p in app.query_one(OperationView).placed]
        assert "matrix" not in normal and "view:" not in status_text(app)
        for key in keys_for("cycle_view('m')"):
            await press(pilot, key)
            assert app.session.view == "fc"
            assert "view: as a fully connected layer" in status_text(app)
            titles = [p.panel.title for p in app.query_one(OperationView).placed]
            assert any(t.startswith("M 9×25") for t in titles)
            # the three parameter counts, worked out by hand: 9 + 1; 9·9 + 9; 9·25 + 9
            caption = panel(app, "matrix").panel.caption
            assert "conv 10 " in caption and "untied 90 " in caption
            assert caption.endswith("fully connected 234")
            await press(pilot, key)
            assert app.session.view == "im2col"
            assert "view: im2col" in status_text(app)
            assert panel(app, "patches")
            await press(pilot, key)
            assert app.session.view == "normal"
            assert [p.panel.key for p in app.query_one(OperationView).placed] == normal
        await press(pilot, keys_for("cycle_view('m')")[0])
        # stepping keeps the view
        await press(pilot, "right")
        assert app.session.view == "fc" and app.session.k == k + 1
        assert panel(app, "matrix")
        # a step that is not conv2d shows its own panels; the status says when the view shows
        await jump(pilot, app, scan(timeline, -1, 1, lambda s: s.op == "mse.forward"))
        assert "matrix" not in [p.panel.key for p in app.query_one(OperationView).placed]
        assert "(on conv2d steps)" in status_text(app)


@covers("about")
async def test_i_about_shows_the_credit() -> None:
    app = make_app("digits", iterations=2)
    async with app.run_test(size=SIZE) as pilot:
        credit = app.session.scenario.credit
        assert credit.strip()
        for key in keys_for("about"):
            await press(pilot, key)
            assert isinstance(app.screen, AboutScreen)
            box = app.screen.query_one(Vertical)
            assert await wait_until(
                pilot, lambda b=box: flat(credit) in flat(region_text(app, b.content_region))
            )
            await press(pilot, "escape")


async def test_scenario_text_is_shown_as_written_never_as_markup() -> None:
    from stepcnn.timeline.load import parse_scenario

    text = """
title = "Brackets [/x] and dW[f]"
description = "Row W[o] of [bold]W[/bold]"
learning_rate = 0.1
loss = "mse"
[narration]
intro = "The [red]gradient[/red] dW[f] = [/]"
[[samples]]
input = [[1, 2], [3, 4]]
target = [[1.0]]
[[layers]]
type = "conv2d"
out_channels = 1
kernel_size = 2
"""
    app = StepCNNApp(Session(parse_scenario(text)))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, keys_for("about")[0])
        assert isinstance(app.screen, AboutScreen)
        box = app.screen.query_one(Vertical)
        shown = flat(region_text(app, box.content_region))
        for written in ("Brackets [/x] and dW[f]", "Row W[o] of [bold]W[/bold]", "dW[f] = [/]"):
            assert flat(written) in shown, written


@covers("toggle_pane('source')", "toggle_pane('narration')")
async def test_s_and_e_toggle_source_and_narration() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        source = app.query_one("#source")
        assert "source" in app.session.scenario.display.hidden
        assert not source.display
        for key in keys_for("toggle_pane('source')"):
            await press(pilot, key)
            assert source.display
            assert source.region.height > 0
            assert "conv" in str(source.border_title)  # the engine source of conv2d.forward
            await press(pilot, key)
            assert not source.display
        intro = app.session.scenario.narration.intro.split()
        opening = " ".join(intro[:6])
        assert opening in screen_text(app)
        for key in keys_for("toggle_pane('narration')"):
            await press(pilot, key)
            assert opening not in screen_text(app)
            await press(pilot, key)
            assert opening in screen_text(app)
        # the introduction belongs to step 0: gone at step 1, back at step 0
        await press(pilot, keys_for("step(1)")[0])
        assert opening not in screen_text(app)
        await press(pilot, keys_for("step(-1)")[0])
        assert opening in screen_text(app)


@covers("pick")
async def test_o_picker_opens_another_scenario() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        target = load_scenario("hand-computable")
        for key in keys_for("pick"):
            await press(pilot, key)
            assert isinstance(app.screen, PickerScreen)
            names = [name for name, _ in app.screen.choices]
            assert {"tour", "hand-computable", "digits"} <= set(names)
            await press(pilot, "home", *["down"] * names.index("hand-computable"))
            assert app.screen.query_one(OptionList).highlighted == names.index("hand-computable")
            await press(pilot, "enter")
            assert not isinstance(app.screen, PickerScreen)
        session = app.session
        assert session.scenario.title == target.title
        assert len(session.timeline) == len(Timeline(session.run))
        assert session.timeline.per_iteration == 38
        assert target.title in str(app.title)
        assert f"step {session.k + 1} of {len(session.timeline)}" in status_text(app)
        # the picker can be left without choosing
        await press(pilot, keys_for("pick")[0], "escape")
        assert session.scenario.title == target.title


@covers("reload")
async def test_r_reload_keeps_everything_on_errors_and_the_position_on_success(
    tmp_path: Path,
) -> None:
    builtin = next(p for p in paths() if p.stem == "hand-computable")
    text = builtin.read_text(encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    app = StepCNNApp(Session(load_scenario(str(path))))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        session = app.session
        await jump(pilot, app, 20)
        scenario = session.scenario
        timeline = session.timeline
        path.write_text(text.replace("learning_rate = 0.045", 'learning_rate = "fast"'), "utf-8")
        for key in keys_for("reload"):
            await press(pilot, key)
            assert session.k == 20
            assert session.scenario is scenario and session.timeline is timeline
            errors = [n for n in app._notifications if n.severity == "error"]
            assert errors and "learning_rate" in errors[-1].message
            assert app.screen.query("Toast")
        new_title = "Reloaded: a changed learning rate"
        fixed = text.replace(scenario.title, new_title).replace(
            "learning_rate = 0.045", "learning_rate = 0.1"
        )
        path.write_text(fixed, encoding="utf-8")
        await press(pilot, keys_for("reload")[0])
        assert session.k == 20
        assert session.scenario.title == new_title
        assert session.scenario.learning_rate == 0.1
        assert new_title in str(app.title)
        params = session.run.record(0).layers[0]
        assert params.params is not None and params.grads is not None
        assert params.params_after is not None
        np.testing.assert_allclose(
            params.params_after.weight, params.params.weight - 0.1 * params.grads.weight
        )


# ---- drawing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "size", "start", "windowed"),
    [
        # pool → flatten → linear → loss → loss backward → linear backward
        ("tour", SIZE, 62, False),
        # a scrolled conv input window (LeNet-5's 32×32 padded input), then on into tanh
        ("lenet5", (80, 24), 2 * 6 * 28 * 28 - 10, True),
    ],
)
async def test_n_steps_forward_then_back_restores_the_screen(
    name: str, size: tuple[int, int], start: int, windowed: bool
) -> None:
    app = make_app(name, iterations=1)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        timeline = app.session.timeline
        view = app.query_one(OperationView)
        await jump(pilot, app, start)
        n = 30
        crossed = {(timeline[k].phase, timeline[k].op) for k in range(start, start + n + 1)}
        assert len(crossed) >= 2
        assert any(w.windowed for p in view.placed for w in p.windows) == windowed
        before_lines = list(view._lines)
        before_shot = app.export_screenshot()
        await burst(pilot, keys_for("step(1)")[0], n)
        assert app.session.k == start + n
        assert view._lines != before_lines
        await burst(pilot, keys_for("step(-1)")[0], n)
        assert app.session.k == start
        assert view._lines == before_lines
        assert app.export_screenshot() == before_shot


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_small_and_large_terminals(size: tuple[int, int]) -> None:
    app = make_app("rgb-stride-padding")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = app.query_one(OperationView)
        for _ in range(3):
            lines = view._lines
            assert len(lines) == view.size.height > 0
            assert all(sum(len(s.text) for s in line) == size[0] for line in lines)
            assert view.placed
            for p in view.placed:
                assert p.x + p.width <= size[0] and p.y + p.height <= view.size.height
            assert f"{app.session.k + 1}" in status_text(app)
            assert f"{len(app.session.timeline)}" in status_text(app)
            await press(pilot, keys_for("move('phase', 1)")[0], keys_for("step(1)")[0])


async def test_resizing_during_playback_and_the_too_small_notice() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        # slow playback: Pilot waits for the app to go idle after each resize, and a fast
        # playback never lets it (each resize would then wait Pilot's one-second maximum)
        session.speed_index = SPEEDS.index(10)
        await press(pilot, keys_for("play")[0])
        view = app.query_one(OperationView)
        for size in [(80, 24), (200, 60), (61, 19), (120, 40), (100, 30)]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.05)
            assert app.size == size
            assert all(sum(len(s.text) for s in line) == size[0] for line in view._lines)
        assert session.k > 0
        await press(pilot, keys_for("play")[0])
        notice = app.query_one("#too-small", Static)
        main = app.query_one("#main")
        for small in [(59, 30), (100, 17), (40, 10)]:
            await pilot.resize_terminal(*small)
            assert notice.display and not main.display
            message = notice.render().plain  # type: ignore[union-attr]
            assert "60×18" in message
            assert f"{small[0]}×{small[1]}" in message
            assert "60×18" in screen_text(app)
            # The notice alone: nothing else drawn (no sparkline, status or footer fragment).
            assert flat(screen_text(app)) == flat(message), screen_text(app)
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert main.display and not notice.display
        assert len(view._lines) == view.size.height > 0
        assert all(sum(len(s.text) for s in line) == SIZE[0] for line in view._lines)
        assert "60×18" not in screen_text(app)
        assert f"step {session.k + 1} of " in screen_text(app)
        await pilot.resize_terminal(80, 24)  # the status bar takes the wording that fits
        await pilot.pause()
        status = status_text(app)
        assert len(status) <= 80 and f"{session.k + 1}/" in status


# ---- skipping zero gradients, step numbers --------------------------------------------------


@covers("skip_zero(1)", "skip_zero(-1)")
async def test_z_skips_the_backward_steps_whose_gradient_is_zero() -> None:
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline

        def zero(k: int) -> bool:
            step = timeline[k]
            return step.phase == "backward" and step.value == 0.0

        # A run of zero gradients: the relu backward below the max-pool.
        start = scan(timeline, -1, 1, lambda s: zero(s.k) and zero(s.k + 1) and zero(s.k + 2))
        await jump(pilot, app, start - 1)
        for key in keys_for("skip_zero(1)"):
            await jump(pilot, app, start - 1)
            await press(pilot, key)
            expected = scan(timeline, start, 1, lambda s: not zero(s.k))
            assert session.k == expected
            assert not zero(session.k)
            assert f"skipped {expected - start} steps with gradient 0" in status_text(app)
        for key in keys_for("skip_zero(-1)"):
            before = session.k
            await press(pilot, key)
            assert session.k == scan(timeline, before, -1, lambda s: not zero(s.k))
            assert session.k < start
        await jump(pilot, app, 0)
        await press(pilot, keys_for("skip_zero(-1)")[0])
        assert session.k == 0
        assert "no previous step" in status_text(app)


async def test_one_step_numbering_for_the_screen_colon_and_trace() -> None:
    import io
    import json

    from stepcnn.io.trace import write_trace

    app = make_app("hand-computable")
    out = io.StringIO()
    write_trace(app.session.run, out, phase=None, fmt="jsonl")
    records = {r["step"]: r for r in map(json.loads, out.getvalue().splitlines())}
    async with app.run_test(size=SIZE) as pilot:
        for number in (1, 17, len(app.session.timeline)):
            await goto(pilot, number)
            status = status_text(app)
            assert f"step {number} of {len(app.session.timeline)}" in status
            record = records[number]
            step = app.session.step
            assert (record["op"], record["index"]) == (step.op, list(step.index))
            assert f"iteration {record['iteration']} of 2" in status


async def test_the_sparkline_marks_the_current_iteration_and_turns_logarithmic() -> None:
    from stepcnn.tui.loss_strip import LossStrip

    app = make_app("edge-detector")  # the loss falls from 30 to 0.009: three decades
    async with app.run_test(size=SIZE) as pilot:
        while app.session.run.computed < len(app.session.run):
            await pilot.pause(0.05)
        await press(pilot, keys_for("move('iteration', 1)")[0])
        strip = app.query_one(LossStrip)
        assert strip.line.log
        assert "log loss" in screen_text(app).splitlines()[0]
        assert len(strip.line.bars) == 24
        # 200 iterations in 24 columns: iteration 2 (index 1) is in the first column.
        assert strip.line.current == 0
        await press(pilot, keys_for("edge(1)")[0])
        assert strip.line.current == 23
        first_line = screen_text(app).splitlines()[0]
        assert strip.line.bars in first_line


async def test_narration_that_does_not_fit_ends_with_a_mark_and_i_shows_it_whole() -> None:
    from stepcnn.present.scene import build_scene
    from stepcnn.tui.painter import MORE

    app = make_app("tour")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        narration = build_scene(app.session).narration  # the introduction and step 1's text
        lines = [line.rstrip() for line in op_lines(app)]
        cut = [line for line in lines if line.endswith(MORE)]
        assert len(cut) == 1
        assert flat(cut[0][: -len(MORE)]) in flat(narration)  # a line of the narration, cut
        assert flat(narration)[-40:] not in flat("".join(lines))  # its end did not fit
        await press(pilot, keys_for("about")[0])
        assert isinstance(app.screen, AboutScreen)
        parts = dict(app.screen.parts)
        assert parts["This step"] == narration  # whole, in a scrolling view
        assert parts["Equation"] == app.session.step.equation
        assert flat(narration)[:40] in flat(screen_text(app))


async def test_weight_view_home_and_end_and_no_negative_zero() -> None:
    from stepcnn.tui.rows_table import ViewTable

    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        weight = TensorId(0, "weight")
        await jump(pilot, app, 1)
        await click_cell(pilot, app, "filter", weight, (0, 0, 1, 2))
        await press(pilot, keys_for("view('weights')")[0])
        assert isinstance(app.screen, ViewScreen)
        table = app.screen.query_one(ViewTable)
        rows = table.row_count
        assert rows == len(app.screen.content.data.contributions) > 2
        k = session.k
        for key in ("end", "G"):
            table.move_cursor(row=1)
            await press(pilot, key)
            assert table.cursor_row == rows - 1
        for key in ("home", "g"):
            table.move_cursor(row=1)
            await press(pilot, key)
            assert table.cursor_row == 0
        assert session.k == k  # the keys moved the table, not the debugger underneath
        # Inputs of 0 times negative gradients give −0.0 products: written as a zero, no sign.
        story = app.screen.content.data
        assert any(c.product == 0 and np.signbit(c.product) for c in story.contributions)
        cells = [str(table.get_cell_at((r, 5))) for r in range(rows)]
        zeros = [t for t, c in zip(cells, story.contributions, strict=False) if c.product == 0]
        assert zeros and all(float(t) == 0 and t[0] not in "-−" for t in zeros)
        first = table.get_row_at(0)
        assert first[0] == str(story.contributions[0].step + 1)  # steps numbered from 1


async def test_the_source_pane_holds_the_whole_function_with_the_working_line_in_view() -> None:
    import inspect

    from stepcnn.engine.kinds import conv2d as conv
    from stepcnn.tui.source_pane import SourcePane

    app = make_app("tour")
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, keys_for("toggle_pane('source')")[0])
        await press(pilot, keys_for("move('phase', 1)")[0])
        while app.session.step.op != "conv2d.backward":
            await press(pilot, keys_for("move('layer', 1)")[0])
        await pilot.pause()
        pane = app.query_one(SourcePane)
        code = inspect.getsource(conv.conv2d_backward_naive).rstrip().splitlines()
        working = next(i for i, text in enumerate(code) if "dw[f] +=" in text)
        assert pane.line == working + 1 and pane.lines == len(code)
        visible = pane.scrollable_content_region.height
        assert 0 < visible < len(code)  # the function is longer than the pane: it scrolls
        top = round(pane.scroll_y)
        assert top > 0  # the working line is far down: the pane followed it
        assert top <= working < top + visible
        shown = screen_text(app)
        assert code[working].strip() in shown
        assert f"line {working + 1} of {len(code)}" in shown
        pane.scroll_home(animate=False)
        await pilot.pause()
        assert "def conv2d_backward_naive" in screen_text(app)  # its first lines are there too


@covers("practice")
async def test_capital_p_opens_and_closes_predict_mode() -> None:
    from stepcnn.tui.predict import PracticeScreen

    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        for key in keys_for("practice"):
            await press(pilot, key)
            assert isinstance(app.screen, PracticeScreen)
            await press(pilot, "P")  # typed into the answer field it would be no number
            assert not isinstance(app.screen, PracticeScreen)


async def test_the_status_bar_at_80_columns_shows_whole_pieces_only() -> None:
    # LeNet-5's long counters and layer names: the bar drops a piece rather than cut one
    # ("loss 2.322 │ 3" was "3 dp" cut at the edge).
    from stepcnn.present.scene import build_scene
    from stepcnn.present.status import status_variants

    app = make_app("lenet5")  # its 60 iterations: 3,520,140 steps
    async with app.run_test(size=(80, 24)) as pilot:
        session = app.session
        tl = session.timeline
        starts = [k for k in range(1, tl.per_iteration) if tl[k].layer != tl[k - 1].layer]
        for k in starts:
            session.goto(k)
            app.redraw()
            await pilot.pause()
            pieces = {
                text.strip()
                for variant in status_variants(build_scene(session))
                for text, _ in variant
            }
            shown_pieces = [p.strip() for p in status_text(app).split("│") if p.strip()]
            assert shown_pieces and set(shown_pieces) <= pieces, (k, status_text(app))


async def test_a_message_is_whole_in_the_status_bar_at_80_columns() -> None:
    """What a key answers ("weight view: click a weight … first") was cut at 80 columns to
    "│ weight view:": the other pieces give way to it instead."""
    app = make_app("lenet5")  # long counters: 3,520,140 steps
    async with app.run_test(size=(80, 24)) as pilot:
        seg = next(s for s in app.session.timeline.segments if s.phase == "backward")
        await jump(pilot, app, seg.start)
        for key in ("v", "c"):
            await press(pilot, key)
            message = {"v": "weight view: click a weight", "c": "no breakpoints: b sets one"}[key]
            text = status_text(app)
            assert message in text, text
            assert text.rstrip().endswith(("first", "selected cell")), text


async def test_the_network_strip_shows_the_current_layer_at_80_columns() -> None:
    """LeNet-5 at 80 columns: the strip ran into the loss label ("… → avg → flatloss") and,
    at its linear layers, never showed the current layer at all."""
    from stepcnn.present.scene import build_scene

    app = make_app("lenet5")
    async with app.run_test(size=(80, 24)) as pilot:
        session = app.session
        tl = session.timeline
        starts = [k for k in range(1, tl.per_iteration) if tl[k].layer != tl[k - 1].layer]
        for k in starts:
            await jump(pilot, app, k)
            top = screen_text(app).splitlines()[0]
            current = next(i for i in build_scene(session).network if i.state == "current")
            assert f" {current.short} {current.shape} " in top, (k, top)
            strip, _, _ = top.partition("loss")
            assert strip.endswith(" "), top  # a gap before the sparkline's label


async def test_the_status_bar_at_the_least_size_shows_whole_pieces_only() -> None:
    """At 60×18 (the least size that draws the debugger) the bar ended "│ loss" — the loss
    without its number: the layer's name (the network strip highlights it) gives way first."""
    from stepcnn.present.scene import build_scene
    from stepcnn.present.status import status_variants

    app = make_app("tour")
    async with app.run_test(size=(60, 18)) as pilot:
        session = app.session
        for k in (0, session.timeline.per_iteration // 2, session.total - 1):
            await jump(pilot, app, k)
            pieces = {
                text.strip()
                for variant in status_variants(build_scene(session))
                for text, _ in variant
            }
            shown_pieces = [p.strip() for p in status_text(app).split("│") if p.strip()]
            assert shown_pieces and set(shown_pieces) <= pieces, (k, status_text(app))
            assert any(p.startswith(("loss ", "prev. loss ")) for p in shown_pieces), shown_pieces


# ---- the course's keys (the course itself: tests/test_course_tui.py) -------------------------


def course_app(tmp_path: Path, chapter: int, exercise: Path | None = None) -> StepCNNApp:
    """The built-in course at ``chapter``, its progress in ``tmp_path``."""
    from stepcnn.codegen.workshop import FileWorkshop
    from stepcnn.courses.loader import load_course
    from stepcnn.courses.progress import ProgressStore
    from stepcnn.present.views import inline_names
    from stepcnn.tui.course_mode import CourseMode

    course = load_course(None, inline_names())
    workshop = None if exercise is None else FileWorkshop(exercise)
    mode = CourseMode(course, ProgressStore(tmp_path / "progress.json"), workshop)
    first = course.chapters[chapter - 1]
    return StepCNNApp(Session(first.scenario), first.ref, course=mode, chapter=chapter)


async def until_screen(pilot: Pilot[Any], kind: type, limit: float = 5) -> None:
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), limit)
    await pilot.pause()


@covers("course")
async def test_L_starts_the_course_and_then_lists_its_chapters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stepcnn.tui.course_screens import ChapterList, CourseCard

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = make_app("tour")
    async with app.run_test(size=SIZE) as pilot:
        for key in keys_for("course"):
            await press(pilot, key)
            await until_screen(pilot, CourseCard)
            assert "Chapter 1 of 7" in screen_text(app)
            assert app.session.scenario.name == "hand-computable" and app.session.k == 0
            await press(pilot, "escape", key)
            assert isinstance(app.screen, ChapterList) and len(app.screen.rows) == 7
            await press(pilot, "escape")
    assert (tmp_path / "stepcnn" / "progress.json").is_file()  # where the learner is, kept


@covers("course_step(1)", "course_step(-1)")
async def test_enter_goes_to_the_next_stop_and_backspace_to_the_one_before(
    tmp_path: Path,
) -> None:
    from stepcnn.tui.checkpoint import CheckpointScreen
    from stepcnn.tui.course_screens import CourseCard

    plain = make_app("tour")
    async with plain.run_test(size=SIZE) as pilot:  # no course: the keys do nothing
        assert plain.main.check_action("course_step", (1,)) is False
        await press(pilot, "enter", "backspace")
        assert plain.session.k == 0
    app = course_app(tmp_path, 2)  # sparse-connectivity: checkpoints at steps 1 and 3, a stop at 9
    async with app.run_test(size=SIZE) as pilot:
        await until_screen(pilot, CourseCard)
        await press(pilot, "enter")  # begin: the first checkpoint asks
        assert isinstance(app.screen, CheckpointScreen) and app.session.k == 0
        await press(pilot, "escape")  # later
        forward, back = keys_for("course_step(1)")[0], keys_for("course_step(-1)")[0]
        await press(pilot, forward)  # a checkpoint not yet answered: its question again
        assert isinstance(app.screen, CheckpointScreen) and app.session.k == 0
        await press(pilot, "1", "6", "enter", "enter")  # 8·3 − 8·1 = 16
        await press(pilot, forward)
        assert isinstance(app.screen, CheckpointScreen) and app.session.k == 2
        await press(pilot, "escape", back)
        assert app.session.k == 0 and app.screen is app.main
        await press(pilot, back)
        assert app.session.k == 0 and "the chapter's first stop" in status_text(app)
        await jump(pilot, app, 5)  # between the stops: Enter goes to the next one
        await press(pilot, "escape", forward)
        assert app.session.k == 8


@covers("exercise", "verify")
async def test_X_writes_the_exercise_and_V_grades_it_opening_the_first_wrong_step(
    tmp_path: Path,
) -> None:
    import re

    from test_verify import correct_source

    from stepcnn.tui.course_screens import CourseCard
    from stepcnn.tui.screens import MessageScreen

    mine = tmp_path / "mine.py"
    app = course_app(tmp_path, 1, mine)
    async with app.run_test(size=SIZE) as pilot:
        await until_screen(pilot, CourseCard)
        await press(pilot, "escape")
        assert not app.main.check_action("exercise", ()) and not app.main.check_action("verify", ())
    app = course_app(tmp_path, 7)  # no learner's file (a tab of stepcnn serve --course)
    async with app.run_test(size=SIZE) as pilot:
        await until_screen(pilot, CourseCard)
        await press(pilot, "escape", keys_for("exercise")[0])
        assert "in a terminal: stepcnn learn --chapter 7" in status_text(app)
        assert not mine.exists()
    app = course_app(tmp_path, 7, mine)
    async with app.run_test(size=SIZE) as pilot:
        await until_screen(pilot, CourseCard)
        await press(pilot, "escape")
        for key in keys_for("exercise"):
            await press(pilot, key)
            assert "def conv2d_forward" in mine.read_text(encoding="utf-8")
            assert "NotImplementedError" in mine.read_text(encoding="utf-8")
            assert f"wrote {mine}" in status_text(app)
            await press(pilot, key)
            assert "exists: your work is kept" in status_text(app)
        source = correct_source()
        bug = source.replace("dw[f][ch][i][j] += g * v", "dw[f][ch][i][j] = g * v")
        assert bug != source
        mine.write_text(bug, encoding="utf-8")
        for key in keys_for("verify"):
            await press(pilot, key)
            await until_screen(pilot, MessageScreen, limit=120)
            report = "\n".join(app.screen.lines)
            assert re.search(r"conv2d_backward\s+wrong", report), report
            found = re.search(r"stepcnn \S+ --step (\d+)", report)
            assert found, report
            await press(pilot, "escape")
            # The debugger is at the step the report names (the screen counts from 1).
            assert app.session.k == int(found.group(1)) - 1
            assert app.session.step.op == "conv2d.backward"
            assert "where your first wrong value is computed" in status_text(app)
        mine.write_text(source, encoding="utf-8")
        await press(pilot, keys_for("verify")[0])
        await until_screen(pilot, MessageScreen, limit=120)
        assert "all right" in app.screen.title_text
        await press(pilot, "escape")
        assert app.main.course is not None and app.main.course.walk.progress.is_done(7)


@pytest.mark.parametrize("sizes", [((160, 50), (80, 24)), ((80, 24), (160, 50))])
async def test_the_network_strip_chooses_its_form_again_when_the_terminal_is_resized(
    sizes: tuple[tuple[int, int], tuple[int, int]],
) -> None:
    async def strip_at(size: tuple[int, int], then: tuple[int, int] | None) -> str:
        app = make_app("lenet5")
        async with app.run_test(size=size) as pilot:
            await jump(pilot, app, 34_065)  # LeNet-5's C3: the strip's current layer mid-way
            if then is not None:
                await pilot.resize_terminal(*then)
                await pilot.pause()
            return screen_text(app).splitlines()[0]

    before, after = sizes
    resized, fresh = await strip_at(before, after), await strip_at(after, None)
    assert resized == fresh
    assert ("…" in fresh) == (after[0] == 80)  # at 80 columns only the layers around C3
