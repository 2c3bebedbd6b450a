"""Breakpoints, watchpoints and reverse-continue (search.find) against brute-force scans.

For each condition the matching steps are found by testing every step of the timeline with a
plain predicate (fields of the step, the cells its writes cover, and the watched cell's value
read with ``tensor_at``); ``find`` forward must give the first match after a start, and
backward the last match before it.
"""

import itertools
import math

import numpy as np
import pytest
from timeline_cases import (
    CASES,
    DIVERGING,
    Case,
    Prepared,
    engine_tensor,
    expected_layout,
    prepared,
    produced,
    written_mask,
)

from stepcnn.timeline import ANY, Condition, Step, TensorId, find

ALL = list(CASES.values())
each_case = pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])


def _sign(v: float) -> int:
    return 0 if math.isnan(v) or v == 0 else (1 if v > 0 else -1)


def brute_force(p: Prepared, cond: Condition) -> list[int]:
    """Every step that matches ``cond``, by testing each step in turn."""
    tl = p.timeline
    matches = []
    last_sign: dict[int, int] = {}  # per iteration: the watched cell's last non-zero sign
    for step in p.steps:
        k = step.k
        if cond.iteration is not None and step.iteration != cond.iteration:
            continue
        if cond.phase is not None and step.phase != cond.phase:
            continue
        if cond.layer is not ANY and step.layer != cond.layer:
            continue
        if cond.op is not None and cond.op not in (step.op, step.kind):
            continue
        if cond.index is not None and step.index != cond.index:
            continue
        if cond.entry and k > 0:
            before = p.steps[k - 1]
            if (before.iteration, before.layer, before.op) == (step.iteration, step.layer, step.op):
                continue  # not the first step of its operation
        if cond.tensor is not None:
            if all(r.tensor != cond.tensor for r in step.writes):
                continue
            record = tl.run.record(step.iteration)
            shape = engine_tensor(record, cond.tensor).shape
            written = written_mask(step, cond.tensor, shape)
            if cond.cell is None:
                if not written.any():
                    continue
            else:
                if not written[cond.cell]:
                    continue
                if cond.sign_change:
                    it = step.iteration
                    if it not in last_sign:  # the value before the segment, this iteration
                        before = tl.tensor_at(k - 1, cond.tensor) if k % tl.per_iteration else None
                        known = before is not None and (
                            before.known is None or before.known[cond.cell]
                        )
                        last_sign[it] = _sign(float(before.values[cond.cell])) if known else 0
                    now = _sign(float(tl.tensor_at(k, cond.tensor).values[cond.cell]))
                    flipped = now != 0 and last_sign[it] != 0 and now != last_sign[it]
                    if now != 0:
                        last_sign[it] = now
                    if not flipped:
                        continue
        tests = [(cond.above, lambda v, t: v > t), (cond.below, lambda v, t: v < t)]
        tests.append((cond.abs_above, lambda v, t: abs(v) > t))
        if any(t is not None for t, _ in tests):
            if step.value is None:
                continue
            if not all(test(step.value, t) for t, test in tests if t is not None):
                continue
        if cond.nonfinite and not produces_nonfinite(p, step):
            continue
        matches.append(k)
    return matches


def produces_nonfinite(p: Prepared, step: Step) -> bool:
    """Its value is inf/NaN, or a term it adds (g·patch, g·W, g·x) is; for steps without a
    value (flatten, update), what they write."""
    if step.value is not None:
        terms = [
            step.operands[t] for t in ("dw_contribution", "dx_contribution") if t in step.operands
        ]
        return not math.isfinite(step.value) or any(not np.isfinite(t).all() for t in terms)
    for region in step.writes:
        after = p.timeline.tensor_at(step.k, region.tensor).values
        if not np.isfinite(after[region.cells]).all():
            return True
    return False


def check_find(p: Prepared, cond: Condition, seed: int = 0) -> list[int]:
    """``find`` forward and backward from many starts equals the brute-force answer."""
    want = brute_force(p, cond)
    n = len(p.timeline)
    rng = np.random.default_rng(seed)
    starts = {-1, 0, n - 1, n, *rng.integers(0, n, size=4).tolist()}
    for m in want[:3] + want[-3:]:
        starts |= {m - 1, m, m + 1}
    for start in sorted(starts):
        after = [m for m in want if m > start]
        before = [m for m in want if m < start]
        assert find(p.timeline, cond, start, 1) == (after[0] if after else None), (cond, start)
        assert find(p.timeline, cond, start, -1) == (before[-1] if before else None), (
            cond,
            start,
        )
    return want


def field_conditions(case: Case, p: Prepared) -> list[Condition]:
    steps = p.steps
    conv_index = next(s.index for s in reversed(steps) if s.op == "conv2d.backward")
    update = next(s for s in steps if s.phase == "update")
    last_layer = len(case.layers) - 1
    return [
        Condition(),
        Condition(phase="backward"),
        Condition(phase="update", iteration=1),
        Condition(layer=0),
        Condition(layer=last_layer, phase="forward"),
        Condition(layer=None),
        Condition(layer=None, phase="backward"),
        Condition(op="relu"),
        Condition(op="conv2d.backward"),
        Condition(op=f"{case.loss}.mean"),
        Condition(op=case.loss),
        Condition(op="conv2d.backward", index=conv_index),
        Condition(op=update.op, index=update.index, layer=update.layer),
        Condition(index=(0,)),
        Condition(index=()),  # the flatten and loss-mean steps
        Condition(index=(99, 0, 0, 0)),  # out of every index space
        Condition(iteration=case.iterations - 1, op="linear"),
        Condition(iteration=case.iterations),  # no such iteration
    ]


