"""The steps of batchnorm2d, dropout, adaptive_avgpool2d and of the Adam/RMSprop updates:
one step per output element, each step's value and operands the record's, the partial tensors
and cell histories consistent with the final ones; an iteration recomputed from a checkpoint
bit-identical (optimizer state, running statistics, masks); the loss strip's two curves; `m`
on a layer without a matrix view; the export's new keys."""

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from codegen_cases import random_kinds_toml
from test_present import paint, panels_at, shown
from test_tui import keys_for, press, screen_text, status_text
from timeline_cases import written_mask

from stepcnn.io.export import write_export
from stepcnn.present.cells import Mark
from stepcnn.present.sparkline import compared_lines, loss_line
from stepcnn.present.views import views
from stepcnn.session.practice import question
from stepcnn.session.session import Session
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import load_scenario, parse_scenario
from stepcnn.timeline.numbers import num
from stepcnn.timeline.training import TrainingRun
from stepcnn.tui.app import StepCNNApp

KINDS = """
title = "kinds"
seed = 11
optimizer = "OPTIMIZER"
learning_rate = 0.05
loss = "mse"
batch_size = 2
iterations = 5
[[samples]]
input = [[[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [0.2, 0.9, -1.1]]]
target = [0.3, -0.2]
[[samples]]
input = [[[-0.4, 0.8, 1.0], [0.1, -1.3, 0.6], [1.2, -0.2, 0.4]]]
target = [-0.1, 0.5]
[[layers]]
type = "conv2d"
out_channels = 2
kernel_size = 2
padding = 1
[[layers]]
type = "tanh"
[[layers]]
type = "batchnorm2d"
momentum = 0.2
[[layers]]
type = "dropout"
p = 0.4
[[layers]]
type = "adaptive_avgpool2d"
output_size = [3, 2]
[[layers]]
type = "flatten"
[[layers]]
type = "linear"
out_features = 2
"""


def kinds(optimizer: str = "adam") -> Timeline:
    return Timeline(TrainingRun(parse_scenario(KINDS.replace("OPTIMIZER", optimizer))))


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_forward_and_backward_have_a_step_per_output_element_with_its_value(
    optimizer: str,
) -> None:
    tl = kinds(optimizer)
    for it in range(2):
        rec = tl.run.record(it)
        base = it * tl.per_iteration
        for seg in tl.segments:
            if seg.layer is None or seg.phase == "update" or seg.kind == "flatten":
                continue
            lr = rec.layers[seg.layer]
            want = lr.output if seg.phase == "forward" else lr.grad_output
            assert seg.count == want.size, (seg.op.name, seg.count, want.shape)
            values = [tl[base + seg.start + q].value for q in range(seg.count)]
            np.testing.assert_array_equal(values, want.ravel())


def test_the_last_step_of_each_segment_leaves_the_records_tensors() -> None:
    tl = kinds()
    rec = tl.run.record(1)
    base = tl.per_iteration
    for seg in tl.segments:
        if seg.phase == "update" or seg.kind not in (
            "batchnorm2d",
            "adaptive_avgpool2d",
            "dropout",
        ):
            continue
        lr = rec.layers[seg.layer]
        step = tl[base + seg.start + seg.count - 1]
        for tid, partial in seg.op.partial(tl.context(1, seg), seg.count - 1).items():
            want = {
                "output": lr.output,
                "grad_input": lr.grad_input,
                "grad_weight": None if lr.grads is None else lr.grads.weight,
                "grad_bias": None if lr.grads is None else lr.grads.bias,
            }[tid.name]
            np.testing.assert_allclose(partial.values, want, rtol=1e-12, atol=1e-15)
        assert step.op == seg.op.name


def test_batchnorm_backward_steps_add_into_dgamma_and_dbeta_channel_by_channel() -> None:
    tl = kinds()
    seg = next(s for s in tl.segments if s.op.name == "batchnorm2d.backward")
    ctx = tl.context(0, seg)
    lr = ctx.lr
    op = seg.op
    for name, final in (("grad_weight", lr.grads.weight), ("grad_bias", lr.grads.bias)):
        for c in range(final.shape[0]):
            steps, values = op.cell_history(ctx, ctx.tid(name), (c,))
            assert len(steps) == lr.grad_output[:, c].size  # every element of channel c
            np.testing.assert_allclose(values[-1], final[c], rtol=1e-12, atol=1e-15)
    # The step's three terms are the numbers of its dx.
    step = tl[seg.start + 5]
    terms, scale = step.operands["terms"], float(step.operands["scale"][0])
    np.testing.assert_allclose(scale * terms.sum(), lr.grad_input[step.index], rtol=1e-12)


