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

import math
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import numpy as np

from stepcnn.present.cells import Mark
from stepcnn.present.grid import Grid, Panel
from stepcnn.tui.viewport import GAP, OVERVIEW_MAX_COLS, Window

CHROME_W = 4  # "│ " + " │"
CHROME_H = 2  # top and bottom border
PANEL_GAP = 1  # columns between panels side by side
MIN_VISIBLE = 3  # rows / columns a viewport keeps at least (when the map has them)
MAX_KEEP = 8  # marked rows / columns a viewport must keep in sight at most (a patch is less)
OPERAND_CELLS = 64  # a grid up to this size is an operand shown whole (a filter, a patch)
REGION_CELLS = 20_000  # grids up to this size are searched for the cells the step marks


def kept(extent: int) -> int:
    """Rows (columns) a viewport keeps in sight at least for ``extent`` marked ones: all of a
    patch; of more than MAX_KEEP (a whole 400-long vector read), which cannot all stay in
    sight anyway, a few."""
    return max(extent if extent <= MAX_KEEP else MIN_VISIBLE, MIN_VISIBLE)


# ---- what the layout knows of a panel (hashable: the cache key) -------------------------


@dataclass(frozen=True)
class GridSpec:
    rows: int
    cols: int
    channel: int | None
    label: int  # the shortest width its label may take (its first word, a scaled one's factor)
    region: tuple[int, int]  # rows, cols of the cells the step marks (what must stay in sight)


@dataclass(frozen=True)
class PanelSpec:
    title: int
    cell: int
    grids: tuple[GridSpec, ...]
    follows: bool  # a grid follows a cell: the panel may become a viewport
    row: int
    optional: bool
    caption: int = 0  # the caption's length (a running sum's "before + g = after")
    labels: tuple[int, ...] = ()  # each grid's whole label with its factor (a whole grid's)


def marked_region(grid: Grid) -> tuple[int, int, int, int] | None:
    """``(row0, rows, col0, cols)``: the bounding box of the cells the step reads or writes
    (None: none marked, or the grid is too big to search every step)."""
    rows, cols = grid.shape
    if rows * cols > REGION_CELLS:
        return None
    hot = grid.mark >= Mark.READ
    r = np.flatnonzero(hot.any(axis=1))
    if r.size == 0:
        return None
    c = np.flatnonzero(hot.any(axis=0))
    return int(r[0]), int(r[-1] - r[0] + 1), int(c[0]), int(c[-1] - c[0] + 1)


def spec_of(panel: Panel, regions: list[tuple[int, int, int, int] | None]) -> PanelSpec:
    grids = []
    for g, region in zip(panel.grids, regions, strict=True):
        rows, cols = g.shape
        extent = (1, 1) if region is None else (region[1], region[3])
        factor = g.fmt.factor if g.tie_names is None else ""
        name = " ".join(t for t in (g.label.split(" ")[0], factor) if t)
        grids.append(GridSpec(rows, cols, g.channel, len(name), extent))
    labels = tuple(
        len(" ".join(t for t in (g.label, g.fmt.factor if g.tie_names is None else "") if t))
        for g in panel.grids
    )
    follows = any(g.focus is not None for g in panel.grids)
    return PanelSpec(
        len(panel.title),
        panel.cell_width,
        tuple(grids),
        follows,
        panel.row,
        panel.optional,
        len(panel.caption),
        labels,
    )


# ---- the result -----------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """Where one grid goes inside its panel (label line at ``y``), and how much of it shows."""

    grid: int
    x: int
    y: int
    rows: int
    cols: int
    overview_x: int | None = None
    overview_step: int = 1


@dataclass(frozen=True)
class Frame:
    panel: int
    x: int
    y: int
    width: int
    height: int
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Arrangement:
    frames: tuple[Frame, ...]
    height: int  # lines the panels take (with the notice line, when something is left out)
    channel_start: int
    channel_count: int  # channels shown per page
    channels: int  # channels in all (0: no panel has several)
    hidden: tuple[int, ...] = ()  # panels left out

    @property
    def next_channel_start(self) -> int:
        if not self.channels:
            return 0
        start = self.channel_start + self.channel_count
        return start if start < self.channels else 0


