"""The timeline against the spec (issue 3), on small architectures written as scenario TOML.

Expected values come from the engine's record of each iteration or from the loops in
``timeline_cases`` (written from the spec, step by step) — never from the timeline itself.
"""

import io
import json
import math
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from timeline_cases import (
    CASES,
    DIVERGING,
    DIVERGING_KINDS,
    Case,
    ExpectedSegment,
    IterationRef,
    conv_geometry,
    engine_tensor,
    expected_counts,
    expected_layout,
    grad_output_tid,
    input_tid,
    pool_geometry,
    prepared,
    produced,
    region_mask,
    scenario,
    shows,
    step_key,
    timeline,
    where,
    written_mask,
)

from stepcnn.cli import main as cli_main
from stepcnn.engine.network import IterationRecord
from stepcnn.io.trace import write_trace
from stepcnn.timeline import Partial, Step, TensorId, Timeline
from stepcnn.timeline.search import ANY, Anything
from stepcnn.timeline.training import TrainingRun

ALL = list(CASES.values())
each_case = pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
DIVERGING_CASES = [DIVERGING, DIVERGING_KINDS]
each_case_and_diverging = pytest.mark.parametrize(
    "case", [*ALL, *DIVERGING_CASES], ids=[c.name for c in [*ALL, *DIVERGING_CASES]]
)
ELEMENTWISE = ("relu", "tanh", "sigmoid", "leaky_relu")
"""One step per element forward and backward; each writes its own cell."""

RTOL, ATOL = 1e-9, 1e-12


def late_iterations(case: Case) -> list[int]:
    """The last iteration (its parameters come from updates); the diverging case's last two
    (inf, then NaN)."""
    return [case.iterations - 2, case.iterations - 1] if case.diverges else [case.iterations - 1]


def segment_steps(tl: Timeline, iteration: int, seg: ExpectedSegment) -> range:
    first = iteration * tl.per_iteration + seg.start
    return range(first, first + seg.count)


# ---- step counts and order --------------------------------------------------------------


@each_case
def test_step_counts_per_phase_and_layer_follow_the_rules(case: Case) -> None:
    p = prepared(case)
    counts = expected_counts(case)
    per = sum(counts.values())
    assert p.timeline.per_iteration == per
    assert len(p.timeline) == per * case.iterations
    for it in range(case.iterations):
        counted = Counter((s.phase, s.layer) for s in p.steps[it * per : (it + 1) * per])
        assert dict(counted) == counts


def test_step_counts_of_the_strided_case_worked_out_by_hand() -> None:
    # input 2×6×5, batch 2; conv 2 filters 2×3 stride 2×1 padding 1×2 → 2×4×7;
    # maxpool 2×3 stride 1×2 → 2×3×3; flatten 18; linear 3; cross_entropy.
    counts = Counter((s.phase, s.layer) for s in prepared(CASES["strided"]).steps[:548])
    assert dict(counts) == {
        ("forward", 0): 2 * 2 * 4 * 7,
        ("forward", 1): 2 * 2 * 4 * 7,
        ("forward", 2): 2 * 2 * 3 * 3,
        ("forward", 3): 1,
        ("forward", 4): 2 * 3,
        ("forward", None): 2 + 1,  # one per sample, then the mean
        ("backward", None): 2 * 3,  # dL/dscores, one per output element
        ("backward", 4): 2 * 3,
        ("backward", 3): 1,
        ("backward", 2): 2 * 2 * 3 * 3,
        ("backward", 1): 2 * 2 * 4 * 7,
        ("backward", 0): 2 * 2 * 4 * 7,
        ("update", 0): 2,  # one per filter
        ("update", 4): 3,  # one per output neuron
    }
    assert prepared(CASES["strided"]).timeline.per_iteration == 548


@each_case
def test_every_step_has_its_place_op_and_index(case: Case) -> None:
    """Forward layer by layer, the loss, backward in reverse, the updates; indices row-major."""
    for step in prepared(case).steps:
        it, seg, local, index = where(case, step.k)
        assert (step.iteration, step.offset, step.phase, step.layer, step.op, step.index) == (
            it,
            seg.start + local,
            seg.phase,
            seg.layer,
            seg.op,
            index,
        )
        kind = case.loss if seg.layer is None else case.layers[seg.layer]["type"]
        assert step.kind == kind


# ---- values -----------------------------------------------------------------------------