def test_the_dropout_step_shows_the_samples_mask_and_its_unit() -> None:
    tl = kinds()
    seg = next(s for s in tl.segments if s.op.name == "dropout.forward")
    lr = tl.run.record(0).layers[seg.layer]
    for q in range(seg.count):
        step = tl[seg.start + q]
        np.testing.assert_array_equal(step.operands["mask"], lr.cache.mask[step.index[0]])
        kept = bool(lr.cache.mask[step.index])
        assert ("kept" if kept else "dropped") in step.equation
    # On screen: the unit's channel of the mask, the unit's cell marked read, and only it.
    session = Session(tl.run.scenario)
    for q in (0, seg.count // 2, seg.count - 1):
        step = tl[seg.start + q]
        (grid,) = panels_at(session, step.k)["mask"].grids
        n, c, r, col = step.index
        np.testing.assert_array_equal(grid.values, lr.cache.mask[n, c])
        assert np.argwhere(grid.mark == Mark.READ).tolist() == [[r, col]]


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_update_steps_show_the_optimizers_state_of_their_slice(optimizer: str) -> None:
    tl = kinds(optimizer)
    rec = tl.run.record(2)
    for seg in (s for s in tl.segments if s.phase == "update"):
        lr = rec.layers[seg.layer]
        state = lr.opt_state_after
        assert state is not None and state.step == 3
        for o in range(seg.count):
            ops = tl[2 * tl.per_iteration + seg.start + o].operands
            if optimizer == "adam":
                np.testing.assert_array_equal(ops["m_after"], state.buffers["exp_avg"].weight[o])
                np.testing.assert_array_equal(
                    ops["m_before"], lr.opt_state.buffers["exp_avg"].weight[o]
                )
                b1, b2 = 0.9, 0.999
                np.testing.assert_allclose(ops["m_hat"], ops["m_after"] / (1 - b1**3))
                np.testing.assert_allclose(ops["v_hat"], ops["v_after"] / (1 - b2**3))
                assert "Adam, t = 3" in tl[2 * tl.per_iteration + seg.start + o].equation
            else:
                np.testing.assert_array_equal(ops["s_after"], state.buffers["square_avg"].weight[o])


def test_an_iteration_recomputed_from_a_checkpoint_is_bit_identical() -> None:
    scenario = parse_scenario(KINDS.replace("OPTIMIZER", "adam"))
    kept = TrainingRun(scenario, checkpoint_every=1000, cached_records=5)
    bounded = TrainingRun(scenario, checkpoint_every=2, cached_records=2)
    for i in range(5):
        kept.record(i)
    bounded.record(4)
    for i in (1, 3, 0, 4, 2):  # out of order: evicted records are recomputed
        a, b = kept.record(i), bounded.record(i)
        for la, lb in zip(a.layers, b.layers, strict=True):
            for x, y in ((la.output, lb.output), (la.grad_input, lb.grad_input)):
                assert x.tobytes() == y.tobytes()
            for sa, sb in ((la.opt_state_after, lb.opt_state_after), (la.opt_state, lb.opt_state)):
                assert (sa is None) == (sb is None)
                if sa is not None and sb is not None:
                    assert sa.step == sb.step
                    for name in sa.buffers:
                        for pa, pb in zip(sa.buffers[name], sb.buffers[name], strict=True):
                            assert pa.tobytes() == pb.tobytes()
            if la.buffers_after is not None:
                for name, value in la.buffers_after.items():
                    assert value.tobytes() == lb.buffers_after[name].tobytes()
            mask = getattr(la.cache, "mask", None)
            if mask is not None:
                assert mask.tobytes() == lb.cache.mask.tobytes()


def test_the_export_carries_optimizer_state_running_statistics_and_masks() -> None:
    run = TrainingRun(parse_scenario(KINDS.replace("OPTIMIZER", "adam")))
    out = io.StringIO()
    write_export(run, out)
    doc = json.loads(out.getvalue())
    assert doc["optimizer"] == {
        "type": "adam", "learning_rate": 0.05, "betas": [0.9, 0.999], "eps": 1e-8,
        "weight_decay": 0.0,
    }  # fmt: skip
    second = doc["iterations"][1]["layers"]
    conv, bn, drop = second[0], second[2], second[3]
    assert conv["optimizer_state"]["step"] == 2 and "velocity" not in conv
    assert set(conv["optimizer_state"]["weight"]) == {"exp_avg", "exp_avg_sq"}
    rec = run.record(1).layers
    np.testing.assert_array_equal(bn["running_mean"], rec[2].buffers_after["running_mean"])
    # Two forwards from (0, 1) with momentum 0.2: 0.8·(0.8·0 + 0.2·μ₀) + 0.2·μ₁.
    mu = [run.record(i).layers[2].cache.mean for i in range(2)]
    np.testing.assert_allclose(bn["running_mean"], 0.8 * 0.2 * mu[0] + 0.2 * mu[1])
    np.testing.assert_array_equal(drop["mask"], rec[3].cache.mask)
    assert "p" in drop and "key" not in drop  # the definition, not training's key


def test_two_curves_share_one_scale() -> None:
    # Losses 4 → 2 and 4 → 3: on one scale the second ends above the first's end.
    first, second = compared_lines([4.0, 3.0, 2.0], [4.0, 3.5, 3.0], 10, 1)
    assert first.bars == "█▅▁" and second.bars[0] == "█" and second.bars[-1] == "▅"
    assert first.current == 1 and second.current is None
    assert loss_line([4.0, 3.5, 3.0], 10, None).bars == "█▅▁"  # alone it would fill the range


def test_the_random_kinds_cases_draw_every_new_kind_and_optimizer() -> None:
    used, optimizers = set(), set()
    for seed in range(8):
        s = parse_scenario(random_kinds_toml(seed))
        used |= {layer.type for layer in s.layers}
        optimizers.add(s.optimizer.name)
    assert {"batchnorm2d", "dropout", "adaptive_avgpool2d"} <= used
    assert optimizers == {"sgd", "adam", "rmsprop"}


def test_m_on_a_layer_without_a_matrix_view_says_so() -> None:
    session = Session(load_scenario("batchnorm"))
    assert session.step.op == "batchnorm2d.forward"
    assert views()["fc"].build(session) == (
        "layer 0 (batchnorm2d) has no matrix view — only conv2d layers are drawn as a matrix"
    )


async def test_the_app_says_why_m_shows_nothing_and_draws_both_loss_curves() -> None:
    app = StepCNNApp(Session(load_scenario("batchnorm")))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await press(pilot, "m")
        assert "m: layer 0 (batchnorm2d) has no matrix view" in status_text(app)
        assert app.session.view == "normal"
    app = StepCNNApp(Session(load_scenario("adam-vs-sgd")))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await press(pilot, keys_for("step(1)")[0])
        top = screen_text(app).splitlines()[0]
        assert "Adam " in top and "  SGD " in top
        assert app.session.compare_run is not None and app.session.compare_run.computed == 40


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_the_biass_state_has_a_panel_whose_every_number_reads(optimizer: str) -> None:
    """v (an average of squares) is orders of magnitude below b and db: in a format of its
    own it reads non-zero; and the last label keeps its name beside its factor."""
    session = Session(parse_scenario(KINDS.replace("OPTIMIZER", optimizer)))
    tl = session.timeline
    names = ["m", "v"] if optimizer == "adam" else ["s"]
    checked = 0
    for k in range(tl.per_iteration):
        step = tl[k]
        if step.phase != "update":
            continue
        panels = panels_at(session, k)
        state = panels["bias_state"]
        assert [g.label for g in state.grids] == names
        assert [g.label for g in panels["bias"].grids][-1] == "b new"
        for grid, name in zip(state.grids, names, strict=True):
            value = step.operands[f"bias_{name}_after"]
            if value[0] != 0:
                assert any(ch in "123456789" for ch in shown(grid).ravel()[0]), (name, k)
                checked += 1
        lines, _ = paint((state,), 40, 6)
        for grid in state.grids:
            assert " ".join(t for t in (grid.label, grid.fmt.factor) if t) in "\n".join(lines)
    assert checked >= len(names) * 3


def test_cell_histories_of_the_new_kinds_match_a_walk_over_their_steps() -> None:
    """For every cell a batchnorm2d, dropout or adaptive_avgpool2d segment writes: the steps
    that write it (their regions) and its value after each (tensor_at, step by step)."""
    tl = kinds()
    it = 1
    checked = 0
    for seg in tl.segments:
        if seg.kind not in ("batchnorm2d", "dropout", "adaptive_avgpool2d"):
            continue
        if seg.phase == "update":
            continue
        ctx = tl.context(it, seg)
        lr = tl.run.record(it).layers[seg.layer]
        tensors = {"output": lr.output, "grad_input": lr.grad_input}
        if lr.grads is not None:
            tensors |= {"grad_weight": lr.grads.weight, "grad_bias": lr.grads.bias}
        first = it * tl.per_iteration + seg.start
        steps = range(first, first + seg.count)
        for tid in seg.op.writes_tensors(seg.layer):
            shape = tensors[tid.name].shape
            after = np.array([tl.tensor_at(k, tid).values for k in steps])
            writes = np.array([written_mask(tl[k], tid, shape) for k in steps])
            for cell in np.ndindex(shape):
                hit = np.flatnonzero(writes[(slice(None), *cell)])
                history = seg.op.cell_history(ctx, tid, cell)
                if hit.size == 0:
                    assert history is None or history[0].size == 0
                    continue
                assert history is not None, (seg.op.name, tid, cell)
                assert history[0].tolist() == hit.tolist(), (seg.op.name, tid, cell)
                np.testing.assert_allclose(history[1], after[(hit, *cell)], 1e-12, 1e-15)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_predict_mode_asks_the_new_kinds_and_optimizers_for_their_own_results(
    optimizer: str,
) -> None:
    """Forward: the output element, without what gives it away (x̂, batchnorm's three terms
    backward); an update: the new weight, its working the optimizer's own arithmetic."""
    tl = kinds(optimizer)
    opt = tl.run.scenario.optimizer
    asked: set[str] = set()
    for k in range(tl.per_iteration, 2 * tl.per_iteration):
        step = tl[k]
        q = question(step, tl)
        if q is None:
            continue
        kind = step.op.split(".")[0]
        if step.phase == "forward" and kind in ("batchnorm2d", "dropout", "adaptive_avgpool2d"):
            assert q.prompt == f"out[{','.join(map(str, step.index))}]"
            assert q.answer == step.value
            assert "x_hat" not in q.given and "output" not in q.given
            asked.add(step.op)
        if step.op == "batchnorm2d.backward":
            assert step.layer is not None
            dx = tl.run.record(1).layers[step.layer].grad_input  # one dx element a step
            assert "terms" not in q.given and q.answer == dx[step.index]
            asked.add(step.op)
        if step.phase == "update":
            ops = step.operands
            w, after = float(ops["weight_before"].flat[0]), float(ops["weight_after"].flat[0])
            assert q.answer == after and "weight_after" not in q.given
            eta = tl.run.scenario.learning_rate
            g = float(ops["grad_weight"].flat[0]) + (
                float(ops["decay"].flat[0]) if "decay" in ops else 0.0
            )
            if optimizer == "adam":
                assert "m_hat" not in q.given and "v_hat" not in q.given
                mh, vh = float(ops["m_hat"].flat[0]), float(ops["v_hat"].flat[0])
                worked = w - eta * mh / (np.sqrt(vh) + opt.eps)
            elif optimizer == "rmsprop":
                s = float(ops["s_after"].flat[0])
                worked = w - eta * g / (np.sqrt(s) + opt.eps)
            else:
                worked = w - eta * g
            assert worked == pytest.approx(after, rel=1e-9)
            assert q.working.endswith(f"= {num(after)}") and "W[" in q.working
            asked.add(step.op)
    assert {"batchnorm2d.forward", "dropout.forward", "adaptive_avgpool2d.forward"} <= asked
    assert {"conv2d.update", "batchnorm2d.update", "linear.update"} <= asked
