"""Painting one matrix panel into lines of segments: a rounded box, a title, grids of cells.

Pure drawing: given a Panel (from the presenter) placed with its grids' windows (by
:mod:`stepcnn.tui.layout`), produce the lines; a windowed grid has a compact overview beside it.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from stepcnn.present.grid import Grid, Panel
from stepcnn.tui.palette import Palette, theme_palette
from stepcnn.tui.placement import CHROME_H, CHROME_W
from stepcnn.tui.viewport import GAP, Window


class Line:
    """A line being assembled left to right, with blank gaps filled in."""

    __slots__ = ("segments", "width", "x")

    def __init__(self, width: int) -> None:
        self.segments: list[Segment] = []
        self.x = 0
        self.width = width

    def put(self, x: int, text: str, style: Style | None = None) -> None:
        if x >= self.width:
            return
        if x > self.x:
            self.segments.append(Segment(" " * (x - self.x)))
            self.x = x
        elif x < self.x:
            return  # overlapping draw: keep what is there
        text = text[: self.width - self.x]
        if text:
            self.segments.append(Segment(text, style))
            self.x += len(text)

    def put_cells(self, x: int, cells: list[Segment], width: int) -> None:
        """Segments of known total ``width`` at ``x`` (cut at the line's end)."""
        if x < self.x or x >= self.width:
            return
        if x + width > self.width:
            self.put(x, "".join(s.text for s in cells)[: self.width - x])
            return
        if x > self.x:
            self.segments.append(Segment(" " * (x - self.x)))
        self.segments.extend(cells)
        self.x = x + width

    def finish(self) -> list[Segment]:
        if self.x < self.width:
            self.segments.append(Segment(" " * (self.width - self.x)))
            self.x = self.width
        return self.segments


@dataclass
class Placed:
    """A panel placed on the operation view, with its grids' windows (for clicks)."""

    panel: Panel
    x: int
    y: int
    width: int
    height: int
    windows: list[Window]

    def cell_at(self, x: int, y: int) -> tuple[int, int, int] | None:
        """``(grid, row, column)`` of the cell :func:`paint_panel` draws at column ``x`` of
        line ``y`` of the view (None: a border, a label, a blank, an overview, a cell cut at
        the panel's edge)."""
        cw = self.panel.cell_width
        inner_w, inner_h = self.width - CHROME_W, self.height - CHROME_H
        gx, gy = x - self.x - 2, y - self.y - 1  # past the border, the padding, the title
        if self.width < 5 or self.height < 3 or not (0 <= gx < inner_w and 0 <= gy < inner_h):
            return None
        for win in self.windows:
            r, dx = gy - win.y - 1, gx - win.x
            drawn = win.x + win.cols * cw <= inner_w  # else cut at the edge: text alone
            if drawn and 0 <= r < win.rows and 0 <= dx < win.cols * cw:
                return win.grid, win.row0 + r, win.col0 + dx // cw
        return None


def fit_words(text: str, room: int) -> str:
    """``text`` if it fits ``room`` columns, else as many whole words as fit, then "…"
    (never a word cut in two; "" if not even the first word fits)."""
    if len(text) <= room:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        kept = " ".join(words).rstrip()
        if kept.count("(") > kept.count(")"):
            continue  # no bracket left open
        if len(kept) + 2 <= room:
            return kept + " …"
    return ""


def grid_label(label: str, win: Window, room: int) -> str:
    """A grid's label with its window's rows and columns, shortened to ``room`` columns:
    first the totals go, then the range, then the words after the name; never mid-token."""
    if not win.windowed:
        return fit_words(label, room)
    rows = win.rows < win.total_rows
    cols = win.cols < win.total_cols
    r = f"r{win.row0}–{win.row0 + win.rows - 1}" if rows else ""
    c = f"c{win.col0}–{win.col0 + win.cols - 1}" if cols else ""
    rt = f"{r}/{win.total_rows}" if rows else ""
    ct = f"{c}/{win.total_cols}" if cols else ""
    name = label.split(" ")[0]
    for variant in (
        " ".join(t for t in (label, rt, ct) if t),
        " ".join(t for t in (label, r, c) if t),
        " ".join(t for t in (name, r, c) if t),
        f"{name} …",  # a window, its rows and columns left unsaid
    ):
        if len(variant) <= room:
            return variant
    return fit_words(label, room)


def paint_panel(
    lines: list[Line], placed: Placed, palette: Palette | None = None, number: int = 0
) -> None:
    """Draw ``placed`` (panel ``number`` of the view) into ``lines`` (which cover the whole
    view) in ``palette``'s colours (the app's theme's; textual-dark's if none is given)."""
    palette = palette or theme_palette()
    p, x0, y0, w, h = placed.panel, placed.x, placed.y, placed.width, placed.height
    BORDER, TITLE, LABEL = palette.border, palette.title, palette.label
    if w < 5 or h < 3:
        return
    title = fit_words(p.title, w - 6)
    title = f" {title} " if title else ""
    lines[y0].put(x0, "╭─", BORDER)
    lines[y0].put(x0 + 2, title, TITLE)
    lines[y0].put(x0 + 2 + len(title), "─" * (w - 3 - len(title)) + "╮", BORDER)
    inner_w, inner_h = w - CHROME_W, h - CHROME_H
    for dy in range(1, h - 1):
        lines[y0 + dy].put(x0, "│", BORDER)
    caption = p.caption
    if len(caption) > w - 6 and p.short_caption:
        caption = p.short_caption
    caption = fit_words(caption, w - 6) if caption else ""
    caption = f" {caption} " if caption else ""
    bottom = "╰─" + caption + "─" * (w - 3 - len(caption)) + "╯"
    cw = p.cell_width
    grid_lines = [Line(inner_w) for _ in range(inner_h)]
    for win in placed.windows:
        grid = p.grids[win.grid]
        later = [w.x for w in placed.windows if w.x > win.x and w.y == win.y]
        span = (min(later) - GAP if later else inner_w) - win.x  # labels never run into one
        earlier = [w.x for w in placed.windows if w.x < win.x and w.y == win.y]
        # A scaled matrix's factor is never left out: without it every number is misread.
        factor = grid.fmt.factor if grid.tie_names is None else ""
        if earlier and not later:  # the last of a row: as much room as the one before it,
            # and at least its name and factor (the room the layout gave it)
            least = len(" ".join(t for t in (grid.label.split(" ")[0], factor) if t))
            span = min(span, max(win.x - max(earlier) - GAP, least))
        label = grid_label(grid.label, win, span - len(factor) - 1) if factor else ""
        label = f"{label} {factor}".lstrip() if factor else grid_label(grid.label, win, span)
        grid_lines[win.y].put(win.x, label, LABEL)
        for r, cells in enumerate(window_rows(grid, win, cw, palette)):
            grid_lines[win.y + 1 + r].put_cells(win.x, cells, win.cols * cw)
        if win.overview_x is not None:
            _overview(grid_lines, win, grid.overview(win.overview_step), palette)
    for dy, gl in enumerate(grid_lines):
        line = lines[y0 + 1 + dy]
        line.put(x0 + 2, "")  # the padding column
        for seg in gl.finish():
            line.segments.append(seg)
        line.x = x0 + 2 + inner_w
        line.put(x0 + w - 1, "│", BORDER)
    lines[y0 + h - 1].put(x0, bottom, BORDER)


_ROWS: dict[tuple[object, ...], list[list[Segment]]] = {}
ROWS_CACHED = 1024
"""Windows of cells drawn recently, by content: a grid that did not change since the last
step (a filter, most of a map) is not formatted again, wherever it is drawn."""


def window_rows(grid: Grid, win: Window, cw: int, palette: Palette) -> list[list[Segment]]:
    """The segments of each visible row of ``grid`` in ``win``, ``cw`` columns a cell."""
    rows = slice(win.row0, win.row0 + win.rows)
    cols = slice(win.col0, win.col0 + win.cols)
    key: tuple[object, ...] | None = None
    if grid.ties is None:
        key = (
            id(palette),
            cw,
            grid.fmt,
            win.rows,
            win.cols,
            grid.values[rows, cols].tobytes(),
            grid.tone[rows, cols].tobytes(),
            grid.mark[rows, cols].tobytes(),
            None if grid.known is None else grid.known[rows, cols].tobytes(),
            None if grid.wrap is None else (grid.wrap, grid.size, win.row0, win.col0),
        )
        cached = _ROWS.get(key)
        if cached is not None:
            return cached
    texts = grid.text_block(rows, cols).tolist()
    tones = grid.tone[rows, cols].tolist()
    marks = grid.mark[rows, cols].tolist()
    drawn = [_row_segments(texts[r], tones[r], marks[r], cw, palette) for r in range(win.rows)]
    if key is not None:
        if len(_ROWS) >= ROWS_CACHED:
            _ROWS.clear()
        _ROWS[key] = drawn
    return drawn


def _row_segments(
    texts: list[str], tones: list[int], marks: list[int], cw: int, palette: Palette
) -> list[Segment]:
    """One row of cells, one segment each. A cell's style carries an invisible mark, even or
    odd by its place in the row, so that nothing that joins segments of one style (Textual's
    SVG export) runs a cell into its neighbour or into the blank beside it; a click finds its
    cell from the geometry (:meth:`Placed.cell_at`), not from the segment."""
    return [
        Segment(text.rjust(cw), _marked(palette.cell(tone, mark))[i & 1])
        for i, (text, tone, mark) in enumerate(zip(texts, tones, marks, strict=True))
    ]


_EVEN_ODD = (Style.from_meta({"cell": 0}), Style.from_meta({"cell": 1}))


@lru_cache(maxsize=1024)
def _marked(style: Style) -> tuple[Style, Style]:
    """``style`` for the even and for the odd cells of a row: two styles a cell style (a few
    dozen in all, where a cell's place as meta made one each: so few that the style caches of
    Rich and Textual keep them)."""
    return style + _EVEN_ODD[0], style + _EVEN_ODD[1]


Run = tuple[int, int, str, Style | None]
"""(line, column, text, style): characters of one style."""

_OVERVIEWS: dict[tuple[object, ...], list[Run]] = {}
"""Overviews drawn recently, by content: a map's overview changes only when its tones do or
the viewport moves, not at every step."""


def _overview(grid_lines: list[Line], win: Window, blocks: np.ndarray, palette: Palette) -> None:
    """Half-block characters, one per block of cells (``blocks``: one tone per block): top
    block as foreground, bottom as background; outside the visible window dimmed."""
    key = (id(palette), win, blocks.shape, np.ascontiguousarray(blocks).tobytes())
    runs = _OVERVIEWS.get(key)
    if runs is None:
        if len(_OVERVIEWS) >= ROWS_CACHED:
            _OVERVIEWS.clear()
        runs = _OVERVIEWS[key] = _overview_runs(win, blocks, palette)
    for y, x, text, style in runs:
        if y >= len(grid_lines):
            break
        grid_lines[y].put(x, text, style)


def _overview_runs(win: Window, blocks: np.ndarray, palette: Palette) -> list[Run]:
    """The overview as runs of one style: (line, column, text, style)."""
    assert win.overview_x is not None
    step = win.overview_step
    rows = range(0, win.total_rows, step)
    cols = range(0, win.total_cols, step)
    runs: list[Run] = []
    for oy in range(0, len(rows), 2):
        y = win.y + 1 + oy // 2
        inside_rows = win.row0 <= rows[oy] < win.row0 + win.rows
        run_x, run_style, run_len = win.overview_x, None, 0
        for ox, c in enumerate(cols):
            top = int(blocks[oy, ox])
            bottom = int(blocks[oy + 1, ox]) if oy + 1 < len(rows) else 0
            inside = inside_rows and win.col0 <= c < win.col0 + win.cols
            style = palette.overview(top, bottom, inside)
            if style is not run_style and run_len:
                runs.append((y, run_x, "▀" * run_len, run_style))
                run_x, run_len = win.overview_x + ox, 0
            run_style = style
            run_len += 1
        if run_len:
            runs.append((y, run_x, "▀" * run_len, run_style))
    return runs


MORE = " … (i)"
"""Ends a text that does not fit; ``i`` (about this step) shows it whole."""


def wrap_spans(
    console: Console, spans: list[tuple[str, Style | str]], width: int, most: int
) -> list[list[Segment]]:
    """Styled text word-wrapped to ``width``, at most ``most`` lines; text cut there ends with
    :data:`MORE` (``i`` shows the whole text)."""
    text = Text()
    for chunk, style in spans:
        text.append(chunk, style)
    if not text.plain.strip() or width < 4:
        return []
    wrapped = text.wrap(console, width - 1)
    lines = [list(line.render(console)) for line in wrapped]
    if len(lines) > most:
        if most < 1:
            return []
        # The last line kept gives way to the mark, at a word boundary.
        last = wrapped[most - 1].copy()
        limit = max(width - 1 - len(MORE), 1)
        if len(last) > limit:
            cut = last.plain.rfind(" ", 0, limit + 1)
            last.truncate(cut if cut > 0 else limit)
        last.rstrip()
        lines = [list(line.render(console)) for line in [*wrapped[: most - 1], last]]
        lines[-1] = [*lines[-1], Segment(MORE)]
    return [[seg for seg in line if seg.text] for line in lines]
