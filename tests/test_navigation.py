"""next/previous boundary at row, map, layer, phase and iteration level, against brute force.

A block is a run of consecutive steps sharing a key worked out from each step's place: the
iteration; its phase; the layer (the loss is its own "layer"); and within one op, the map
(sample n, channel c of an n,c,h,w index space — or sample n of an n,o one) and the row
(n, c, h). Index spaces of one axis or none form a single block. The expected boundaries are
the first steps whose key differs, found by scanning every step.
"""

import itertools

import pytest
from timeline_cases import CASES, Case, prepared

from stepcnn.timeline import LEVELS, Step, next_boundary, previous_boundary

ALL = list(CASES.values())
each_case = pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])


def block_key(step: Step, level: str) -> tuple[object, ...]:
    if level == "iteration":
        return (step.iteration,)
    if level == "phase":
        return (step.iteration, step.phase)
    if level == "layer":
        return (step.iteration, step.phase, step.layer)
    op = (step.iteration, step.phase, step.layer, step.op)
    index = step.index
    if len(index) == 4:
        return op + (index[:2] if level == "map" else index[:3])
    if len(index) == 2:
        return op + index[:1]
    return op


def brute_force(steps: list[Step], level: str) -> tuple[list[int | None], list[int | None]]:
    """(next boundary, previous boundary) of every step, by scanning the keys."""
    keys = [block_key(s, level) for s in steps]
    start_of = [0] * len(keys)  # the first step of the block holding k
    for k in range(1, len(keys)):
        start_of[k] = k if keys[k] != keys[k - 1] else start_of[k - 1]
    nxt: list[int | None] = [None] * len(keys)  # the first step of the next block
    for k in range(len(keys) - 2, -1, -1):
        nxt[k] = k + 1 if keys[k + 1] != keys[k] else nxt[k + 1]
    prev: list[int | None] = [
        start_of[k] if start_of[k] < k else (None if k == 0 else start_of[k - 1])
        for k in range(len(keys))
    ]
    return nxt, prev


@each_case
@pytest.mark.parametrize("level", LEVELS)
def test_boundaries_match_a_scan_of_every_step(case: Case, level: str) -> None:
    p = prepared(case)
    want_next, want_prev = brute_force(p.steps, level)
    got_next = [next_boundary(p.timeline, k, level) for k in range(len(p.steps))]
    got_prev = [previous_boundary(p.timeline, k, level) for k in range(len(p.steps))]
    assert got_next == want_next
    assert got_prev == want_prev


@each_case
def test_levels_nest_and_the_ends_give_none(case: Case) -> None:
    """Every iteration boundary is a phase boundary, every phase boundary a layer boundary…"""
    tl = prepared(case).timeline
    last = len(tl) - 1
    starts = {}
    for level in LEVELS:
        assert next_boundary(tl, last, level) is None
        assert previous_boundary(tl, 0, level) is None
        starts[level] = {next_boundary(tl, k, level) for k in range(len(tl))} - {None}
    for finer, coarser in itertools.pairwise(LEVELS):
        assert starts[coarser] <= starts[finer]
    assert starts["iteration"] == {i * tl.per_iteration for i in range(1, case.iterations)}


def test_walking_rows_forward_then_back_retraces_the_same_boundaries() -> None:
    tl = prepared(CASES["strided"]).timeline
    forward = [0]
    while (k := next_boundary(tl, forward[-1], "row")) is not None:
        forward.append(k)
    back = [len(tl) - 1]
    while (k := previous_boundary(tl, back[-1], "row")) is not None:
        back.append(k)
    assert back[1:][::-1] == forward


def test_unknown_level_is_refused() -> None:
    tl = prepared(CASES["tour"]).timeline
    for func in (next_boundary, previous_boundary):
        with pytest.raises(ValueError, match="unknown level"):
            func(tl, 5, "sample")
