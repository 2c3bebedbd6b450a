"""The built-in scenario library: every scenario loads, trains, exports and narrates.

Besides "it loads", each scenario is held to what it promises the learner: narration that fills
in on the steps it is shown on, rules that actually fire, and the numerical facts the teaching
depends on (edge-detector learns Sobel-x, digits learns, diverging diverges, dead-relu is dead).
"""

import functools
import io
import itertools
import json
import math
import string
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from stepcnn.io.export import write_export
from stepcnn.present.scene import rule_key
from stepcnn.scenario.builtin import ORDER, find, names
from stepcnn.scenario.model import Scenario
from stepcnn.scenario.placeholders import PLACEHOLDERS, fill
from stepcnn.timeline import Timeline
from stepcnn.timeline.layout import Segment
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.step import Step
from stepcnn.timeline.training import TrainingRun

SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
"""The kernel edge-detector promises to learn (stated here independently of the scenario)."""


@functools.cache
def scenario(name: str) -> Scenario:
    return load_scenario(name)


@functools.cache
def run(name: str) -> TrainingRun:
    training = TrainingRun(scenario(name))
    training.record(len(training) - 1)  # every iteration, in order
    return training


@functools.cache
def timeline(name: str) -> Timeline:
    return Timeline(run(name))


def where_of(iteration: int, seg: Segment, local: int) -> dict[str, Any]:
    """The ``where`` of step ``local`` of ``seg`` of 0-based ``iteration``; a scenario file
    counts iterations and steps as the screen does, from 1."""
    index = tuple(int(i) for i in np.unravel_index(local, seg.shape)) if seg.shape else ()
    return {
        "iteration": iteration + 1,
        "phase": seg.phase,
        "layer": seg.layer,
        "op": seg.op.name,
        "index": index,
        "offset": seg.start + local + 1,
    }


