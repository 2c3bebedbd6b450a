"""The shelf packer: the ways to draw one panel (its grids whole or as viewports, in rows),
and panels packed left to right into shelves that fill the room best.
"""

import math
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from stepcnn.tui.placement import (
    CHROME_H,
    CHROME_W,
    OPERAND_CELLS,
    PANEL_GAP,
    Frame,
    PanelSpec,
    Slot,
    kept,
)
from stepcnn.tui.viewport import GAP, OVERVIEW_MAX_COLS

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

    @cached_property
    def _slots(self) -> dict[tuple[int, int], tuple[Slot, ...]]:
        return {}

    def slots(self, width: int, height: int) -> tuple[Slot, ...]:
        """The grids' places in a panel of this outer size (viewports where it is too small);
        worked out once per size (a layout asks for them some ten thousand times)."""
        known = self._slots.get((width, height))
        if known is None:
            known = self._slots[(width, height)] = self._place(width, height)
        return known

    def _place(self, width: int, height: int) -> tuple[Slot, ...]:
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

    def copy(self) -> "_Item":
        """A fresh copy to pack (as ``dataclasses.replace(self)``, at a fifth of its cost:
        a layout tries some hundred packings)."""
        return _Item(
            self.panel, self.shape, self.small, self.natural, self.minimum, self.width, self.height
        )


def _pack(
    items: list[_Item], width: int, room: int, break_rows: bool, alone: int = 0
) -> list[list[_Item]] | None:
    """Shelves of the items in order (a new shelf for each band with ``break_rows``; the
    first ``alone`` items each on a shelf of its own), with their widths and heights; None if
    they do not fit."""
    shelves: list[list[_Item]] = []
    x = 0
    for n, it in enumerate(items):
        need = it.minimum[0]
        if need > width:
            if it.small or max(len(c) for c in it.shape.chunks()) > 1:
                return None  # fewer grids side by side may fit
            need = width  # one grid wider than the view at its least: a narrower viewport
        new_band = break_rows and shelves and shelves[-1][-1].shape.spec.row != it.shape.spec.row
        on_own = n < alone or n == alone  # (the one after the last alone starts a shelf)
        if not shelves or new_band or (alone and on_own) or x + PANEL_GAP + need > width:
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
    parts = [  # (worked out again only for the shelf that grows)
        _shelf_parts(shelf, h) if h < w else 1
        for shelf, h, w in zip(shelves, heights, wants, strict=True)
    ]
    while spare > 0:  # spare lines first to the shelf whose marked cells take the most parts
        most = max(range(len(shelves)), key=lambda i: parts[i])
        if parts[most] <= 1:
            break
        heights[most] += 1
        spare -= 1
        h = heights[most]
        parts[most] = _shelf_parts(shelves[most], h) if h < wants[most] else 1
    for i in range(len(shelves)):  # then to the shelves that would show more, in order
        add = min(spare, wants[i] - heights[i])
        heights[i] += add
        spare -= add
    for shelf, h in zip(shelves, heights, strict=True):
        for it in shelf:
            it.height = it.natural[1] if it.small else min(h, it.natural[1])
    return shelves


def _shelf_parts(shelf: list[_Item], height: int) -> int:
    """Parts the marked cells of a shelf's viewports take at this height."""
    return max(
        (
            _slot_parts(it.shape.spec, slot)
            for it in shelf
            if not it.small
            for slot in it.shape.slots(it.width, min(height, it.natural[1]))
        ),
        default=1,
    )


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


def frames_of(shelves: list[list[_Item]]) -> tuple[tuple[Frame, ...], int]:
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


def parts_of(specs: tuple[PanelSpec, ...], frames: tuple[Frame, ...]) -> int:
    """Pages it takes to show every cell the step marks in these viewports, a viewport's
    worth at a time (1: they all show at once)."""
    return max((_slot_parts(specs[f.panel], slot) for f in frames for slot in f.slots), default=1)


def _slot_parts(spec: PanelSpec, slot: Slot) -> int:
    """Parts a viewport takes to show every cell its grid's step marks."""
    g = spec.grids[slot.grid]
    if not g.paged:
        return 1
    rows, cols = g.region
    return math.ceil(rows / slot.rows) * math.ceil(cols / slot.cols)


def attempt(
    specs: tuple[PanelSpec, ...],
    keep: tuple[int, ...],
    start: int,
    k: int,
    width: int,
    room: int,
    demote: bool = False,
) -> tuple[tuple[int, float], list[list[_Item]]] | None:
    """The best packing of the panels ``keep`` with ``k`` channels, or None: the one that
    shows the marked cells in the fewest parts, then the most of the maps."""
    best: tuple[tuple[int, float], list[list[_Item]]] | None = None
    for per_row in _per_row_choices(k):
        items = _items(specs, keep, start, k, per_row, width, room, demote)
        small_first = sorted(items, key=lambda it: not it.small)
        orders = [(items, True, 0), (items, False, 0), (small_first, False, 0)]
        # Wide viewports for long rows of marked cells: each panel on a shelf of its own, or
        # one of them alone above the others.
        orders.append((items, False, len(items)))
        orders += [([it, *(o for o in items if o is not it)], False, 1) for it in items]
        for order, break_rows, alone in orders:
            if alone and (best is None or best[0][0] == -1):
                continue  # already every marked cell at once
            fresh = [it.copy() for it in order]
            shelves = _pack(fresh, width, room, break_rows, alone)
            if shelves is None:
                continue
            score = (
                -parts_of(specs, frames_of(shelves)[0]),
                _coverage(shelves) - 0.001 * len(shelves),
            )
            if best is None or score > (best[0][0], best[0][1] + 1e-9):
                best = (score, shelves)
    return best
