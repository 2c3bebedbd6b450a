"""The app on a scenario with every layer kind and SGD with momentum and weight decay: one
whole iteration stepped through with the keys, at 80×24 and at 160×50 (there with the source
pane open; at 80×24 it leaves the panels no room) — no step may fail to draw (issue 9: a
missed part of a kind used to fail only at run time, on the first redraw)."""

import pytest
from test_present_kinds import EVERY_KIND
from test_tui import burst, keys_for, op_lines, press, screen_text, status_text

from stepcnn.engine.registry import layer_kinds
from stepcnn.session.session import Session
from stepcnn.timeline.load import parse_scenario
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.operation import OperationView


def test_the_smoke_scenario_has_every_kind() -> None:
    scenario = parse_scenario(EVERY_KIND, "every-kind.toml")
    assert {layer.type for layer in scenario.layers} == set(layer_kinds())
    assert scenario.optimizer.momentum and scenario.optimizer.weight_decay


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_every_step_of_an_iteration_with_every_kind_draws(size: tuple[int, int]) -> None:
    app = StepCNNApp(Session(parse_scenario(EVERY_KIND, "every-kind.toml")))
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        session = app.session
        timeline = session.timeline
        per = timeline.per_iteration
        view = app.query_one(OperationView)
        if size == (160, 50):
            await press(pilot, keys_for("toggle_pane('source')")[0])  # the source pane on
        seen: set[str] = set()
        right = keys_for("step(1)")[0]
        while session.k < per - 1:
            before = session.k
            step = timeline[before]
            seen.add(step.op)
            # One key from the first step of each operation to the next (that frame drawn and
            # checked), then one burst of keys through the rest of it to the next operation's
            # first step (every step's scene built and laid out on the way).
            _, segment, local = timeline.position(before)
            left = timeline.segments[segment].count - 1 - local
            await burst(pilot, right, 1 if local == 0 or left == 0 else left + 1)
            assert session.k > before
            lines = view._lines
            assert len(lines) == view.size.height > 0
            assert all(sum(len(s.text) for s in line) == size[0] for line in lines), (
                timeline[session.k].op,
                {sum(len(s.text) for s in line) for line in lines},
            )
            assert view.placed
            status = status_text(app)  # steps are shown counted from 1
            assert f"{session.k + 1}/" in status or f"step {session.k + 1} of" in status
        seen.add(timeline[session.k].op)
        wanted = {f"{kind}.{phase}" for kind in layer_kinds() for phase in ("forward", "backward")}
        wanted |= {"conv2d.update", "linear.update"}
        assert wanted <= seen
        # The last step of the iteration is the last update; the screen shows the velocity.
        assert timeline[session.k].op == "linear.update"
        assert any("v[" in line for line in op_lines(app)) or size == (80, 24)
        assert "linear" in screen_text(app) or "lin" in screen_text(app)
        # On into the next iteration (velocity before, from the first) and back to the start.
        await press(pilot, right)
        assert session.k == per
        await press(pilot, keys_for("edge(0)")[0])
        assert session.k == 0
