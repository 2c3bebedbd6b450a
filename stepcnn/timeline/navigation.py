"""Moving through the timeline by blocks: row of a map, map, layer, phase, iteration.

Levels nest — every iteration boundary is a phase boundary, every phase boundary a layer
boundary, and so on — so "next map" never skips past the start of a layer.
"""

from stepcnn.timeline.timeline import Timeline

LEVELS = ("row", "map", "layer", "phase", "iteration")


def block_start(timeline: Timeline, k: int, level: str) -> int:
    """The first step of the ``level`` block that holds step ``k``."""
    iteration, si, local = timeline.position(k)
    base = iteration * timeline.per_iteration
    segments = timeline.segments
    seg = segments[si]
    if level in ("row", "map"):
        size = seg.block(level)
        return base + seg.start + (local // size) * size
    if level == "layer":
        first = si
        while first > 0 and segments[first - 1].group == seg.group:
            first -= 1
        return base + segments[first].start
    if level == "phase":
        first = si
        while first > 0 and segments[first - 1].phase == seg.phase:
            first -= 1
        return base + segments[first].start
    if level == "iteration":
        return base
    raise ValueError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")


def next_boundary(timeline: Timeline, k: int, level: str) -> int | None:
    """The first step of the next ``level`` block after the one holding ``k`` (None at the end)."""
    iteration, si, local = timeline.position(k)
    base = iteration * timeline.per_iteration
    segments = timeline.segments
    seg = segments[si]
    if level in ("row", "map"):
        size = seg.block(level)
        target = base + seg.start + min((local // size + 1) * size, seg.count)
    elif level == "layer":
        last = si
        while last + 1 < len(segments) and segments[last + 1].group == seg.group:
            last += 1
        target = base + segments[last].end
    elif level == "phase":
        last = si
        while last + 1 < len(segments) and segments[last + 1].phase == seg.phase:
            last += 1
        target = base + segments[last].end
    elif level == "iteration":
        target = base + timeline.per_iteration
    else:
        raise ValueError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")
    return target if target < len(timeline) else None


def previous_boundary(timeline: Timeline, k: int, level: str) -> int | None:
    """The start of the block holding ``k``, or of the block before if ``k`` is a start."""
    start = block_start(timeline, k, level)
    if start < k:
        return start
    if k == 0:
        return None
    return block_start(timeline, k - 1, level)
