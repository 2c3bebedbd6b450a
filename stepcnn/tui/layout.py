"""Where the operation view puts its panels: small operands whole, large maps give way first.

A shelf packer. Panels are packed left to right into shelves (bands of panels one above the
other). A panel none of whose grids follows a cell — a filter, a patch's products, ``g·patch``,
a running ``dW``, ``db``, the loss's vectors — is *small*: it is always drawn whole. A panel
that follows a cell (an input map around its patch, an output map, a weight matrix around its
row) is *large*: it gets what room is left, as a viewport of whole cells that keeps the cells
being read in sight, with a compact overview of the whole map when there is room for one.

When the panels do not all fit, in this order: large maps shrink to viewports (no smaller than
the patch being read); fewer input channels are shown at a time (``t`` pages through them); the
large maps that produce the step's result are left out, then small panels; a notice line says
what is left out and how to see it.

The arrangement is a function of the panels' shapes and the size alone, and is cached; only
the viewports' offsets (which follow the step's cells) are computed per step.
"""

from functools import lru_cache

from stepcnn.present.grid import Panel
from stepcnn.tui.placement import OPERAND_CELLS, Arrangement, Frame, PanelSpec
from stepcnn.tui.shelves import attempt, frames_of
from stepcnn.tui.viewport import Window


def notices(arrangement: Arrangement, titles: list[str], hint: str) -> list[str]:
    """What is left out and how to see it (``hint``), longest wording first ([] when
    nothing is)."""
    a = arrangement
    paged = bool(a.channels) and a.channel_count < a.channels
    if not paged and not a.hidden:
        return []
    first, last = a.channel_start, a.channel_start + a.channel_count - 1
    shown = f"channel {first}" if first == last else f"channels {first}–{last}"
    names = ", ".join(titles[i] for i in a.hidden)
    brief = ", ".join(titles[i].split(" (")[0] for i in a.hidden)  # without the parentheses
    long, short, shortest = [], [], []
    if paged:
        long.append(f"{shown} of {a.channels} shown (t: next channels)")
        short.append(f"{shown} of {a.channels} (t)")
        shortest.append(f"{shown} of {a.channels} (t)")
    if a.hidden:
        long.append(f"hidden: {names} ({hint})")
        short.append(f"hidden: {names}")
        shortest.append(f"hidden: {brief}")
    return [" · ".join(long), " · ".join(short), " · ".join(shortest)]


@lru_cache(maxsize=256)
def arrange(specs: tuple[PanelSpec, ...], width: int, room: int, start: int) -> Arrangement:
    """Place the panels in ``width × room`` cells; channel paging begins at ``start``."""
    channels = max((sum(1 for g in s.grids if g.channel is not None) for s in specs), default=0)
    start = start if start < channels else 0
    everything = tuple(range(len(specs)))
    full = attempt(specs, everything, 0, channels or 1, width, room)
    if full is not None:  # every channel of every panel fits: no paging
        frames, height = frames_of(full[1])
        return Arrangement(frames, height, 0, channels, channels)
    # Something gives way: a line says what; paging from ``start`` shows at most the rest.
    # First fewer channels; then big panels meant to be whole become viewports; then panels
    # are left out, viewports first.
    room -= 1
    keep = everything
    drops = _drop_order(specs)
    for demote in (False, True):
        for k in range(max(channels - start, 1), 0, -1):
            found = attempt(specs, keep, start, k, width, room, demote)
            if found is not None:
                frames, height = frames_of(found[1])
                return Arrangement(frames, height + 1, start, k, channels)
    while drops:
        gone = drops.pop(0)
        keep = tuple(i for i in keep if i != gone)
        for k in range(max(channels - start, 1), 0, -1):
            found = attempt(specs, keep, start, k, width, room, True)
            if found is not None:
                frames, height = frames_of(found[1])
                hidden = tuple(i for i in everything if i not in keep)
                return Arrangement(frames, height + 1, start, k, channels, hidden)
    return Arrangement((), 1, start, 1, channels, everything)


def _drop_order(specs: tuple[PanelSpec, ...]) -> list[int]:
    """Which panels give way first: viewports before whole panels, optional ones first, what
    the step produces (row 1) before what it reads, the panels marking fewer cells first, then
    of optional panels the later (conv backward's filter, there for dx, before g·patch), of the
    others the earlier of a band (its last panel is what the band comes to: the new W)."""

    def large(s: PanelSpec) -> bool:  # a viewport, or too big to be whole (a long vector)
        return s.follows or any(g.rows * g.cols > OPERAND_CELLS for g in s.grids)

    def marked(s: PanelSpec) -> int:  # a viewport's cells in use (the patch: kept longest)
        return sum(g.region[0] * g.region[1] for g in s.grids) if large(s) else 0

    return sorted(
        range(len(specs)),
        key=lambda i: (
            not large(specs[i]),
            not specs[i].optional,
            specs[i].row == 0,
            marked(specs[i]),
            -i if specs[i].optional else i,
        ),
    )


# ---- per step: the viewports' offsets -----------------------------------------------------


def follow(visible: int, total: int, first: int, extent: int) -> int:
    """The first visible row (column) of a viewport that keeps cells ``first … first+extent−1``
    in sight, with a cell of margin when there is room: it stays at the start until they
    approach its far edge, then scrolls as little as it must (as when reading forward).

    A function of the cells alone, never of the previous window: a step looks the same
    however it was reached.
    """
    if visible >= total:
        return 0
    margin = 1 if visible >= extent + 2 else 0
    top = first + extent + margin - visible  # the least offset that shows the far edge
    return max(0, min(top, first - margin, total - visible))


def windows(
    panel: Panel, frame: Frame, regions: list[tuple[int, int, int, int] | None]
) -> list[Window]:
    """The frame's slots as viewports positioned for this step."""
    out = []
    for slot in frame.slots:
        grid = panel.grids[slot.grid]
        rows, cols = grid.shape
        region = regions[slot.grid]
        if region is None and grid.focus is not None:
            region = (grid.focus[0], 1, grid.focus[1], 1)
        if region is None:
            row0 = col0 = 0
        else:
            row0 = follow(slot.rows, rows, region[0], min(region[1], slot.rows))
            col0 = follow(slot.cols, cols, region[2], min(region[3], slot.cols))
        out.append(
            Window(
                slot.grid,
                slot.x,
                row0,
                col0,
                slot.rows,
                slot.cols,
                rows,
                cols,
                slot.overview_x,
                slot.overview_step,
                y=slot.y,
            )
        )
    return out
