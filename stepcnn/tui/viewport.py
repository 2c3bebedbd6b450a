"""Where each grid of a panel goes, and which part of it is visible (pure geometry).

A grid too big for the panel shows a window that follows its focus cell, and beside it a
compact overview of the whole map (one character per block of cells) with the window marked.
"""

import math
from dataclasses import dataclass

GAP = 2
OVERVIEW_MAX_COLS = 12


@dataclass(frozen=True)
class Window:
    grid: int
    x: int  # first column of the grid on the panel
    row0: int  # first visible row / column of the grid
    col0: int
    rows: int  # visible rows / columns
    cols: int
    total_rows: int
    total_cols: int
    overview_x: int | None = None  # where the overview starts (None: no overview)
    overview_step: int = 1  # cells per overview character (columns) and half-character (rows)
    y: int = 0  # the line of the grid's label (grids stacked in several rows start lower)

    @property
    def windowed(self) -> bool:
        return self.rows < self.total_rows or self.cols < self.total_cols

    @property
    def overview_cols(self) -> int:
        return math.ceil(self.total_cols / self.overview_step)


def stack(shapes: list[tuple[int, int]], cell: int, width: int) -> list[list[int]] | None:
    """Grids packed left to right into as few rows as ``width`` allows (None: a grid alone
    is wider than ``width``, or everything fits in one row anyway)."""
    if len(shapes) < 2 or natural_width(shapes, cell) <= width:
        return None
    rows: list[list[int]] = [[]]
    used = 0
    for i, (_, cols) in enumerate(shapes):
        w = cols * cell
        if w > width:
            return None
        if rows[-1] and used + GAP + w > width:
            rows.append([])
            used = 0
        used += w if not rows[-1] else GAP + w
        rows[-1].append(i)
    return rows


def stacked_height(shapes: list[tuple[int, int]], cell: int, width: int) -> int | None:
    """Lines needed to show every grid whole by stacking rows of grids (None: not possible)."""
    rows = stack(shapes, cell, width)
    if rows is None:
        return None
    heights = [1 + max(shapes[i][0] for i in row) for row in rows]
    return sum(heights) + len(rows) - 1


def natural_width(shapes: list[tuple[int, int]], cell: int) -> int:
    return sum(cols * cell for _, cols in shapes) + GAP * max(len(shapes) - 1, 0)


def _follow(visible: int, total: int, focus: int | None) -> int:
    """The first visible row (column) for a focus: a page at a time, a cell of margin kept.

    A function of the focus alone, never of the previous window: otherwise a step would look
    different depending on the way it was reached (N steps forward then N back would not
    restore the screen). Pages still keep the window still while the focus walks across it.
    """
    if visible >= total or focus is None:
        return 0
    margin = 1 if visible >= 4 else 0
    page = visible - 2 * margin
    return max(0, min((focus - margin) // page * page, total - visible))


def plan(
    shapes: list[tuple[int, int]],
    cell: int,
    width: int,
    height: int,
    focus: list[tuple[int, int] | None],
) -> list[Window]:
    """Lay out grids of ``shapes`` (rows, cols) side by side in ``width × height`` cells
    (one line of labels, then the rows)."""
    if not shapes or width <= 0 or height <= 1:
        return []
    packed = stack(shapes, cell, width)
    needed = stacked_height(shapes, cell, width)
    if packed is not None and needed is not None and needed <= height:
        windows = []
        y = 0
        for row in packed:
            x = 0
            for i in row:
                rows, cols = shapes[i]
                windows.append(Window(i, x, 0, 0, rows, cols, rows, cols, y=y))
                x += cols * cell + GAP
            y += 2 + max(shapes[i][0] for i in row)
        return windows
    rows_space = height - 1
    natural = [cols * cell for _, cols in shapes]
    if len(shapes) > 1 and natural_width(shapes, cell) > width:
        # Show as many whole grids as fit rather than slivers of every one.
        fit = 0
        while fit < len(shapes) and natural_width(shapes[: fit + 1], cell) <= width:
            fit += 1
        keep = max(fit, 1)  # at worst one grid, windowed
        return plan(shapes[:keep], cell, width, height, focus[:keep])
    room = max(width - GAP * (len(shapes) - 1), len(shapes))
    if sum(natural) <= room:
        shares = natural
    else:
        # at least two cells when they fit, never more than the room
        shares = [max(min(cell * 2, room), room * n // sum(natural)) for n in natural]
    windows = []
    x = 0
    for i, ((rows, cols), share) in enumerate(zip(shapes, shares, strict=True)):
        vis_rows = min(rows, rows_space)
        vis_cols = min(cols, max(1, share // cell))
        overview_x = None
        step = 1
        if vis_rows < rows or vis_cols < cols:
            step = max(math.ceil(cols / OVERVIEW_MAX_COLS), math.ceil(rows / (2 * rows_space)), 1)
            ov_cols = math.ceil(cols / step)
            fit = (share - ov_cols - 1) // cell
            if fit >= 2:
                vis_cols = min(cols, fit)
                overview_x = x + vis_cols * cell + 1
        f = focus[i] if i < len(focus) else None
        row0 = _follow(vis_rows, rows, f[0] if f else None)
        col0 = _follow(vis_cols, cols, f[1] if f else None)
        windows.append(Window(i, x, row0, col0, vis_rows, vis_cols, rows, cols, overview_x, step))
        x += share + GAP
    return windows
