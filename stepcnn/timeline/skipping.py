"""Skipping the backward steps that propagate a zero gradient.

Below a max-pool or a ReLU most output-gradient elements are exactly 0: the step that
propagates one changes nothing (``dW += 0·patch``). Skipping moves to the next (or previous)
step that is not such a step — a backward step whose gradient is not zero (NaN and ±inf
count as not zero), or the first step outside the backward phase — a segment at a time.
"""

from stepcnn.timeline.navigation import block_start, next_boundary
from stepcnn.timeline.search import Condition, find
from stepcnn.timeline.timeline import Timeline


def is_zero_gradient(timeline: Timeline, k: int) -> bool:
    """Step ``k`` propagates a gradient element that is exactly zero."""
    step = timeline[k]
    return step.phase == "backward" and step.value is not None and step.value == 0.0


def skip_zero_gradients(timeline: Timeline, k: int, direction: int) -> int | None:
    """The nearest step after (``direction`` 1) or before (−1) ``k`` that is not a
    zero-gradient backward step; None when there is no step that way."""
    first = k + direction
    if not 0 <= first < len(timeline):
        return None
    if not is_zero_gradient(timeline, first):
        return first
    iteration = timeline.position(first)[0]
    if direction > 0:
        edge = next_boundary(timeline, first, "phase")  # the update phase starts there
    else:
        start = block_start(timeline, first, "phase")  # the backward phase's first step
        edge = start - 1 if start > 0 else None
    candidates = [edge] if edge is not None else []
    for condition in (
        Condition(iteration=iteration, phase="backward", abs_above=0.0),
        Condition(iteration=iteration, phase="backward", nonfinite=True),
    ):
        found = find(timeline, condition, k, direction)
        if found is not None:
            candidates.append(found)
    if not candidates:
        return None
    return min(candidates) if direction > 0 else max(candidates)
