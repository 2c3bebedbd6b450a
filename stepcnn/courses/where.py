"""Which step a stop is pinned to: ``step = K`` (as on the screen, from 1), or the operation
and the element it computes (``op``, ``index``, ``iteration``, ``layer``) — which stays right
when the scenario changes size around it.

Resolved from the timeline's layout alone (no training): the first step of the run that
matches every field given. A selector that matches no step is a problem naming its field.
"""

import numpy as np

from stepcnn.engine.registry import op_names
from stepcnn.scenario.fields import Table
from stepcnn.scenario.model import Scenario
from stepcnn.timeline.layout import Layout, Segment
from stepcnn.timeline.numbering import position, shown
from stepcnn.timeline.numbers import idx

SELECTOR = ("step", "op", "index", "iteration", "layer")


def layout_of(scenario: Scenario) -> Layout:
    """The segments of one iteration of ``scenario``, its graph's fork steps included."""
    return Layout(
        scenario.layers, scenario.shapes, scenario.batch_size, scenario.loss, scenario.graph
    )


def segment_at(layout: Layout, k: int) -> Segment:
    """The segment holding step ``k`` (from 0, any iteration)."""
    return layout.segments[layout.locate(k % layout.per_iteration)]


def _extent(segment: Segment) -> str:
    """``[0..0, 0..1]``: the indices a segment's steps take."""
    if not segment.shape:
        return "no index"
    return "[" + ", ".join(f"0..{d - 1}" for d in segment.shape) + "]"


def resolve(table: Table, scenario: Scenario, what: str) -> tuple[int, Segment] | None:
    """The step ``table`` pins (from 0) and its segment, or None with the problem recorded.

    ``what`` names the scenario in messages.
    """
    layout = layout_of(scenario)
    segments, per = layout.segments, layout.per_iteration
    total = per * scenario.iterations
    step = table.integer("step", minimum=1, what="a step number (the first step is 1)")
    op = table.choice("op", op_names())
    index = table.index("index")
    iteration = table.integer("iteration", minimum=1, what="an iteration number (the first is 1)")
    layer = table.integer("layer", minimum=0, what="a layer number (from 0)")
    given = [key for key in ("op", "index", "iteration", "layer") if key in table.data]
    if step is not None:
        if given:
            table.error("step", f"give either step or {', '.join(given)}, not both")
            return None
        if step > total:
            table.error("step", f"{what} has {total:,} steps, got {step:,}")
            return None
        k = position(step)
        return k, segment_at(layout, k)
    if "step" in table.data:
        return None  # (a bad step: recorded)
    if op is None:
        if "op" not in table.data:
            table.error("op", "is required (or give step)")
        return None
    if iteration is not None and iteration > scenario.iterations:
        table.error("iteration", f"{what} trains {scenario.iterations} iterations, got {iteration}")
        return None
    found = [s for s in segments if s.op.name == op and (layer is None or s.layer == layer)]
    if not found:
        where = "" if layer is None else f" in layer {layer}"
        ops = sorted({s.op.name for s in segments})
        table.error(
            "op" if layer is None else "layer",
            f"matches no step of {what}{where} (its operations: {', '.join(ops)})",
        )
        return None
    segment = found[0]
    if index is None:
        offset = segment.start
    else:
        matching = [s for s in found if len(s.shape) == len(index) and _inside(index, s.shape)]
        if not matching:
            table.error(
                "index",
                f"matches no step of {what}: {op} takes indices {_extent(segment)}, "
                f"got {list(index)}",
            )
            return None
        segment = matching[0]
        offset = segment.start + (
            int(np.ravel_multi_index(index, segment.shape)) if segment.shape else 0
        )
    first = 0 if iteration is None else position(iteration)
    return first * per + offset, segment


def _inside(index: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    return all(0 <= i < d for i, d in zip(index, shape, strict=True))


def describe_step(k: int, segment: Segment, per: int) -> str:
    """``step 17 (conv2d.backward [0,0,1,0], iteration 1)`` for messages."""
    local = k % per - segment.start
    index = np.unravel_index(local, segment.shape) if segment.shape else ()
    cell = idx(tuple(int(i) for i in index)) if segment.shape else ""
    return f"step {shown(k):,} ({segment.op.name}{cell}, iteration {shown(k // per)})"
