"""Finding steps: the breakpoints, watchpoints and reverse-continue of the debugger.

A :class:`Condition` is tested a whole segment at a time with numpy (its values, or the
history of a watched cell), so continuing across thousands of steps costs a few array
operations per segment, not a Python call per step.
"""

from dataclasses import dataclass
from enum import Enum

import numpy as np

from stepcnn.timeline.layout import Segment
from stepcnn.timeline.step import TensorId
from stepcnn.timeline.timeline import Timeline


class Anything(Enum):
    """A condition's field that does not constrain."""

    ANY = "any"


ANY = Anything.ANY
"""``Condition.layer`` default: every layer and the loss. ``layer=None`` selects the loss, which
belongs to no layer — as a step's ``layer`` and a loss tensor's ``TensorId.layer`` are None."""


@dataclass(frozen=True)
class Condition:
    """Every field given must hold for a step to match.

    ``op`` is an operation (``"conv2d.backward"``) or a layer type (``"conv2d"``).
    ``cell`` + ``tensor``: the step writes that cell ("stop when this cell is written");
    with ``sign_change`` only where the cell's value flips between positive and negative.
    ``entry`` keeps only the first step of each matching segment (where an operation
    starts). ``above``/``below``/``abs_above`` test the step's value; ``nonfinite`` matches
    steps that produce a NaN or an infinity.
    """

    iteration: int | None = None
    phase: str | None = None
    layer: int | Anything | None = ANY
    op: str | None = None
    index: tuple[int, ...] | None = None
    tensor: TensorId | None = None
    cell: tuple[int, ...] | None = None
    sign_change: bool = False
    entry: bool = False
    above: float | None = None
    below: float | None = None
    abs_above: float | None = None
    nonfinite: bool = False

    def may_match(self, segment: Segment) -> bool:
        """A cheap test on the segment alone (no tensors needed)."""
        if self.phase is not None and segment.phase != self.phase:
            return False
        if self.layer is not ANY and segment.layer != self.layer:
            return False
        if self.op is not None and self.op not in (segment.op.name, segment.kind):
            return False
        if self.index is not None and len(self.index) != len(segment.shape):
            return False
        if self.tensor is not None and self.tensor not in segment.op.writes_tensors(segment.layer):
            return False
        has_value_test = any(v is not None for v in (self.above, self.below, self.abs_above))
        return not (has_value_test and not segment.op.has_values)

    def describe(self) -> str:
        parts = []
        for name in ("iteration", "phase", "layer", "op", "index"):
            value = getattr(self, name)
            if name == "layer" and value is not ANY:
                parts.append(f"layer={'loss' if value is None else value}")
            elif name != "layer" and value is not None:
                parts.append(f"{name}={value}")
        if self.tensor is not None:
            layer = "" if self.tensor.layer is None else f"layer {self.tensor.layer} "
            cell = ",".join(str(c) for c in self.cell or ())
            verb = "sign change of" if self.sign_change else "writes"
            parts.append(f"{verb} {layer}{self.tensor.name}[{cell}]")
        for name, sym in (("above", ">"), ("below", "<"), ("abs_above", "|v| >")):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"value {sym} {value:g}")
        if self.nonfinite:
            parts.append("non-finite")
        if self.entry:
            parts.append("on entry")
        return ", ".join(parts) or "every step"


def _sign_flips(initial: float, values: np.ndarray) -> np.ndarray:
    """Positions where the sign differs from the last non-zero sign before (zeros skipped)."""
    signs = np.sign(np.concatenate([[initial], values]))
    signs = np.where(np.isnan(signs), 0.0, signs)
    idx = np.where(signs != 0, np.arange(signs.size), 0)
    np.maximum.accumulate(idx, out=idx)
    last_nonzero = signs[idx]  # sign of the latest non-zero entry up to each position
    before = last_nonzero[:-1]
    now = signs[1:]
    return np.flatnonzero((now != 0) & (before != 0) & (now != before))


def matching_steps(timeline: Timeline, condition: Condition, iteration: int, si: int) -> np.ndarray:
    """Local step numbers of segment ``si`` in ``iteration`` that match, ascending."""
    with np.errstate(all="ignore"):  # diverged runs hold inf/NaN: IEEE results, no warnings
        return _matching_steps(timeline, condition, iteration, si)


def _matching_steps(
    timeline: Timeline, condition: Condition, iteration: int, si: int
) -> np.ndarray:
    seg = timeline.segments[si]
    if condition.iteration is not None and condition.iteration != iteration:
        return np.zeros(0, dtype=np.intp)
    if not condition.may_match(seg):
        return np.zeros(0, dtype=np.intp)
    ctx = timeline.context(iteration, seg)
    candidates = np.arange(1 if condition.entry else seg.count)
    if condition.index is not None:
        if any(not 0 <= i < d for i, d in zip(condition.index, seg.shape, strict=True)):
            return np.zeros(0, dtype=np.intp)
        if seg.shape:
            wanted = np.array([np.ravel_multi_index(condition.index, seg.shape)])
            candidates = np.intersect1d(candidates, wanted)
    if condition.tensor is not None and condition.cell is not None:
        history = seg.op.cell_history(ctx, condition.tensor, condition.cell)
        if history is None:
            return np.zeros(0, dtype=np.intp)
        steps, values = history
        if condition.sign_change:
            record = ctx.record
            from stepcnn.timeline.tensors import initial_value

            before = initial_value(record, condition.tensor)
            start = float(before[condition.cell]) if before is not None else 0.0
            steps = steps[_sign_flips(start, values)]
        candidates = np.intersect1d(candidates, steps)
    if (
        any(v is not None for v in (condition.above, condition.below, condition.abs_above))
        or condition.nonfinite
    ):
        with np.errstate(invalid="ignore"):
            values = seg.op.values(ctx)[candidates]
            keep = np.ones(candidates.size, dtype=bool)
            if condition.above is not None:
                keep &= values > condition.above
            if condition.below is not None:
                keep &= values < condition.below
            if condition.abs_above is not None:
                keep &= np.abs(values) > condition.abs_above
            if condition.nonfinite:
                keep &= seg.op.nonfinite(ctx)[candidates]
        candidates = candidates[keep]
    return candidates.astype(np.intp)


def find(timeline: Timeline, condition: Condition, start: int, direction: int = 1) -> int | None:
    """The first step after ``start`` (``direction`` 1) or before it (−1) that matches."""
    if len(timeline) == 0:
        return None
    per = timeline.per_iteration
    segments = timeline.segments
    if direction > 0:
        if start + 1 >= len(timeline):
            return None
        it0, si0, local0 = timeline.position(start + 1)
        iterations = range(it0, len(timeline.run))
        if condition.iteration is not None:
            iterations = range(
                max(it0, condition.iteration), min(len(timeline.run), condition.iteration + 1)
            )
        for it in iterations:
            for si in range(si0 if it == it0 else 0, len(segments)):
                found = matching_steps(timeline, condition, it, si)
                if it == it0 and si == si0:
                    found = found[found >= local0]
                if found.size:
                    return it * per + segments[si].start + int(found[0])
        return None
    if start - 1 < 0:
        return None
    it0, si0, local0 = timeline.position(start - 1)
    last = it0 if condition.iteration is None else min(it0, condition.iteration)
    first = 0 if condition.iteration is None else condition.iteration
    for it in range(last, first - 1, -1):
        for si in range((si0 if it == it0 else len(segments) - 1), -1, -1):
            found = matching_steps(timeline, condition, it, si)
            if it == it0 and si == si0:
                found = found[found <= local0]
            if found.size:
                return it * per + segments[si].start + int(found[-1])
    return None
