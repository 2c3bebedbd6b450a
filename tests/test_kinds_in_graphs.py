"""The kinds and optimizers of issue 20 inside a graph, without torch: batchnorm2d and dropout
in a residual branch, batchnorm2d after the add, trained by Adam with weight decay.

The fork's gradient is the sum of what its two readers send back; every parameter gradient
and dL/d(the batch) are the centred finite differences of the iteration's own loss (dropout's
mask is keyed by seed, layer and iteration, so the nudged forwards draw the same mask); the
first Adam step is worked out by hand; the trace has a step per output element of each layer
(and one per element of the fork); an iteration recomputed from a checkpoint is bit-identical.
"""

import io
import json

import numpy as np
import pytest

from stepcnn.cli import main
from stepcnn.engine.graph import FORK_OP
from stepcnn.engine.layers import Params
from stepcnn.engine.network import train_iteration
from stepcnn.io.export import write_export
from stepcnn.io.trace import write_trace
from stepcnn.scenario.model import Scenario
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

RESIDUAL = """
title = "a residual block with batchnorm and dropout"
seed = 13
optimizer = "adam"
learning_rate = 0.01
weight_decay = 0.05
loss = "cross_entropy"
batch_size = BATCH
iterations = 4
[[samples]]
input = [[[0.3, -1.2, 0.8, 0.1], [1.1, 0.4, -0.6, 0.9],
          [-0.2, 0.7, 1.3, -0.9], [0.5, -0.4, 0.2, 1.0]]]
label = 1
[[samples]]
input = [[[-0.7, 0.2, 0.6, -1.1], [0.3, 1.4, -0.5, 0.0],
          [0.8, -0.3, 0.1, 0.4], [-1.0, 0.9, 0.5, -0.2]]]
label = 0
[[layers]]
type = "conv2d"
out_channels = 2
kernel_size = 3
padding = 1
[[layers]]
type = "relu"
name = "a"
[[layers]]
type = "batchnorm2d"
momentum = 0.3
[[layers]]
type = "dropout"
p = 0.3
[[layers]]
type = "conv2d"
out_channels = 2
kernel_size = 3
padding = 1
name = "f"
[[layers]]
type = "add"
from = ["a", "f"]
[[layers]]
type = "batchnorm2d"
[[layers]]
type = "adaptive_avgpool2d"
output_size = [2, 3]
[[layers]]
type = "flatten"
[[layers]]
type = "linear"
out_features = 2
"""
# Shapes: 1×4×4 → conv 2×4×4 → relu (a) → batchnorm → dropout → conv 2×4×4 (f) → a + f →
# batchnorm → adaptive 2×3 (windows of rows 0–1, 2–3; columns 0–1, 1–2, 2–3) → 12 → 2.
FORK = 1  # "a": read by the batchnorm below it and by the add


def scenario(batch: int) -> Scenario:
    return parse_scenario(RESIDUAL.replace("BATCH", str(batch)), "residual.toml")


def scenario_of(path) -> Scenario:
    return parse_scenario(path.read_text(encoding="utf-8"), path.name)


def loss_at(s: Scenario, params: tuple[Params | None, ...], x: np.ndarray, y: np.ndarray) -> float:
    """Iteration 0's loss with these parameters (the same keyed dropout mask)."""
    record = train_iteration(
        s.layers, params, x, y, s.loss, s.optimizer, 0, (), None, s.graph, seed=s.seed
    )
    return record.loss


@pytest.mark.parametrize("batch", [1, 2])
def test_the_fork_gets_the_sum_of_what_its_two_readers_send_back(batch: int) -> None:
    s = scenario(batch)
    assert s.graph is not None and s.graph.forks == (FORK,)
    rec = TrainingRun(s).record(0)
    norm, add = rec.layers[2], rec.layers[5]
    # Backward reaches the add (further down) first: g₁ is its share, g₂ the batchnorm's.
    g1, g2 = add.grad_input, norm.grad_input
    assert rec.layers[FORK].grad_output.tobytes() == (g1 + g2).tobytes()
    assert np.abs(g2).max() > 1e-3  # the branch through batchnorm and dropout carries gradient