@each_case
def test_field_conditions(case: Case) -> None:
    p = prepared(case)
    found = [check_find(p, cond, seed) for seed, cond in enumerate(field_conditions(case, p))]
    assert found[0] == list(range(len(p.timeline)))  # no condition: every step
    assert all(found[1:9]), "these conditions match somewhere in every case"


@each_case
def test_value_conditions(case: Case) -> None:
    p = prepared(case)
    conditions = [
        Condition(above=0.0),
        Condition(below=-0.05),
        Condition(abs_above=0.3),
        Condition(phase="backward", abs_above=0.01, below=0.0),
        Condition(phase="forward", layer=0, above=0.2),
        Condition(phase="update", above=0.0),  # update steps have no value
        Condition(op="flatten", below=1e9),  # nor does flatten
        Condition(nonfinite=True),  # a finite run
    ]
    found = [check_find(p, cond, seed) for seed, cond in enumerate(conditions)]
    assert all(found[:5])
    assert found[5:] == [[], [], []]


def watched_cells(
    case: Case, p: Prepared, rng: np.random.Generator, per_tensor: int
) -> list[tuple[TensorId, tuple[int, ...]]]:
    """Random cells of every tensor some segment writes."""
    record = p.timeline.run.record(0)
    cells = []
    for seg in expected_layout(case):
        for tid in produced(case, seg):
            shape = engine_tensor(record, tid).shape
            for _ in range(per_tensor):
                cells.append((tid, tuple(int(rng.integers(0, d)) for d in shape)))
    return cells


@each_case
def test_watchpoints_stop_where_the_cell_is_written(case: Case) -> None:
    p = prepared(case)
    rng = np.random.default_rng(3)
    hits = 0
    for seed, (tid, cell) in enumerate(watched_cells(case, p, rng, 2)):
        want = check_find(p, Condition(tensor=tid, cell=cell), seed)
        hits += len(want)
    assert hits > 0
    # The whole tensor: any step writing it.
    check_find(p, Condition(tensor=TensorId(0, "grad_input")))


@each_case
def test_sign_change_watchpoints(case: Case) -> None:
    """Accumulators (dW, db, dx) start at 0 in each backward; weights compare with their old
    value; a cell written once from nothing never "changes" sign."""
    p = prepared(case)
    rng = np.random.default_rng(4)
    flips = 0
    for seed, (tid, cell) in enumerate(watched_cells(case, p, rng, 1)):
        cond = Condition(tensor=tid, cell=cell, sign_change=True)
        if tid.name not in ("grad_weight", "grad_bias", "grad_input", "weight", "bias"):
            # Written once per iteration, with nothing before it in the iteration.
            assert find(p.timeline, cond, -1, 1) is None
            continue
        flips += len(check_find(p, cond, seed))
    # Every layer here starts with a conv: its dW[0] and dx corners sum many terms.
    for tid in (TensorId(0, "grad_weight"), TensorId(0, "grad_input")):
        flips += len(check_find(p, Condition(tensor=tid, cell=(0, 0, 0, 0), sign_change=True)))
    assert flips > 0


def test_a_sign_flip_found_by_hand() -> None:
    """db[0] of the tour's conv sums g over its 16 positions: it must flip where the running
    sum (computed here from the engine's dout) changes sign."""
    p = prepared(CASES["tour"])
    tl = p.timeline
    record = tl.run.record(0)
    dout = record.layers[0].grad_output[0, 0].ravel()
    running = np.cumsum(dout)
    signs = [s for s in np.sign(running) if s != 0]
    flips_by_hand = sum(1 for a, b in itertools.pairwise(signs) if a != b)
    assert flips_by_hand > 0
    start = next(s.k for s in p.steps if s.op == "conv2d.backward")
    cond = Condition(tensor=TensorId(0, "grad_bias"), cell=(0,), sign_change=True, iteration=0)
    found, k = [], start - 1
    while (k := find(tl, cond, k, 1)) is not None:
        found.append(k)
    assert len(found) == flips_by_hand
    for k in found:
        local = p.steps[k].index
        assert local[:2] == (0, 0)


def test_nonfinite_breakpoint_on_a_diverging_run() -> None:
    p = prepared(DIVERGING)
    for seed, cond in enumerate(
        [
            Condition(nonfinite=True),
            Condition(nonfinite=True, phase="update"),
            Condition(nonfinite=True, phase="forward", layer=None),
            Condition(nonfinite=True, op="conv2d", phase="backward"),
            Condition(abs_above=1e300),
            Condition(tensor=TensorId(0, "weight"), cell=(1, 0, 2, 2), sign_change=True),
        ]
    ):
        want = check_find(p, cond, seed)
        assert want or cond.sign_change
    first = find(p.timeline, Condition(nonfinite=True), -1, 1)
    assert first is not None
    assert all(p.steps[k].value is None or math.isfinite(p.steps[k].value) for k in range(first))


@each_case
def test_entry_breakpoints_stop_where_an_operation_starts(case: Case) -> None:
    p = prepared(case)
    ops = sorted({(s.layer, s.op) for s in p.steps}, key=str)
    for layer, op in ops:
        cond = Condition(layer=None if layer is None else layer, op=op, entry=True)
        want = check_find(p, cond)
        assert len(want) == len(p.timeline.run)  # once per iteration
        assert all(p.steps[k].op == op for k in want)
    # entry together with an index: only if that index is the operation's first step
    first = p.steps[0]
    assert check_find(p, Condition(op=first.op, index=first.index, entry=True))
