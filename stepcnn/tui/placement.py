"""What the layout knows of a panel (its grids' shapes, hashable: the cache key) and what it
gives back: frames of panels and slots of grids. The packing itself is :mod:`.shelves`, the
choices of what gives way :mod:`.layout`.
"""

from dataclasses import dataclass

import numpy as np

from stepcnn.present.cells import Mark
from stepcnn.present.grid import Grid, Panel

CHROME_W = 4  # "│ " + " │"
CHROME_H = 2  # top and bottom border
PANEL_GAP = 1  # columns between panels side by side
MIN_VISIBLE = 3  # rows / columns a viewport keeps at least (when the map has them)
MAX_KEEP = 8  # marked rows / columns a viewport must keep in sight at most (a patch is less)
OPERAND_CELLS = 64  # a grid up to this size is an operand shown whole (a filter, a patch)
REGION_CELLS = 200_000  # grids up to this size are searched for the cells the step marks


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
    paged: bool = True  # numbers whose region must all be seen: paged when it does not fit


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


def marked_region(grid: Grid, operand: bool = False) -> tuple[int, int, int, int] | None:
    """``(row0, rows, col0, cols)``: the bounding box of the cells the step reads or writes
    (None: none marked, or the grid is too big to search every step). The grid of an
    ``operand`` panel (one that follows no cell: the filter, ``patch ⊙ W``, a vector of
    products) with no cell marked is the step's operand as a whole: all its numbers (a row of
    a conv layer's ``M``: its connections, not the structural zeros)."""
    rows, cols = grid.shape
    if rows * cols > REGION_CELLS:
        return None
    hot = grid.mark >= Mark.READ
    if operand and grid.tie_names is None and not hot.any():
        hot = np.ones(grid.shape, dtype=bool) if grid.ties is None else grid.ties >= 0
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
        grids.append(GridSpec(rows, cols, g.channel, len(name), extent, g.tie_names is None))
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
    """One page of the panels: where each goes, and what the other pages show."""

    frames: tuple[Frame, ...]
    height: int  # lines the panels take (with the notice line, when there are pages)
    channel_start: int
    channel_count: int  # channels shown on this page
    channels: int  # channels in all (0: no panel has several)
    hidden: tuple[int, ...] = ()  # panels too big for the view even alone (said so)
    page: int = 0  # this page, of ``pages`` (``t`` turns them)
    pages: int = 1
    others: tuple[tuple[int, int, tuple[int, ...]], ...] = ()  # (first, last page, panels)
    part: int = 0  # which part of the cells too many for their viewports, of ``parts``
    parts: int = 1

    @property
    def next_page(self) -> int:
        return (self.page + 1) % self.pages