@pytest.mark.parametrize("batch", [1, 2])
def test_every_gradient_is_the_centred_finite_difference_of_the_loss(batch: int) -> None:
    s = scenario(batch)
    rec = TrainingRun(s).record(0)
    eps = 1e-6
    params = s.initial_params
    for i, p in enumerate(params):
        if p is None:
            continue
        grads = rec.layers[i].grads
        assert grads is not None
        for which in ("weight", "bias"):
            value = getattr(p, which)
            analytic = getattr(grads, which)
            for index in np.ndindex(value.shape):
                nudged = []
                for sign in (1, -1):
                    moved = value.copy()
                    moved[index] += sign * eps
                    new = Params(moved, p.bias) if which == "weight" else Params(p.weight, moved)
                    trial = tuple(new if j == i else q for j, q in enumerate(params))
                    nudged.append(loss_at(s, trial, rec.x, rec.y))
                numeric = (nudged[0] - nudged[1]) / (2 * eps)
                assert numeric == pytest.approx(analytic[index], rel=1e-5, abs=1e-8), (
                    i,
                    which,
                    index,
                )
    # dL/d(the batch), through both paths of the fork.
    dx = rec.layers[0].grad_input
    for index in [(0, 0, 0, 0), (0, 0, 1, 2), (batch - 1, 0, 3, 3)]:
        nudged = []
        for sign in (1, -1):
            x = rec.x.copy()
            x[index] += sign * eps
            nudged.append(loss_at(s, params, x, rec.y))
        assert (nudged[0] - nudged[1]) / (2 * eps) == pytest.approx(dx[index], rel=1e-5, abs=1e-8)


def test_the_first_adam_step_by_hand() -> None:
    """At t = 1, with g = dW + λ·W: m = (1 − β₁)·g, v = (1 − β₂)·g², m̂ = g, v̂ = g², so
    W ← W − η·g/(|g| + ε): about η·sign(g), for every weight of every layer."""
    s = scenario(2)
    rec = TrainingRun(s).record(0)
    eta, lam, eps = 0.01, 0.05, 1e-8
    for lr in rec.layers:
        if lr.params is None:
            continue
        assert lr.grads is not None and lr.params_after is not None
        assert lr.opt_state_after is not None and lr.opt_state_after.step == 1
        for part in ("weight", "bias"):
            w, dw = getattr(lr.params, part), getattr(lr.grads, part)
            g = dw + lam * w
            np.testing.assert_allclose(
                getattr(lr.params_after, part), w - eta * g / (np.abs(g) + eps), rtol=1e-12
            )
            pair = {"weight": 0, "bias": 1}[part]
            m = lr.opt_state_after.buffers["exp_avg"][pair]
            v = lr.opt_state_after.buffers["exp_avg_sq"][pair]
            np.testing.assert_allclose(m, 0.1 * g, rtol=1e-12)
            np.testing.assert_allclose(v, 0.001 * g * g, rtol=1e-12)


@pytest.mark.parametrize("batch", [1, 2])
def test_the_trace_has_a_step_per_output_element_of_each_layer(batch: int) -> None:
    s = scenario(batch)
    out = io.StringIO()
    write_trace(TrainingRun(s, 1), out, phase=None, fmt="jsonl")
    counts: dict[tuple[str, int, bool], int] = {}
    for line in out.getvalue().splitlines():
        row = json.loads(line)
        if row["layer"] is not None:
            key = (row["phase"], row["layer"], row["op"] == FORK_OP)
            counts[key] = counts.get(key, 0) + 1
    for i, layer in enumerate(s.layers):
        size = 1 if layer.type == "flatten" else batch * int(np.prod(s.shapes[i + 1]))
        assert counts[("forward", i, False)] == size, (i, layer.type)
        assert counts[("backward", i, False)] == size, (i, layer.type)
    assert counts[("backward", FORK, True)] == batch * int(np.prod(s.shapes[FORK + 1]))
    assert [k for k in counts if k[2]] == [("backward", FORK, True)]
    # An update step per filter, per batchnorm channel and per output neuron.
    updates = {k[1]: n for k, n in counts.items() if k[0] == "update"}
    assert updates == {0: 2, 2: 2, 4: 2, 6: 2, 9: 2}