# ---- arranging the grids inside one panel ------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One way to draw a panel: its grids in rows of grids, whole or as viewports."""

    spec: PanelSpec
    grids: tuple[int, ...]  # indices of the grids shown
    per_row: int

    @cached_property
    def _chunks(self) -> list[tuple[int, ...]]:
        g, p = self.grids, max(self.per_row, 1)
        return [g[i : i + p] for i in range(0, len(g), p)]

    def chunks(self) -> list[tuple[int, ...]]:
        return self._chunks

    def _slot_width(self, i: int, cols: int, whole: bool = True) -> int:
        """Columns grid ``i`` takes showing ``cols`` columns: its whole label when it is
        whole, its name (and factor) when it is a viewport at its least."""
        s = self.spec
        label = s.labels[i] if whole and s.labels else s.grids[i].label
        return max(cols * s.cell, label)

    def natural(self) -> tuple[int, int]:
        """Outer width and height showing every cell."""
        return self._natural

    @cached_property
    def _natural(self) -> tuple[int, int]:
        s = self.spec
        width = 0
        height = 0
        for chunk in self.chunks():
            w = sum(self._slot_width(i, s.grids[i].cols) for i in chunk) + GAP * (len(chunk) - 1)
            width = max(width, w)
            height += 1 + max(s.grids[i].rows for i in chunk)
        height += len(self.chunks()) - 1
        title = min(s.title, 40) + 2  # the title and a rule either side
        caption = min(s.caption, 60) + 2
        return max(width, title, caption) + CHROME_W, height + CHROME_H

    def minimum(self) -> tuple[int, int]:
        """The smallest viewports: the marked cells in sight (at least a few cells)."""
        return self._minimum

    @cached_property
    def _minimum(self) -> tuple[int, int]:
        s = self.spec
        chunks = self.chunks()
        slot = 0
        rows = 0
        for i in self.grids:
            g = s.grids[i]
            cols = min(g.cols, kept(g.region[1]))
            slot = max(slot, self._slot_width(i, cols, whole=cols >= g.cols))
            rows = max(rows, min(g.rows, kept(g.region[0])))
        p = max(len(c) for c in chunks)
        width = p * slot + GAP * (p - 1)
        height = len(chunks) * (rows + 1) + len(chunks) - 1
        return width + CHROME_W, height + CHROME_H

    def slots(self, width: int, height: int) -> tuple[Slot, ...]:
        """The grids' places in a panel of this outer size (viewports where it is too small)."""
        s = self.spec
        inner_w, inner_h = width - CHROME_W, height - CHROME_H
        natural_w, natural_h = self.natural()
        chunks = self.chunks()
        if natural_w <= width and natural_h <= height:
            out = []
            y = 0
            for chunk in chunks:
                x = 0
                for i in chunk:
                    g = s.grids[i]
                    out.append(Slot(i, x, y, g.rows, g.cols))
                    x += self._slot_width(i, g.cols) + GAP
                y += 2 + max(s.grids[i].rows for i in chunk)
            return tuple(out)
        band = max((inner_h - (len(chunks) - 1)) // len(chunks), 2)
        out = []
        y = 0
        for chunk in chunks:
            share = (inner_w - GAP * (len(chunk) - 1)) // len(chunk)
            x = 0
            for i in chunk:
                g = s.grids[i]
                vis_rows = max(min(g.rows, band - 1), 1)
                vis_cols = max(min(g.cols, share // s.cell), 1)
                overview_x = None
                step = 1
                if vis_rows < g.rows or vis_cols < g.cols:
                    step = max(
                        math.ceil(g.cols / OVERVIEW_MAX_COLS), math.ceil(g.rows / (2 * vis_rows)), 1
                    )
                    ov_cols = math.ceil(g.cols / step)
                    keep = min(g.cols, kept(g.region[1]))
                    fit = (share - ov_cols - 1) // s.cell
                    if fit >= keep and math.ceil(g.rows / step) <= 2 * vis_rows:
                        vis_cols = min(g.cols, fit)
                        overview_x = x + vis_cols * s.cell + 1
                out.append(Slot(i, x, y, vis_rows, vis_cols, overview_x, step))
                x += share + GAP
            y += band + 1
        return tuple(out)


# ---- packing panels into shelves -----------------------------------------------------------


@dataclass
class _Item:
    panel: int
    shape: Shape
    small: bool
    natural: tuple[int, int]
    minimum: tuple[int, int]
    width: int = 0
    height: int = 0


def _pack(items: list[_Item], width: int, room: int, break_rows: bool) -> list[list[_Item]] | None:
    shelves: list[list[_Item]] = []
    x = 0
    for it in items:
        need = it.minimum[0]
        if need > width:
            if it.small or max(len(c) for c in it.shape.chunks()) > 1:
                return None  # fewer grids side by side may fit
            need = width  # one grid wider than the view at its least: a narrower viewport
        new_band = break_rows and shelves and shelves[-1][-1].shape.spec.row != it.shape.spec.row
        if not shelves or new_band or x + PANEL_GAP + need > width:
            shelves.append([])
            x = -PANEL_GAP
        shelves[-1].append(it)
        x += PANEL_GAP + need
        it.width = need
    least = [max(it.minimum[1] for it in shelf) for shelf in shelves]
    if sum(least) > room:
        return None
    for shelf in shelves:  # spare columns to the viewports that would show more
        spare = width - (sum(it.width for it in shelf) + PANEL_GAP * (len(shelf) - 1))
        wanting = [it for it in shelf if it.natural[0] > it.width]
        while spare > 0 and wanting:
            each = max(spare // len(wanting), 1)
            for it in list(wanting):
                add = min(each, it.natural[0] - it.width, spare)
                it.width += add
                spare -= add
                if it.width >= it.natural[0]:
                    wanting.remove(it)
                if spare <= 0:
                    break
    wants = [max(min(it.natural[1], room) for it in shelf) for shelf in shelves]
    heights = list(least)
    spare = room - sum(heights)
    for i in range(len(shelves)):  # spare lines to the shelves that would show more, in order
        add = min(spare, wants[i] - heights[i])
        heights[i] += add
        spare -= add
    for shelf, h in zip(shelves, heights, strict=True):
        for it in shelf:
            it.height = it.natural[1] if it.small else min(h, it.natural[1])
    return shelves


def _coverage(shelves: list[list[_Item]]) -> float:
    """How much of the viewports' maps shows (1 per map shown whole)."""
    total = 0.0
    for shelf in shelves:
        for it in shelf:
            if not it.small:
                nw, nh = it.natural
                w = (it.width - CHROME_W) / max(nw - CHROME_W, 1)
                h = (it.height - CHROME_H) / max(nh - CHROME_H, 1)
                total += min(w, 1.0) * min(h, 1.0)
    return total


def _per_row_choices(k: int) -> list[int]:
    return sorted({k, math.ceil(k / 2), 1}, reverse=True)


@lru_cache(maxsize=4096)
def _shape(spec: PanelSpec, start: int, k: int, per_row: int) -> Shape:
    chosen = tuple(
        i for i, g in enumerate(spec.grids) if g.channel is None or start <= g.channel < start + k
    )
    paged = any(spec.grids[i].channel is not None for i in chosen)
    return Shape(spec, chosen, per_row if paged else len(chosen))


def _fits_alone(shape: Shape, width: int, room: int) -> bool:
    w, h = shape.natural()
    return w <= width and h <= room


def _items(
    specs: tuple[PanelSpec, ...],
    keep: tuple[int, ...],
    start: int,
    k: int,
    per_row: int,
    width: int,
    room: int,
    demote: bool = False,
) -> list[_Item]:
    items = []
    for i in keep:
        spec = specs[i]
        shape = _shape(spec, start, k, per_row)
        if not shape.grids:
            continue
        natural = shape.natural()
        if not spec.follows and natural[0] > width:
            # a row of grids too wide: wrap it before giving up on the panel being whole
            narrow = replace(shape, per_row=1)
            if narrow.natural()[0] <= width:
                shape, natural = narrow, narrow.natural()
        small = not spec.follows and _fits_alone(shape, width, room)
        if demote and any(
            spec.grids[i].rows * spec.grids[i].cols > OPERAND_CELLS for i in shape.grids
        ):
            small = False  # a long vector or a big matrix: a viewport rather than left out
        minimum = natural if small else shape.minimum()
        items.append(_Item(i, shape, small, natural, minimum))
    return items


def _frames(shelves: list[list[_Item]]) -> tuple[tuple[Frame, ...], int]:
    frames = []
    y = 0
    for shelf in shelves:
        x = 0
        for it in shelf:
            frames.append(
                Frame(it.panel, x, y, it.width, it.height, it.shape.slots(it.width, it.height))
            )
            x += it.width + PANEL_GAP
        y += max(it.height for it in shelf)
    return tuple(frames), y


def _attempt(
    specs: tuple[PanelSpec, ...],
    keep: tuple[int, ...],
    start: int,
    k: int,
    width: int,
    room: int,
    demote: bool = False,
) -> tuple[float, list[list[_Item]]] | None:
    """The best packing of the panels ``keep`` with ``k`` channels, or None."""
    best: tuple[float, list[list[_Item]]] | None = None
    for per_row in _per_row_choices(k):
        items = _items(specs, keep, start, k, per_row, width, room, demote)
        small_first = sorted(items, key=lambda it: not it.small)
        for order, break_rows in ((items, True), (items, False), (small_first, False)):
            fresh = [replace(it) for it in order]
            shelves = _pack(fresh, width, room, break_rows)
            if shelves is None:
                continue
            score = _coverage(shelves) - 0.001 * len(shelves)
            if best is None or score > best[0] + 1e-9:
                best = (score, shelves)
    return best


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
    full = _attempt(specs, everything, 0, channels or 1, width, room)
    if full is not None:  # every channel of every panel fits: no paging
        frames, height = _frames(full[1])
        return Arrangement(frames, height, 0, channels, channels)
    # Something gives way: a line says what; paging from ``start`` shows at most the rest.
    # First fewer channels; then big panels meant to be whole become viewports; then panels
    # are left out, viewports first.
    room -= 1
    keep = everything
    drops = _drop_order(specs)
    for demote in (False, True):
        for k in range(max(channels - start, 1), 0, -1):
            found = _attempt(specs, keep, start, k, width, room, demote)
            if found is not None:
                frames, height = _frames(found[1])
                return Arrangement(frames, height + 1, start, k, channels)
    while drops:
        gone = drops.pop(0)
        keep = tuple(i for i in keep if i != gone)
        for k in range(max(channels - start, 1), 0, -1):
            found = _attempt(specs, keep, start, k, width, room, True)
            if found is not None:
                frames, height = _frames(found[1])
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