@each_case
def test_the_reference_loops_agree_with_the_engine(case: Case) -> None:
    """The oracle itself: the engine's record equals the spec's loops, iteration after iteration."""
    p = prepared(case)
    for it, ref in enumerate(p.reference):
        record = p.timeline.run.record(it)
        np.testing.assert_array_equal(record.x, ref.x)
        assert record.loss == pytest.approx(ref.loss, rel=RTOL)
        np.testing.assert_allclose(record.grad_scores, ref.grad_scores, rtol=RTOL, atol=ATOL)
        for lr, lref in zip(record.layers, ref.layers, strict=True):
            for name in ("input", "output", "grad_output", "grad_input"):
                np.testing.assert_allclose(
                    getattr(lr, name), getattr(lref, name), rtol=RTOL, atol=ATOL
                )
            if lref.weight is not None:
                pairs = [
                    (lr.params.weight, lref.weight),
                    (lr.params.bias, lref.bias),
                    (lr.grads.weight, lref.grad_weight),
                    (lr.grads.bias, lref.grad_bias),
                    (lr.params_after.weight, lref.weight_after),
                    (lr.params_after.bias, lref.bias_after),
                ]
                for got, want in pairs:
                    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
                # Momentum: the velocity before (none at the first iteration) and after.
                for got, want in (
                    (lr.velocity, lref.velocity_before),
                    (lr.velocity_after, lref.velocity_after),
                ):
                    assert (got is None) == (want is None)
                    if got is not None and want is not None:
                        np.testing.assert_allclose(got.weight, want[0], rtol=RTOL, atol=ATOL)
                        np.testing.assert_allclose(got.bias, want[1], rtol=RTOL, atol=ATOL)
        if it > 0:  # the next iteration starts from the updated parameters
            before = p.timeline.run.record(it - 1)
            for lr, prev in zip(record.layers, before.layers, strict=True):
                if lr.params is not None:
                    np.testing.assert_array_equal(lr.params.weight, prev.params_after.weight)
                    np.testing.assert_array_equal(lr.params.bias, prev.params_after.bias)


def expected_values(
    case: Case, rec: IterationRecord, r: IterationRef, step: Step
) -> tuple[float | None, float | None]:
    """The step's value per the spec: from the engine's record, and from the reference loops."""
    _, seg, _, index = where(case, step.k)
    layers = len(case.layers)
    if seg.op in ("flatten.forward", "flatten.backward") or seg.phase == "update":
        return None, None
    if seg.layer is None:
        if seg.op == "cross_entropy.forward":
            return rec.loss_cache.per_sample[index], r.per_sample[index]
        if seg.op == "mse.forward":
            d = rec.loss_cache.diff[index]
            return d * d, r.per_sample[index]
        if seg.op.endswith(".mean"):
            return rec.loss, r.loss
        return rec.grad_scores[index], r.grad_scores[index]
    i = seg.layer
    if seg.phase == "forward":
        return rec.layers[i].output[index], r.layers[i].output[index]
    grad_out = engine_tensor(rec, grad_output_tid(i, layers))
    return grad_out[index], r.layers[i].grad_output[index]


@each_case
def test_every_step_value_is_the_engine_tensor_element(case: Case) -> None:
    """Forward: the output element computed; backward: the output-gradient element."""
    p = prepared(case)
    for step in p.steps:
        record = p.timeline.run.record(step.iteration)
        engine, ref = expected_values(case, record, p.reference[step.iteration], step)
        if engine is None:
            assert step.value is None
            continue
        assert step.value == float(engine)
        assert step.value == pytest.approx(ref, rel=RTOL, abs=ATOL)


# ---- random access ----------------------------------------------------------------------


@each_case
def test_forward_n_steps_then_back_n_steps_gives_identical_steps(case: Case) -> None:
    rng = np.random.default_rng(7)
    n = 100
    tl = timeline(case)
    for k0 in rng.integers(0, len(tl) - n, size=3):
        forward = [step_key(tl[k]) for k in range(k0, k0 + n + 1)]
        back = []
        k = k0 + n
        while k >= k0:
            back.append(step_key(tl[k]))
            k -= 1
        assert back[::-1] == forward


@each_case
def test_steps_do_not_depend_on_the_order_they_are_asked_in(case: Case) -> None:
    """A fresh timeline walked from the last step back equals one walked from the first."""
    fresh = timeline(case)
    backward = [step_key(fresh[k]) for k in reversed(range(len(fresh)))]
    assert backward[::-1] == [step_key(s) for s in prepared(case).steps]


def test_negative_and_out_of_range_step_numbers() -> None:
    tl = prepared(CASES["tour"]).timeline
    assert step_key(tl[-1]) == step_key(tl[len(tl) - 1])
    assert step_key(tl[-len(tl)]) == step_key(tl[0])
    for bad in (len(tl), len(tl) + 5, -len(tl) - 1):
        with pytest.raises(IndexError):
            tl[bad]
    with pytest.raises(IndexError):
        tl.tensor_at(len(tl), TensorId(None, "x"))


# ---- partial state ----------------------------------------------------------------------


@each_case
def test_final_partial_gradients_of_each_backward_equal_the_engine(case: Case) -> None:
    p = prepared(case)
    tl = p.timeline
    for it in range(case.iterations):
        record, ref = tl.run.record(it), p.reference[it]
        for seg in expected_layout(case):
            if seg.phase != "backward" or seg.layer is None:
                continue
            last = segment_steps(tl, it, seg)[-1]
            lr, lref = record.layers[seg.layer], ref.layers[seg.layer]
            wanted = [("grad_input", lr.grad_input, lref.grad_input)]
            if lr.grads is not None:
                wanted += [
                    ("grad_weight", lr.grads.weight, lref.grad_weight),
                    ("grad_bias", lr.grads.bias, lref.grad_bias),
                ]
            for name, engine, reference in wanted:
                got = tl.tensor_at(last, TensorId(seg.layer, name))
                assert got.known is None or got.known.all()
                np.testing.assert_array_equal(got.values, engine)
                np.testing.assert_allclose(got.values, reference, rtol=RTOL, atol=ATOL)
                np.testing.assert_array_equal(
                    tl.partial(last)[TensorId(seg.layer, name)].values, engine
                )