def test_a_graph_iteration_recomputed_from_a_checkpoint_is_bit_identical() -> None:
    s = scenario(2)
    kept = TrainingRun(s, checkpoint_every=1000, cached_records=4)
    bounded = TrainingRun(s, checkpoint_every=2, cached_records=1)
    for i in range(4):
        kept.record(i)
    for i in (3, 1, 0, 2):
        a, b = kept.record(i), bounded.record(i)
        for la, lb in zip(a.layers, b.layers, strict=True):
            assert la.output.tobytes() == lb.output.tobytes()
            assert la.grad_output.tobytes() == lb.grad_output.tobytes()
            if la.params_after is not None:
                assert lb.params_after is not None
                assert la.params_after.weight.tobytes() == lb.params_after.weight.tobytes()
            if la.buffers_after is not None:
                assert lb.buffers_after is not None
                for name, value in la.buffers_after.items():
                    assert value.tobytes() == lb.buffers_after[name].tobytes()


def test_the_export_of_the_graph_keeps_inputs_running_statistics_masks_and_state() -> None:
    out = io.StringIO()
    run = TrainingRun(scenario(2), 2)
    write_export(run, out)
    layers = json.loads(out.getvalue())["iterations"][1]["layers"]
    assert [entry["index"] for entry in layers] == list(range(10))
    add, second_norm, drop = layers[5], layers[6], layers[3]
    assert add["from"] == ["a", "f"] and len(add["inputs"]) == 2
    rec = run.record(1).layers
    np.testing.assert_array_equal(second_norm["running_var"], rec[6].buffers_after["running_var"])
    assert second_norm["optimizer_state"]["step"] == 2
    np.testing.assert_array_equal(drop["mask"], rec[3].cache.mask)
    # The mask changes with the iteration (the same layer, the same seed).
    assert rec[3].cache.mask.tobytes() != run.record(0).layers[3].cache.mask.tobytes()


def test_check_lines_up_the_shapes_after_the_longest_kind(tmp_path, capsys) -> None:
    path = tmp_path / "residual.toml"
    path.write_text(RESIDUAL.replace("BATCH", "2"), encoding="utf-8")
    assert main(["check", str(path)]) == 0
    layers = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  layer")]
    assert len(layers) == 10
    assert len({line.index("×4×4 →") for line in layers[:8]}) == 1  # one column, 1×4×4 or 2×4×4
    assert "adaptive_avgpool2d 2×4×4 → 2×2×3" in layers[7]


def test_verify_grades_the_scripts_own_functions_right_where_a_sum_cancels(
    tmp_path, capsys
) -> None:
    """The conv before the add feeds batchnorm through it, so its db is rounding noise
    (~1e-17) whose digits depend on the order of additions: a correct implementation is
    still ok, since an element of a gradient also counts as equal within 1e-12 of the size of
    the terms it sums. An answer off by more is still wrong."""
    scenario = tmp_path / "residual.toml"
    scenario.write_text(RESIDUAL.replace("BATCH", "2"), encoding="utf-8")
    solution = tmp_path / "solution.py"
    assert main(["code", str(scenario), "--style", "python", "-o", str(solution)]) == 0
    rec = TrainingRun(scenario_of(scenario)).record(0)
    assert np.abs(rec.layers[4].grads.bias).max() < 1e-12  # the cancelling sum
    capsys.readouterr()
    assert main(["verify", str(solution), str(scenario)]) == 0
    out = capsys.readouterr().out
    assert "0 wrong, 0 raised, 0 timed out, 0 over a limit, 0 not written" in out
    # db a little off everywhere (1e-6 of the gradient arriving): wrong.
    text = solution.read_text(encoding="utf-8").replace(
        "    return dx, dw, db\n", "    db = [v + 1e-6 for v in db]\n    return dx, dw, db\n", 1
    )
    solution.write_text(text, encoding="utf-8")
    assert main(["verify", str(solution), str(scenario)]) == 1
    assert "conv2d_backward             wrong" in capsys.readouterr().out
