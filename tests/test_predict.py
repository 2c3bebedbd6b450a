"""Predict mode: the question of every kind of step, the scoring rule, and the screen (Pilot)."""

import numpy as np
import pytest
from textual.widgets import Input, Static

from stepcnn.scenario.builtin import names
from stepcnn.session.practice import REVEALING, Score, is_right, parse_guess, question
from stepcnn.session.session import Session
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.training import TrainingRun
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.predict import PracticeScreen


def first_steps(name: str) -> dict[str, int]:
    """The first step of every operation of iteration 0."""
    timeline = Timeline(TrainingRun(load_scenario(name)))
    firsts: dict[str, int] = {}
    for k in range(timeline.per_iteration):
        firsts.setdefault(timeline[k].op, k)
    return firsts


def expected_answer(timeline: Timeline, k: int) -> float | None:
    """What the step's result is, from the engine's tensors (not from the step's operands)."""
    step = timeline[k]
    rec = timeline.run.record(step.iteration)
    if step.layer is None:
        if step.phase == "backward":
            return float(rec.grad_scores[step.index])
        return None  # loss forward terms: checked against the equation below
    lr = rec.layers[step.layer]
    kind = timeline.run.scenario.layers[step.layer].type
    if step.phase == "forward":
        return None if kind == "flatten" else float(lr.output[step.index])
    if step.phase == "update":
        return float(lr.params_after.weight[step.index[0]].reshape(-1)[0])
    g = float(lr.grad_output[step.index])
    if kind in ("conv2d", "linear"):
        return g * float(lr.params.weight[step.index[1]].reshape(-1)[0])
    if kind == "relu":
        return float(lr.grad_input[step.index])
    if kind == "maxpool2d":
        n, c, r, s = step.index
        (kh, kw), (sh, sw) = lr.cache.kernel, lr.cache.stride
        window = lr.input[n, c, r * sh : r * sh + kh, s * sw : s * sw + kw].reshape(-1)
        return g if int(np.argmax(window)) == 0 else 0.0
    if kind == "avgpool2d":  # every cell of the window its share
        kh, kw = timeline.run.scenario.layers[step.layer].kernel_size
        return g / (kh * kw)
    # Another kind: dx where the step first writes it, as the timeline has it after the step.
    region = next(w for w in step.writes if w.tensor.name == "grad_input")
    values = timeline.tensor_at(k, region.tensor).values
    cell = tuple(
        c if isinstance(c, int) else range(values.shape[d])[c][0]
        for d, c in enumerate(region.cells)
    )
    return float(values[cell + (0,) * (values.ndim - len(cell))])


@pytest.mark.parametrize("name", names())
def test_every_step_kind_asks_for_its_result(name: str) -> None:
    timeline = Timeline(TrainingRun(load_scenario(name)))
    for op, k in first_steps(name).items():
        step = timeline[k]
        q = question(step, timeline)
        if op.startswith("flatten"):
            assert q is None
            continue
        assert q is not None, op
        assert not REVEALING[step.phase] & set(q.given), op  # nothing gives the answer away
        want = expected_answer(timeline, k)
        if want is None:
            want = float(step.value)
        assert q.answer == pytest.approx(want, rel=1e-12, abs=1e-15), op
        assert q.working  # the computation with its numbers, for a miss


@pytest.mark.parametrize(("op", "row"), [("conv2d.backward", "filter"), ("linear.backward", "row")])
def test_what_a_backward_step_adds_into_dx_names_the_weights_on_the_screen(
    op: str, row: str
) -> None:
    """A linear layer's step sends g back through row W[o] (shown as ``row``): ``g·W[0]``
    read as row 0 of W, the wrong row, where o = 1."""
    timeline = Timeline(TrainingRun(load_scenario("fc-to-filters-3x3")))
    k = next(k for k in range(timeline.per_iteration) if timeline[k].op == op)
    if op == "linear.backward":
        k += 1  # score 1's step: row W[1]
    q = question(timeline[k], timeline)
    assert q is not None and row in q.given
    assert f"g·{row}[0" in q.prompt and "g·W" not in q.prompt
    first = float(q.given[row].reshape(-1)[0])
    working = q.working.replace("(", "").replace("−", "-")
    assert working.startswith(f"g·{row}[0") and f"·{first}" in working


def test_the_scoring_rule_is_one_percent_or_a_hundredth() -> None:
    assert is_right(1.0099, 1.0) and not is_right(1.02, 1.0)
    assert is_right(0.009, 0.0) and not is_right(0.011, 0.0)
    assert is_right(-251.0, -250.0) and not is_right(-253.0, -250.0)
    assert is_right(float("nan"), float("nan")) and not is_right(0.0, float("inf"))
    assert parse_guess("\u22120.25") == -0.25 and parse_guess("1e-3") == 0.001
    assert parse_guess("abc") is None and parse_guess("0,5") == 0.5


def test_the_score_counts_per_operation() -> None:
    score = Score()
    score.add("conv2d.forward", True)
    score.add("conv2d.forward", False)
    score.add("relu.backward", True)
    assert score.text() == "conv2d.forward 1/2   relu.backward 1/1"


def screen_text(app: StepCNNApp, widget: str) -> str:
    return str(app.screen.query_one(widget, Static).render())