def _pool_winner(x: np.ndarray, rows: slice, cols: slice) -> tuple[int, int]:
    """The engine's documented rule: the first maximum in row-major order; a NaN wins (the
    last one), as in PyTorch."""
    window = x[rows, cols]
    flat = window.ravel()
    nan = np.flatnonzero(np.isnan(flat))
    at = int(nan[-1]) if nan.size else int(np.argmax(flat))
    return rows.start + at // window.shape[1], cols.start + at % window.shape[1]


@each_case_and_diverging
def test_backward_partial_state_follows_the_spec_loop_step_by_step(case: Case) -> None:
    """dW, db and dx after each backward step equal loops that do exactly that step's ``+=``.

    The diverging case checks that a masked-out step never leaks an inf/NaN into a cell before
    a step writes it.
    """
    p = prepared(case)
    tl = p.timeline
    for it in late_iterations(case):
        record = tl.run.record(it)
        for seg in expected_layout(case):
            if seg.phase != "backward" or seg.layer is None:
                continue
            i = seg.layer
            spec, lr = case.layers[i], record.layers[i]
            dout = lr.grad_output
            dx = np.zeros_like(lr.input)
            dw = None if lr.params is None else np.zeros_like(lr.params.weight)
            db = None if lr.params is None else np.zeros_like(lr.params.bias)
            if seg.kind == "conv2d":
                (kh, kw), (sh, sw), (ph, pw) = conv_geometry(spec)
                h, w = lr.input.shape[2:]
                xp = np.pad(lr.input, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
                dxp = np.zeros_like(xp)
            for k in segment_steps(tl, it, seg):
                _, _, local, index = where(case, k)
                step = p.steps[k]
                with np.errstate(all="ignore"):
                    if seg.kind == "conv2d":
                        assert dw is not None and db is not None
                        n, f, r, c = index
                        g = dout[index]
                        window = (n, slice(None), slice(r * sh, r * sh + kh))
                        window += (slice(c * sw, c * sw + kw),)
                        dw_before = dw[f].copy()
                        dw[f] += g * xp[window]
                        db[f] += g
                        dxp[window] += g * lr.params.weight[f]
                        dx = dxp[:, :, ph : ph + h, pw : pw + w]
                        ops = step.operands
                        np.testing.assert_allclose(ops["dw_before"], dw_before, RTOL, ATOL, True)
                        np.testing.assert_allclose(ops["dw_after"], dw[f], RTOL, ATOL, True)
                        np.testing.assert_array_equal(ops["dw_contribution"], g * xp[window])
                        np.testing.assert_array_equal(
                            ops["dx_contribution"], g * lr.params.weight[f]
                        )
                    elif seg.kind == "linear":
                        assert dw is not None and db is not None
                        n, o = index
                        g = dout[index]
                        dw_before = dw[o].copy()
                        dw[o] += g * lr.input[n]
                        db[o] += g
                        dx[n] += g * lr.params.weight[o]
                        ops = step.operands
                        np.testing.assert_allclose(ops["dw_before"], dw_before, RTOL, ATOL, True)
                        np.testing.assert_allclose(ops["dw_after"], dw[o], RTOL, ATOL, True)
                    elif seg.kind == "maxpool2d":
                        n, ch, r, s = index
                        (kh, kw), (sh, sw) = lr.cache.kernel, lr.cache.stride
                        rows, cols = slice(r * sh, r * sh + kh), slice(s * sw, s * sw + kw)
                        wy, wx = _pool_winner(lr.input[n, ch], rows, cols)
                        dx[n, ch, wy, wx] += dout[index]
                    elif seg.kind == "avgpool2d":
                        n, ch, r, s = index
                        (kh, kw), (sh, sw) = pool_geometry(spec)
                        rows, cols = slice(r * sh, r * sh + kh), slice(s * sw, s * sw + kw)
                        dx[n, ch, rows, cols] += dout[index] / (kh * kw)
                        np.testing.assert_array_equal(
                            step.operands["routed"], np.full((kh, kw), dout[index] / (kh * kw))
                        )
                    elif seg.kind == "relu":
                        dx[index] = 0.0 if lr.input[index] <= 0 else dout[index]
                    elif seg.kind == "tanh":
                        dx[index] = dout[index] * (1 - lr.output[index] ** 2)
                    elif seg.kind == "sigmoid":
                        dx[index] = dout[index] * lr.output[index] * (1 - lr.output[index])
                    elif seg.kind == "leaky_relu":
                        slope = float(spec.get("negative_slope", 0.01))  # type: ignore[arg-type]
                        dx[index] = dout[index] * (1.0 if lr.input[index] > 0 else slope)
                    else:  # flatten: one step, the whole reshape
                        dx = dout.reshape(lr.input.shape)
                got = tl.tensor_at(k, TensorId(i, "grad_input"))
                if seg.kind in ELEMENTWISE:  # element by element: cells 0…local known
                    known = np.arange(dx.size).reshape(dx.shape) <= local
                    assert got.known is not None
                    np.testing.assert_array_equal(got.known, known)
                    np.testing.assert_array_equal(got.values[known], dx[known])
                    continue
                assert got.known is None or got.known.all()
                np.testing.assert_allclose(got.values, dx, RTOL, ATOL, equal_nan=True)
                if dw is not None:
                    gw = tl.tensor_at(k, TensorId(i, "grad_weight")).values
                    gb = tl.tensor_at(k, TensorId(i, "grad_bias")).values
                    np.testing.assert_allclose(gw, dw, RTOL, ATOL, equal_nan=True)
                    np.testing.assert_allclose(gb, db, RTOL, ATOL, equal_nan=True)


def _check_complete(got: Partial, want: np.ndarray) -> None:
    assert got.known is None or got.known.all()
    np.testing.assert_array_equal(got.values, want)


@each_case
def test_tensor_at_earlier_complete_current_partial_later_unknown(case: Case) -> None:
    p = prepared(case)
    tl = p.timeline
    layout = expected_layout(case)
    everything = [(q, tid) for q, seg in enumerate(layout) for tid in produced(case, seg)]
    for it in late_iterations(case):
        record = tl.run.record(it)
        for pos, seg in enumerate(layout):
            steps = segment_steps(tl, it, seg)
            # The current segment's own tensors at every one of its steps.
            for k in steps:
                local = k - steps[0]
                for tid in produced(case, seg):
                    got = tl.tensor_at(k, tid)
                    final = engine_tensor(record, tid)
                    if seg.op == "cross_entropy.forward":  # one sample (a row) per step
                        rows = np.arange(final.shape[0]) <= local
                        known = np.broadcast_to(
                            rows.reshape(-1, *([1] * (final.ndim - 1))), final.shape
                        )
                    elif (
                        seg.op.split(".")[1] in ("forward", "backward")
                        and seg.shape
                        and (seg.phase == "forward" or seg.kind in (*ELEMENTWISE, case.loss))
                    ):  # one element per step
                        known = np.arange(final.size).reshape(final.shape) <= local
                    else:
                        known = None  # complete: sums so far, a reshape, a mean, an update
                    if known is None:
                        assert got.known is None or got.known.all()
                    else:
                        assert got.known is not None
                        np.testing.assert_array_equal(got.known, known)
                        np.testing.assert_array_equal(got.values[known], final[known])
            # Everything else at the first, a middle and the last step of the segment.
            for k in sorted({steps[0], steps[len(steps) // 2], steps[-1]}):
                _check_complete(tl.tensor_at(k, TensorId(None, "x")), record.x)
                for q, tid in everything:
                    if q == pos:
                        continue
                    got = tl.tensor_at(k, tid)
                    if q < pos:
                        _check_complete(got, engine_tensor(record, tid))
                    elif tid.name in ("weight", "bias"):  # not updated yet: the old values
                        old = record.layers[tid.layer].params
                        _check_complete(got, getattr(old, tid.name))
                    else:
                        assert got.known is not None and not got.known.any(), (k, tid)


@each_case
def test_weights_keep_old_values_until_their_update_then_change_per_filter(case: Case) -> None:
    p = prepared(case)
    tl = p.timeline
    for it in range(case.iterations):
        record, ref = tl.run.record(it), p.reference[it]
        for seg in expected_layout(case):
            if seg.phase != "update":
                continue
            assert seg.layer is not None
            lr, lref = record.layers[seg.layer], ref.layers[seg.layer]
            w_id, b_id = TensorId(seg.layer, "weight"), TensorId(seg.layer, "bias")
            steps = segment_steps(tl, it, seg)
            _check_complete(tl.tensor_at(steps[0] - 1, w_id), lr.params.weight)
            _check_complete(tl.tensor_at(steps[0] - 1, b_id), lr.params.bias)
            for local, k in enumerate(steps):
                new = np.arange(seg.count) <= local
                want_w = np.where(
                    new.reshape(-1, *[1] * (lref.weight.ndim - 1)), lref.weight_after, lref.weight
                )
                want_b = np.where(new, lref.bias_after, lref.bias)
                got_w, got_b = tl.tensor_at(k, w_id), tl.tensor_at(k, b_id)
                assert got_w.known is None or got_w.known.all()
                np.testing.assert_allclose(got_w.values, want_w, rtol=RTOL, atol=ATOL)
                np.testing.assert_allclose(got_b.values, want_b, rtol=RTOL, atol=ATOL)
                step = p.steps[k]
                np.testing.assert_allclose(step.operands["weight_before"], lref.weight[local])
                np.testing.assert_allclose(step.operands["weight_after"], lref.weight_after[local])
            if it + 1 < case.iterations:
                # The next iteration starts from the updated parameters…
                first = (it + 1) * tl.per_iteration
                _check_complete(tl.tensor_at(first, w_id), lr.params_after.weight)
                _check_complete(tl.tensor_at(first, b_id), lr.params_after.bias)
                # …and its forward steps use them.
                fwd = segment_steps(tl, it + 1, expected_layout(case)[seg.layer])
                used = p.steps[fwd[0]].operands
                key = "filter" if seg.kind == "conv2d" else "row"
                np.testing.assert_allclose(used[key], lref.weight_after[0], rtol=RTOL, atol=ATOL)


OPTIMIZER_CASES = [c for c in ALL if c.momentum or c.weight_decay]


@pytest.mark.parametrize("case", OPTIMIZER_CASES, ids=[c.name for c in OPTIMIZER_CASES])
def test_update_steps_show_dw_decay_velocity_and_weights_with_momentum_and_decay(
    case: Case,
) -> None:
    """Per filter / neuron: W before, dW, λ·W, v before (from the second iteration) and after,
    W after — the reference loops' numbers — and the rule the optimizer follows."""
    p = prepared(case)
    tl = p.timeline
    mu, lam = case.momentum, case.weight_decay
    seen_rules = set()
    for it in range(case.iterations):
        for seg in expected_layout(case):
            if seg.phase != "update":
                continue
            lref = p.reference[it].layers[seg.layer]
            for o, k in enumerate(segment_steps(tl, it, seg)):
                step = p.steps[k]
                ops = step.operands
                want = {
                    "weight_before": lref.weight[o],
                    "grad_weight": lref.grad_weight[o],
                    "weight_after": lref.weight_after[o],
                    "bias_before": lref.bias[o : o + 1],
                    "grad_bias": lref.grad_bias[o : o + 1],
                    "bias_after": lref.bias_after[o : o + 1],
                    "learning_rate": np.array([case.learning_rate]),
                }
                if lam:
                    want["decay"] = lam * lref.weight[o]
                    want["bias_decay"] = lam * lref.bias[o : o + 1]
                if mu:
                    assert lref.velocity_after is not None
                    want["velocity_after"] = lref.velocity_after[0][o]
                    want["bias_velocity_after"] = lref.velocity_after[1][o : o + 1]
                    if it > 0:
                        assert lref.velocity_before is not None
                        want["velocity_before"] = lref.velocity_before[0][o]
                        want["bias_velocity_before"] = lref.velocity_before[1][o : o + 1]
                assert set(ops) == set(want), (it, o, sorted(ops))
                for name, value in want.items():
                    np.testing.assert_allclose(ops[name], value, rtol=RTOL, atol=ATOL, err_msg=name)
                g = f"dW[{o}] + λ·W[{o}]" if lam else f"dW[{o}]"
                if mu:
                    rule = f"v[{o}] = {g};" if it == 0 else f"v[{o}] = μ·v[{o}] + {g};"
                    rule += f"  W[{o}] ← W[{o}] − η·v[{o}]"
                else:
                    rule = f"W[{o}] ← W[{o}] − η·({g})"
                assert step.equation.startswith(rule), (rule, step.equation)
                seen_rules.add(rule.split(";")[0])
    assert len(seen_rules) >= 2  # more than one filter / iteration form was checked


# ---- which cells each step writes, and the history of a watched cell ---------------------


def expected_writes(case: Case, rec: IterationRecord, k: int) -> dict[TensorId, np.ndarray]:
    """The cells step ``k`` writes, worked out from the spec and the geometry."""
    _, seg, _, index = where(case, k)

    def cells(tid: TensorId, where_: tuple[object, ...]) -> tuple[TensorId, np.ndarray]:
        mask = np.zeros(engine_tensor(rec, tid).shape, dtype=bool)
        mask[where_] = True
        return tid, mask

    everything = (slice(None),)
    if seg.layer is None:
        if seg.op == "cross_entropy.forward":
            return dict(
                [cells(TensorId(None, "probs"), index), cells(TensorId(None, "per_sample"), index)]
            )
        name = {"mse.forward": "sq_error", "mean": "loss", "backward": "grad_scores"}
        key = seg.op if seg.op == "mse.forward" else seg.op.split(".")[1]
        return dict([cells(TensorId(None, name[key]), index)])
    i, spec = seg.layer, case.layers[seg.layer]
    if seg.phase == "update":
        return dict([cells(TensorId(i, "weight"), index), cells(TensorId(i, "bias"), index)])
    if seg.phase == "forward":
        return dict([cells(TensorId(i, "output"), index or everything)])
    dx = TensorId(i, "grad_input")
    if seg.kind == "conv2d":
        n, f, r, c = index
        (kh, kw), (sh, sw), (ph, pw) = conv_geometry(spec)
        h, w = engine_tensor(rec, dx).shape[2:]
        rows = slice(max(r * sh - ph, 0), min(r * sh - ph + kh, h))
        cols = slice(max(c * sw - pw, 0), min(c * sw - pw + kw, w))
        return dict(
            [
                cells(TensorId(i, "grad_weight"), (f,)),
                cells(TensorId(i, "grad_bias"), (f,)),
                cells(dx, (n, slice(None), rows, cols)),
            ]
        )
    if seg.kind == "linear":
        n, o = index
        return dict(
            [
                cells(TensorId(i, "grad_weight"), (o,)),
                cells(TensorId(i, "grad_bias"), (o,)),
                cells(dx, (n,)),
            ]
        )
    if seg.kind == "maxpool2d":
        n, ch, r, s = index
        lr = rec.layers[i]
        (kh, kw), (sh, sw) = lr.cache.kernel, lr.cache.stride
        wy, wx = _pool_winner(
            lr.input[n, ch], slice(r * sh, r * sh + kh), slice(s * sw, s * sw + kw)
        )
        return dict([cells(dx, (n, ch, wy, wx))])
    if seg.kind == "avgpool2d":  # g/(kh·kw) to every cell of the window
        n, ch, r, s = index
        (kh, kw), (sh, sw) = pool_geometry(spec)
        return dict([cells(dx, (n, ch, slice(r * sh, r * sh + kh), slice(s * sw, s * sw + kw)))])
    return dict([cells(dx, index or everything)])


@each_case
def test_each_step_writes_exactly_the_cells_the_spec_says(case: Case) -> None:
    p = prepared(case)
    for step in p.steps:
        record = p.timeline.run.record(step.iteration)
        want = expected_writes(case, record, step.k)
        assert {r.tensor for r in step.writes} == set(want)
        for tid, mask in want.items():
            np.testing.assert_array_equal(written_mask(step, tid, mask.shape), mask)


@each_case
def test_conv_and_linear_steps_read_the_patch_and_the_filter(case: Case) -> None:
    p = prepared(case)
    for step in p.steps:
        if step.kind not in ("conv2d", "linear") or step.phase == "update":
            continue
        record = p.timeline.run.record(step.iteration)
        i = step.layer
        assert i is not None
        source = input_tid(i)
        shape = engine_tensor(record, source).shape if i > 0 else record.x.shape
        reads = {
            r.tensor: region_mask(
                r, shape if r.tensor == source else engine_tensor(record, r.tensor).shape
            )
            for r in step.reads
        }
        if step.kind == "conv2d":
            n, f, r, c = step.index
            (kh, kw), (sh, sw), (ph, pw) = conv_geometry(case.layers[i])
            want = np.zeros(shape, dtype=bool)
            rows = slice(max(r * sh - ph, 0), min(r * sh - ph + kh, shape[2]))
            cols = slice(max(c * sw - pw, 0), min(c * sw - pw + kw, shape[3]))
            want[n, :, rows, cols] = True
            row = f
        else:
            n, row = step.index
            want = np.zeros(shape, dtype=bool)
            want[n] = True
        np.testing.assert_array_equal(reads[source], want)
        w = reads[TensorId(i, "weight")]
        assert w[row].all() and w.sum() == w[row].size


@each_case_and_diverging
def test_cell_history_matches_a_walk_over_every_step_of_the_segment(case: Case) -> None:
    """For every cell of every tensor: the steps that write it and its value after each, read
    with ``tensor_at`` step by step; and ``step_writing`` gives the first of those steps."""
    p = prepared(case)
    tl = p.timeline
    for it in late_iterations(case):
        record = tl.run.record(it)
        for seg, tl_seg in zip(expected_layout(case), tl.segments, strict=True):
            ctx = tl.context(it, tl_seg)
            steps = segment_steps(tl, it, seg)
            for tid in produced(case, seg):
                shape = engine_tensor(record, tid).shape
                after = np.array([tl.tensor_at(k, tid).values for k in steps])
                writes = np.array([written_mask(p.steps[k], tid, shape) for k in steps])
                for cell in np.ndindex(shape):
                    hit = np.flatnonzero(writes[(slice(None), *cell)])
                    history = tl_seg.op.cell_history(ctx, tid, cell)
                    first = tl.step_writing(it, tid, cell)
                    if hit.size == 0:
                        assert history is None or history[0].size == 0
                        assert first is None
                        continue
                    assert history is not None
                    assert history[0].tolist() == hit.tolist(), (tid, cell)
                    np.testing.assert_allclose(
                        history[1], after[(hit, *cell)], RTOL, ATOL, equal_nan=True
                    )
                    assert first == steps[int(hit[0])]
            # Tensors the segment does not write have no history there.
            other = TensorId(None, "x")
            assert tl_seg.op.cell_history(ctx, other, (0, 0, 0, 0)) is None
    assert tl.step_writing(0, TensorId(None, "x"), (0, 0, 0, 0)) is None


def test_strided_conv_leaves_uncovered_input_cells_unwritten() -> None:
    """In mse_map the 2×2/stride-2 conv never covers row 4 or column 4 of its 5×5 input."""
    tl = prepared(CASES["mse_map"]).timeline
    dx = TensorId(2, "grad_input")
    assert tl.step_writing(0, dx, (1, 1, 4, 2)) is None
    assert tl.step_writing(0, dx, (1, 1, 2, 4)) is None
    assert tl.step_writing(0, dx, (1, 1, 3, 3)) is not None


# ---- the equation and operands ----------------------------------------------------------


def expected_numbers(case: Case, r: IterationRecord, step: Step) -> list[float]:
    """Real numbers of the step that its equation must show (from the engine's tensors)."""
    _, seg, _, index = where(case, step.k)
    if seg.layer is None:
        cache = r.loss_cache
        if seg.op == "cross_entropy.forward":
            (n,) = index
            return [cache.per_sample[n], cache.probs[n, int(r.y[n])]]
        if seg.op == "mse.forward":
            y = r.scores[index]
            t = r.y[index]
            return [y, t, (y - t) ** 2]
        if seg.op.endswith(".mean"):
            terms = (cache.per_sample if case.loss == "cross_entropy" else cache.diff**2).ravel()
            return [r.loss, *terms[:6]]
        g = r.grad_scores[index]
        if case.loss == "cross_entropy":
            return [g, cache.probs[index]]
        return [g, cache.diff[index]]
    i, spec = seg.layer, case.layers[seg.layer]
    lr = r.layers[i]
    if seg.phase == "update":
        (o,) = index
        eta, mu, lam = case.learning_rate, case.momentum, case.weight_decay
        # The example weight is the one whose step is largest: the largest |v| with momentum,
        # else the largest |dW + λ·W|.
        w0, dw = lr.params.weight[o], lr.grads.weight[o]
        stepped = lr.velocity_after.weight[o] if mu else dw + lam * w0
        cell = np.unravel_index(int(np.argmax(np.abs(stepped))), stepped.shape)
        first = (o, *(int(c) for c in cell))
        numbers = [
            eta,
            lr.params.weight[first],
            lr.grads.weight[first],
            lr.params_after.weight[first],
            lr.params.bias[o],
            lr.grads.bias[o],
            lr.params_after.bias[o],
        ]
        if lam:
            numbers.append(lam)
        if mu:
            numbers += [mu, lr.velocity_after.weight[first], lr.velocity_after.bias[o]]
            if lr.velocity is not None:  # v = g at the first iteration: no v before
                numbers += [lr.velocity.weight[first], lr.velocity.bias[o]]
        return numbers
    if seg.kind == "flatten":
        shape = lr.input.shape[1:] if seg.phase == "forward" else lr.grad_input.shape[1:]
        return [float(d) for d in shape] + [float(math.prod(shape))]
    if seg.phase == "forward":
        value = lr.output[index]
        if seg.kind == "conv2d":
            n, f, r_, c = index
            (kh, kw), (sh, sw), (ph, pw) = conv_geometry(spec)
            xp = np.pad(lr.input, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
            patch = xp[n, :, r_ * sh : r_ * sh + kh, c * sw : c * sw + kw].ravel()
            w = lr.params.weight[f].ravel()
            return [value, lr.params.bias[f], *patch[:9], *w[:9]]
        if seg.kind == "linear":
            n, o = index
            x, w = lr.input[n], lr.params.weight[o]
            return [value, lr.params.bias[o], *x[:9], *w[:9]]
        if seg.kind == "sigmoid":  # 1/(1 + e^−x): the exponent is written −x or −(−x)
            return [value, -abs(lr.input[index])]
        if seg.kind in ELEMENTWISE:
            numbers = [value, lr.input[index]]
            if seg.kind == "leaky_relu" and lr.input[index] <= 0:
                numbers.append(float(spec.get("negative_slope", 0.01)))  # type: ignore[arg-type]
            return numbers
        (kh, kw), (sh, sw) = lr.cache.kernel, lr.cache.stride
        n, ch, r_, s = index
        window = lr.input[n, ch, r_ * sh : r_ * sh + kh, s * sw : s * sw + kw].ravel()[:16]
        if seg.kind == "avgpool2d":  # a sum: "a + b − c", later terms without their sign
            return [value, window[0], *np.abs(window[1:]), float(kh * kw)]
        return [value, *window]
    g = lr.grad_output[index]
    if seg.kind in ("relu", "leaky_relu"):
        return [g, lr.input[index], lr.grad_input[index]]
    if seg.kind in ("tanh", "sigmoid"):  # f′ from the output y
        return [g, lr.output[index], lr.grad_input[index]]
    if seg.kind == "avgpool2d":
        (kh, kw) = lr.cache.kernel
        return [g, g / (kh * kw), float(kh * kw)]
    if seg.kind == "conv2d":
        n, f, r_, c = index
        dout = lr.grad_output
        db_so_far = dout[:n, f].sum() + dout[n, f, :r_].sum() + dout[n, f, r_, : c + 1].sum()
        return [g, db_so_far]
    return [g]


@each_case
def test_equations_show_the_real_numbers_of_the_step(case: Case) -> None:
    p = prepared(case)
    last = (case.iterations - 1) * p.timeline.per_iteration
    for step in p.steps[last:]:
        record = p.timeline.run.record(step.iteration)
        for number in expected_numbers(case, record, step):
            assert shows(step.equation, float(number)), (step.op, number, step.equation)


@each_case
def test_forward_operands_recompute_the_value(case: Case) -> None:
    p = prepared(case)
    for step in p.steps:
        if step.phase != "forward" or step.value is None or step.layer is None:
            continue
        ops = step.operands
        if step.kind == "conv2d":
            assert (ops["patch"] * ops["filter"]).sum() + ops["bias"][0] == pytest.approx(
                step.value, rel=RTOL, abs=ATOL
            )
            np.testing.assert_array_equal(ops["products"], ops["patch"] * ops["filter"])
        elif step.kind == "linear":
            assert ops["input"] @ ops["row"] + ops["bias"][0] == pytest.approx(
                step.value, rel=RTOL, abs=ATOL
            )
        elif step.kind == "maxpool2d":
            ref = p.reference[step.iteration].layers[step.layer]
            n, c, r, s = step.index
            (_, _), (sh, sw) = pool_geometry(case.layers[step.layer])
            window = ops["window"]
            assert step.value == window.max()
            wy, wx = ref.winners[n, c, r, s]
            mask = np.zeros(window.shape)
            mask[wy - r * sh, wx - s * sw] = 1.0  # the reference's winner: the first maximum
            np.testing.assert_array_equal(ops["winner"], mask)
        elif step.kind == "avgpool2d":
            (kh, kw), (sh, sw) = pool_geometry(case.layers[step.layer])
            n, c, r, s = step.index
            x = p.timeline.run.record(step.iteration).layers[step.layer].input
            np.testing.assert_array_equal(
                ops["window"], x[n, c, r * sh : r * sh + kh, s * sw : s * sw + kw]
            )
            assert ops["window"].mean() == pytest.approx(step.value, rel=RTOL, abs=ATOL)
        elif step.kind in ELEMENTWISE:
            ref = p.reference[step.iteration].layers[step.layer]
            engine = p.timeline.run.record(step.iteration).layers[step.layer]
            assert ops["input"][0] == engine.input[step.index]
            assert ops["output"][0] == step.value
            assert step.value == pytest.approx(ref.output[step.index], rel=RTOL, abs=ATOL)


# ---- a diverging run --------------------------------------------------------------------


def test_a_diverging_run_derives_every_step_without_warnings() -> None:
    """inf and NaN are shown as IEEE arithmetic gives them; no RuntimeWarning escapes."""
    tl = timeline(DIVERGING)
    losses = [tl.run.record(i).loss for i in range(len(tl.run))]
    assert math.isfinite(losses[0]) and not math.isfinite(losses[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps = [tl[k] for k in range(len(tl))]
        for step in steps:  # the state after each step (sparser where it costs a backward pass)
            if step.op != "conv2d.backward" or step.k % 7 == 0:
                tl.partial(step.k)
                for tid in {r.tensor for r in step.writes}:
                    tl.tensor_at(step.k, tid)
    assert any(s.value is not None and math.isnan(s.value) for s in steps)
    assert any(s.value is not None and math.isinf(s.value) for s in steps)


# ---- stepcnn trace ----------------------------------------------------------------------


def trace_text(
    case: Case, fmt: str, phase: str | None = None, layer: int | Anything | None = ANY
) -> str:
    out = io.StringIO()
    run = TrainingRun(scenario(case))
    write_trace(run, out, phase=phase, layer=layer, fmt=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_the_same_scenario_gives_a_byte_identical_trace(fmt: str) -> None:
    case = CASES["tour" if fmt == "jsonl" else "dense"]
    first = trace_text(case, fmt)
    assert first
    assert trace_text(case, fmt).encode() == first.encode()


@pytest.mark.parametrize("name", ["mse_map", "lenet_like"])
def test_trace_jsonl_lists_every_step_with_the_engine_values(name: str) -> None:
    case = CASES[name]
    p = prepared(case)
    lines = [json.loads(line) for line in trace_text(case, "jsonl").splitlines()]
    assert len(lines) == len(p.timeline)
    for line, step in zip(lines, p.steps, strict=True):
        record = p.timeline.run.record(step.iteration)
        engine, _ = expected_values(case, record, p.reference[step.iteration], step)
        assert line["step"] == line["line"] == step.k + 1  # numbered as on the screen
        assert (line["iteration"], line["phase"], line["layer"]) == (
            step.iteration + 1,
            step.phase,
            step.layer,
        )
        assert line["value"] == (None if engine is None else float(engine))


def test_trace_filters_by_phase_and_layer() -> None:
    case = CASES["tour"]
    counts = expected_counts(case)
    backward = [json.loads(x) for x in trace_text(case, "jsonl", phase="backward").splitlines()]
    assert {x["phase"] for x in backward} == {"backward"}
    want = sum(n for (phase, _), n in counts.items() if phase == "backward") * case.iterations
    assert len(backward) == want
    assert [x["line"] for x in backward] == list(range(1, want + 1))
    forward = sum(n for (phase, _), n in counts.items() if phase == "forward")
    assert backward[0]["step"] == forward + 1  # the step numbers of the whole timeline
    assert backward[-1]["iteration"] == case.iterations
    loss = [json.loads(x) for x in trace_text(case, "jsonl", layer=None).splitlines()]
    assert {x["layer"] for x in loss} == {None}
    assert len(loss) == (counts[("forward", None)] + counts[("backward", None)]) * 3
    conv_bwd = trace_text(case, "jsonl", phase="backward", layer=0).splitlines()
    assert len(conv_bwd) == counts[("backward", 0)] * case.iterations


def test_stepcnn_trace_command_is_byte_identical_and_honours_iterations(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    case = CASES["dense"]
    path = tmp_path / "dense.toml"
    path.write_text(case.toml, encoding="utf-8")
    outputs = []
    for _ in range(2):
        assert cli_main(["trace", str(path), "--iterations", "3", "--format", "jsonl"]) == 0
        outputs.append(capsysbinary.readouterr().out)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == sum(expected_counts(case).values()) * 3
    assert cli_main(["trace", str(path), "--phase", "update", "--layer", "0"]) == 0
    update = [json.loads(x) for x in capsysbinary.readouterr().out.splitlines()]
    assert [(x["iteration"], x["index"]) for x in update] == [
        (1, [0]),
        (1, [1]),
        (2, [0]),
        (2, [1]),
    ]


def test_trace_from_and_count_print_a_window_of_the_same_lines(capsys) -> None:
    assert cli_main(["trace", "tour"]) == 0
    whole = capsys.readouterr().out.splitlines()
    assert cli_main(["trace", "tour", "--from", "10", "--count", "5"]) == 0
    window = capsys.readouterr().out.splitlines()
    assert window == whole[9:14]  # lines counted from 1, as the screen counts steps
    assert [json.loads(x)["line"] for x in window] == [10, 11, 12, 13, 14]
    assert [json.loads(x)["step"] for x in window] == [10, 11, 12, 13, 14]