def all_steps(tl: Timeline, first_iteration: int | None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(k, where)`` for every step; ``first_iteration`` (if any, counted from 1) first."""
    iterations = list(range(len(tl.run)))
    if first_iteration is not None and first_iteration - 1 in iterations:
        iterations.remove(first_iteration - 1)
        iterations.insert(0, first_iteration - 1)
    for it in iterations:
        for seg in tl.segments:
            for local in range(seg.count):
                yield it * tl.per_iteration + seg.start + local, where_of(it, seg, local)


def values_of(name: str, step: Step) -> dict[str, object]:
    """What a narration placeholder stands for at ``step``."""
    record = run(name).record(step.iteration)
    return {
        "step": step.k + 1,
        "steps": len(timeline(name)),
        "iteration": step.iteration + 1,
        "phase": step.phase,
        "layer": step.layer,
        "layer_type": step.kind,
        "op": step.op,
        "index": "[" + ",".join(str(i) for i in step.index) + "]",
        "value": step.value,
        "lr": scenario(name).learning_rate,
        "momentum": scenario(name).momentum,
        "weight_decay": scenario(name).weight_decay,
        "loss": record.loss,
        "samples": list(record.samples),
    }


def check_filled(template: str, values: dict[str, object], context: str) -> None:
    """Every placeholder is known and has a value at this step; nothing is left unfilled."""
    used = [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]
    assert set(used) <= set(PLACEHOLDERS), f"{context}: unknown placeholder in {template!r}"
    missing = [field for field in used if values[field] is None]
    assert not missing, f"{context}: {missing} has no value at this step: {template!r}"
    text = fill(template, values)
    assert "{" not in text and "}" not in text, f"{context}: unfilled placeholder in {text!r}"
    assert text.strip(), f"{context}: empty narration"


# ---- the library as a whole ---------------------------------------------------------------


def test_every_named_scenario_exists_in_library_order() -> None:
    assert ORDER[0] == "tour"
    assert len(ORDER) >= 11
    assert names()[: len(ORDER)] == list(ORDER)
    for name in ORDER:
        path = find(name)
        assert path is not None, name
        assert path.stat().st_size < 200_000, f"{name}: scenario file too large"


@pytest.mark.parametrize("name", ORDER)
def test_scenario_loads_with_title_description_and_narration(name: str) -> None:
    s = scenario(name)
    assert s.title.strip()
    assert len(s.description.strip()) > 40
    assert s.narration.intro.strip()
    assert s.narration.rules, "a teaching scenario should narrate its key steps"
    check_filled(s.narration.intro, values_of(name, timeline(name)[0]), f"{name} intro")


@pytest.mark.parametrize("name", ORDER)
def test_step_counts_stay_small(name: str) -> None:
    tl = timeline(name)
    limit = {"digits": 10_000, "lenet5": 60_000}.get(name, 5_000)
    assert tl.per_iteration <= limit
    assert len(tl) <= (4_000_000 if name == "lenet5" else 1_000_000)
    if name == "tour":
        assert tl.per_iteration <= 200


@pytest.mark.parametrize("name", ORDER)
def test_export_covers_every_iteration_and_parses(name: str) -> None:
    out = io.StringIO()
    write_export(run(name), out)
    data = json.loads(out.getvalue())
    assert data["scenario"] == name
    count = scenario(name).iterations
    assert [it["iteration"] for it in data["iterations"]] == list(range(1, count + 1))
    assert len(data["iterations"][0]["layers"]) == len(scenario(name).layers)


# ---- narration ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ORDER)
def test_op_templates_fill_for_every_op_kind_present(name: str) -> None:
    s = scenario(name)
    tl = timeline(name)
    present_ops = {seg.op.name for seg in tl.segments}
    present_kinds = {seg.kind for seg in tl.segments}
    unused = set(s.narration.ops) - present_ops - present_kinds
    assert not unused, f"templates for ops this scenario never runs: {unused}"
    for seg in tl.segments:
        where = where_of(0, seg, 0)
        template = s.narration.ops.get(seg.op.name) or s.narration.ops.get(seg.kind, "")
        if not template:
            continue
        # The first, a middle and the last step of the segment in the first and last iteration.
        for it in {0, len(tl.run) - 1}:
            for local in {0, seg.count // 2, seg.count - 1}:
                k = it * tl.per_iteration + seg.start + local
                step = tl[k]
                assert step.op == where["op"]
                check_filled(template, values_of(name, step), f"{name} step {k} ({step.op})")


@pytest.mark.parametrize("name", ORDER)
def test_every_op_kind_is_narrated(name: str) -> None:
    s = scenario(name)
    for seg in timeline(name).segments:
        assert s.narration.ops.get(seg.op.name) or s.narration.ops.get(seg.kind), (
            f"{name}: no narration for {seg.op.name}"
        )


@pytest.mark.parametrize("name", ORDER)
def test_every_rule_fires_and_fills(name: str) -> None:
    s = scenario(name)
    tl = timeline(name)
    rules = s.narration.rules
    for i, rule in enumerate(rules):
        # A rule fires at a step it matches where no earlier rule matches (the first one wins).
        hit = next(
            (
                k
                for k, w in all_steps(tl, rule.iteration)
                if rule.matches(w) and not any(earlier.matches(w) for earlier in rules[:i])
            ),
            None,
        )
        assert hit is not None, f"{name}: [[narration.at]] rule {i} never fires"
        step = tl[hit]
        where = rule_key(step)
        assert s.narration.template_for(where) == rule.text, f"{name}: rule {i} at step {hit}"
        check_filled(rule.text, values_of(name, step), f"{name} rule {i} at step {hit}")


@pytest.mark.parametrize("name", ORDER)
def test_display_opens_where_the_lesson_is(name: str) -> None:
    s = scenario(name)
    d = s.display
    assert 0 <= d.precision <= 6
    assert 1 <= d.start_iteration <= s.iterations
    if d.start_layer is not None:
        assert d.start_layer < len(s.layers)


# ---- what each scenario promises ----------------------------------------------------------


def test_hand_computable_uses_only_small_integers() -> None:
    s = scenario("hand-computable")
    params = s.initial_params[0]
    assert params is not None
    for array in (s.inputs, s.y, params.weight, params.bias):
        assert np.array_equal(array, np.round(array))
        assert np.abs(array).max() <= 9
    assert s.inputs.shape == (1, 1, 5, 5)
    assert params.weight.shape == (1, 1, 3, 3)
    first = run("hand-computable").record(0)
    assert first.loss == pytest.approx(28 / 9)  # (1+1+9+1+1+1+9+4+1)/9, as narrated
    assert run("hand-computable").record(1).loss < first.loss


def test_shared_weights_running_sum_is_the_sum_over_positions() -> None:
    record = run("shared-weights").record(0)
    conv = record.layers[0]
    assert conv.grads is not None
    expected = np.zeros((3, 3))
    g = conv.grad_output[0, 0]
    for r in range(g.shape[0]):
        for c in range(g.shape[1]):
            expected += g[r, c] * record.x[0, 0, r : r + 3, c : c + 3]
    assert np.allclose(conv.grads.weight[0, 0], expected)
    assert np.allclose(expected, [[2, 1, 3], [4, 2, 2], [3, 2, 3]])  # the narrated final sum


def test_maxpool_routing_has_a_tie_and_routes_to_one_cell() -> None:
    record = run("maxpool-routing").record(0)
    pool = record.layers[1]
    x, dx = pool.input[0, 0], pool.grad_input[0, 0]
    ties = 0
    for r in range(0, 4, 2):
        for c in range(0, 4, 2):
            window, grads = x[r : r + 2, c : c + 2], dx[r : r + 2, c : c + 2]
            maxima = np.argwhere(window == window.max())
            ties += len(maxima) > 1
            assert np.count_nonzero(grads) <= 1
            if np.count_nonzero(grads):
                # The gradient sits on the first maximum in row-major order.
                assert tuple(np.argwhere(grads != 0)[0]) == tuple(maxima[0])
    assert ties >= 1


def test_edge_detector_learns_the_sobel_kernel() -> None:
    training = run("edge-detector")
    s = scenario("edge-detector")
    start = s.initial_params[0]
    assert start is not None
    assert np.abs(start.weight - SOBEL_X).max() > 1.0  # it has to travel to get there
    last = training.record(len(training) - 1).layers[0].params_after
    assert last is not None
    assert np.abs(last.weight[0, 0] - SOBEL_X).max() < 0.05
    losses = training.losses()
    assert losses[-1] < losses[0] / 1000


def test_digits_loss_falls_below_a_quarter() -> None:
    losses = run("digits").losses()
    assert len(losses) == scenario("digits").iterations
    assert losses[-1] < losses[0] / 4
    assert losses[0] == pytest.approx(math.log(10), abs=0.3)  # starts as a guess among 10


def test_digits_credits_its_source() -> None:
    credit = scenario("digits").credit
    for part in ("Alpaydin", "Kaynak", "1998", "UCI", "CC BY 4.0", "load_digits"):
        assert part in credit
    s = scenario("digits")
    assert s.inputs.min() >= 0.0 and s.inputs.max() <= 1.0  # pixels scaled from 0–16
    assert s.batch_size > 1
    assert len(set(s.y.tolist())) >= 3


def test_diverging_really_produces_non_finite_numbers() -> None:
    training = run("diverging")
    losses = training.losses()
    assert np.isfinite(losses[0])
    assert not np.isfinite(losses).all()
    last = training.record(len(training) - 1)
    tensors = [layer.output for layer in last.layers]
    tensors += [p.weight for layer in last.layers if (p := layer.params_after) is not None]
    assert any(not np.isfinite(t).all() for t in tensors)
    assert any(np.isnan(t).any() for t in tensors)


def test_dead_relu_gives_the_filter_no_gradient() -> None:
    training = run("dead-relu")
    for i in range(len(training)):
        record = training.record(i)
        conv, relu = record.layers[0], record.layers[1]
        assert conv.grads is not None
        assert np.all(relu.output == 0)
        assert np.all(conv.grads.weight == 0)
        assert np.all(conv.grads.bias == 0)
        assert np.any(relu.grad_output != 0)  # a gradient arrives, and ReLU stops it


# ---- the textbook network and the new kinds -------------------------------------------------


def test_lenet5_has_the_textbook_layout_and_learns_with_momentum() -> None:
    s = scenario("lenet5")
    kinds = [layer.type for layer in s.layers]
    assert kinds == [
        "conv2d", "tanh", "avgpool2d", "conv2d", "tanh", "avgpool2d", "flatten",
        "linear", "tanh", "linear", "tanh", "linear",
    ]  # fmt: skip
    assert s.shapes[0] == (1, 28, 28)
    assert s.shapes[3] == (6, 14, 14) and s.shapes[6] == (16, 5, 5)
    assert [s.shapes[i][0] for i in (8, 10, 12)] == [120, 84, 10]
    assert s.momentum == 0.9
    assert s.parameter_count == 6 * 26 + 16 * 151 + 120 * 401 + 84 * 121 + 10 * 85
    losses = run("lenet5").losses()
    assert losses[0] == pytest.approx(math.log(10), abs=0.3)
    assert losses[-10:].mean() < losses[:10].mean() / 3  # it learns
    first_conv = run("lenet5").record(0).layers[0]
    assert first_conv.grads is not None and np.abs(first_conv.grads.weight).max() > 0
    assert first_conv.velocity is None and first_conv.velocity_after is not None


def test_lenet5_credits_its_data_and_its_architecture() -> None:
    credit = scenario("lenet5").credit
    assert "UCI" in credit and "Alpaydin" in credit and "LeCun" in credit


def test_two_conv_sends_layer_2s_dx_through_relu_into_layer_0s_filters() -> None:
    training = run("two-conv")
    record = training.record(0)
    conv0, relu, conv2 = record.layers
    assert [layer.type for layer in scenario("two-conv").layers] == ["conv2d", "relu", "conv2d"]
    # What the narration says: layer 2's dx is the relu's incoming gradient, and what the relu
    # lets pass (where layer 0's output was positive) is the g of layer 0's filters.
    np.testing.assert_array_equal(relu.grad_output, conv2.grad_input)
    np.testing.assert_array_equal(
        conv0.grad_output, np.where(conv0.output > 0, conv2.grad_input, 0)
    )
    assert conv0.grads is not None and np.abs(conv0.grads.weight).max() > 0
    losses = training.losses()
    assert all(b < a for a, b in itertools.pairwise(losses))


def test_avg_vs_max_routes_one_gradient_two_ways() -> None:
    record = run("avg-vs-max").record(0)
    avg, mx = record.layers[0], record.layers[1]
    np.testing.assert_array_equal(avg.output[0, 0], [[1.0, 2.0], [3.0, 4.0]])
    g = float(mx.grad_output[0, 0, 0, 0])
    assert g != 0
    # max pooling: all of g to the winner (the bottom-right mean), 0 to the three others
    np.testing.assert_array_equal(mx.grad_input[0, 0], [[0.0, 0.0], [0.0, g]])
    # average pooling: that same g, a quarter to each pixel of the bottom-right window
    expected = np.zeros((4, 4))
    expected[2:, 2:] = g / 4
    np.testing.assert_array_equal(avg.grad_input[0, 0], expected)
    assert run("avg-vs-max").losses()[-1] < run("avg-vs-max").losses()[0]


def test_the_keys_a_scenario_names_do_what_it_says() -> None:
    """avg-vs-max said "press b for backward" (b sets a breakpoint), LeNet-5 "jump by layer
    (])" (] is the next map): a key named in a text must be bound to what the text says."""
    import re
    from pathlib import Path

    from stepcnn.scenario.builtin import paths
    from stepcnn.tui.bindings import BINDINGS

    def bound(key: str, action: str) -> bool:
        names = {"]": "right_square_bracket", ">": "greater_than_sign", "}": "right_curly_bracket"}
        return any(b.action == action and names.get(key, key) in b.key.split(",") for b in BINDINGS)

    phrases = {
        r"press (\S) for backward": "move('phase', 1)",
        r"by layer \((\S)\)": "move('layer', 1)",
        r"by phase \((\S)\)": "move('phase', 1)",
        r"by iteration \((\S)\)": "move('iteration', 1)",
    }
    for path in paths():
        text = " ".join(Path(path).read_text(encoding="utf-8").split())
        text = text.replace("{{", "{").replace("}}", "}")  # templates' literal braces
        for pattern, action in phrases.items():
            for key in re.findall(pattern, text):
                assert bound(key, action), (Path(path).name, pattern, key)