async def type_value(pilot, text: str) -> None:
    app = pilot.app
    app.screen.query_one("#guess", Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_predict_mode_hides_checks_scores_and_moves_on() -> None:
    app = StepCNNApp(Session(load_scenario("tour")))
    async with app.run_test(size=(100, 40)) as pilot:
        session = app.session
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, PracticeScreen)
        step = session.timeline[0]
        assert "out[0,0,0,0] = ?" in screen_text(app, "#prompt")
        assert step.equation not in screen_text(app, "#operands")  # the result is hidden
        assert "products" not in screen_text(app, "#operands")
        # Right (within 1 %): scored, the computation shown.
        await type_value(pilot, str(step.value * 1.005))
        assert screen_text(app, "#feedback").startswith("right")
        assert "conv2d.forward 1/1" in screen_text(app, "#score")
        await pilot.press("enter")  # on to the next step
        await pilot.pause()
        assert session.k == 1
        # A miss shows the right computation with its numbers.
        await type_value(pilot, "1000")
        feedback = screen_text(app, "#feedback")
        assert feedback.startswith("miss: you said 1000")
        assert session.timeline[1].equation[:40] in feedback
        assert "conv2d.forward 1/2" in screen_text(app, "#score")
        await pilot.press("enter")
        await pilot.pause()
        # Enter alone reveals without scoring.
        await type_value(pilot, "")
        assert screen_text(app, "#feedback").startswith("the answer:")
        assert "conv2d.forward 1/2" in screen_text(app, "#score")
        # Not a number: asked again, nothing scored.
        await pilot.press("enter")
        await pilot.pause()
        await type_value(pilot, "abc")
        assert "not a number" in screen_text(app, "#feedback")
        assert session.k == 3
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PracticeScreen)
        assert session.k == 3  # the debugger is where practice got to


@pytest.mark.parametrize(
    ("op", "prompt"),
    [
        ("relu.backward", "the gradient passed back"),
        ("maxpool2d.backward", "top-left cell"),
        ("conv2d.backward", "adds into dx"),
        ("conv2d.update", "after the update"),
        ("cross_entropy.backward", "dL/dz"),
    ],
)
async def test_predict_mode_in_backward_and_update(op: str, prompt: str) -> None:
    app = StepCNNApp(Session(load_scenario("tour")))
    k = first_steps("tour")[op]
    async with app.run_test(size=(100, 40)) as pilot:
        app.session.goto(k)
        await pilot.press("P")
        await pilot.pause()
        assert prompt in screen_text(app, "#prompt")
        answer = app.screen.question.answer
        await type_value(pilot, repr(answer))
        assert screen_text(app, "#feedback").startswith("right")
        assert f"{op} 1/1" in screen_text(app, "#score")


async def test_predict_mode_skips_the_reshape_and_stops_at_the_end() -> None:
    app = StepCNNApp(Session(load_scenario("tour")))
    flatten = first_steps("tour")["flatten.forward"]
    async with app.run_test(size=(100, 40)) as pilot:
        app.session.goto(flatten - 1)
        await pilot.press("P")
        await pilot.pause()
        await type_value(pilot, "")
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.k == flatten + 1  # the flatten step has nothing to predict
        await pilot.press("escape")
        await pilot.pause()
        app.session.goto(app.session.total - 1)
        await pilot.press("P")
        await pilot.pause()
        await type_value(pilot, "")
        await pilot.press("enter")
        await pilot.pause()
        assert "end of the run" in screen_text(app, "#operands")


@pytest.mark.parametrize("op", ["relu.backward", "maxpool2d.backward"])
def test_a_backward_kind_without_a_rule_asks_for_dx_where_the_step_writes(op: str) -> None:
    """Kinds added later get a question from the step's writes: dx after the step."""
    import dataclasses

    timeline = Timeline(TrainingRun(load_scenario("tour")))
    k = first_steps("tour")[op]
    step = timeline[k]
    bare = dataclasses.replace(step, operands={"grad": step.operands["grad"]})
    q = question(bare, timeline)
    assert q is not None and q.prompt.startswith("dx[") and q.prompt.endswith("after this step")
    rec = timeline.run.record(0).layers[step.layer]
    (region,) = [w for w in step.writes if w.tensor.name == "grad_input"]
    if op == "relu.backward":  # one cell, written once: the final dx
        assert q.answer == float(rec.grad_input[region.cells])
    else:  # the winner's cell after this step's += g (its windows so far)
        assert q.answer == pytest.approx(
            float(timeline.tensor_at(k, region.tensor).values[region.cells])
        )
    assert question(bare) is not None and question(bare).prompt.startswith("g = dL/dout")


def test_operands_are_written_with_channels_side_by_side_and_long_vectors_cut() -> None:
    from stepcnn.tui.predict import operand_text

    text = operand_text("patch", np.array([[[1.0, -2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]))
    assert text.splitlines() == [
        "patch (2×2×2):",
        "    ch 0      │ ch 1",
        "     1.0 −2.0 │  5.0  6.0",
        "     3.0  4.0 │  7.0  8.0",
    ]
    long = operand_text("input", np.arange(100.0))
    assert long.startswith("input (100): 0.0  1.0") and long.endswith("… 76 more")
