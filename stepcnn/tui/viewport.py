"""Which part of a grid is visible: a :class:`Window` (placed by :mod:`stepcnn.tui.layout`).

A grid too big for its panel shows a window that follows the step's cells, and beside it a
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
