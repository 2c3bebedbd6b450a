"""The operation view: every matrix panel of the current step, drawn in one Line-API widget.

One widget for all panels means stepping never triggers a Textual layout: the panels are
placed and painted here, and only lines whose content changed are refreshed.
"""

from rich.segment import Segment
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from stepcnn.present.grid import Panel
from stepcnn.timeline.step import TensorId
from stepcnn.tui.painter import (
    CHROME_H,
    Line,
    Placed,
    paint_panel,
    place_row,
    row_layout,
    wrap_spans,
)
from stepcnn.tui.palette import palette_of
from stepcnn.tui.text import Span, ground, grounded


class OperationView(Widget):
    """Two bands of panels: what the step reads (top) and what it produces (bottom)."""

    DEFAULT_CSS = """
    OperationView { height: 1fr; width: 100%; }
    """

    class CellClicked(Message):
        """A cell of a tensor was clicked."""

        def __init__(self, tensor: TensorId, cell: tuple[int, ...]) -> None:
            super().__init__()
            self.tensor = tensor
            self.cell = cell

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.panels: list[Panel] = []
        self.texts: list[tuple[list[Span], int]] = []
        self.placed: list[Placed] = []
        self._lines: list[list[Segment]] = []

    def show(self, panels: list[Panel], texts: list[tuple[list[Span], int]] | None = None) -> None:
        """Draw these panels, then the texts (spans, at most so many lines) right below them;
        refresh only the lines that changed."""
        self.panels = panels
        self.texts = texts or []
        old = self._lines
        self._paint()
        width = self.size.width
        if len(old) != len(self._lines):
            self.refresh()
            return
        for y, line in enumerate(self._lines):
            if old[y] != line:
                self.refresh(Region(0, y, width, 1))

    def _paint(self) -> None:
        width, height = self.size
        if width <= 0 or height <= 0:
            self._lines = []
            return
        texts = [wrap_spans(self.app.console, spans, width, most) for spans, most in self.texts]
        text_lines = sum(len(t) + 1 for t in texts if t)
        text_h = min(text_lines, max(height * 2 // 5, 5))
        room = height - text_h
        top = row_layout([p for p in self.panels if p.row == 0], width)
        bottom = row_layout([p for p in self.panels if p.row == 1], width)
        need_top = max((h for _, _, h in top), default=0)
        need_bottom = max((h for _, _, h in bottom), default=0)
        if need_top + need_bottom <= room:
            h_top, h_bottom = need_top, need_bottom
        else:
            h_top = max(min(need_top, room - min(need_bottom, room // 2)), min(CHROME_H + 2, room))
            h_bottom = max(room - h_top, 0)
        placed = place_row(top, 0, h_top)
        placed += place_row(bottom, h_top, h_bottom)
        lines = [Line(width) for _ in range(height)]
        palette = palette_of(self.app)
        for number, p in enumerate(placed):
            paint_panel(lines, p, palette, number)
        y = max((p.y + p.height for p in placed), default=0)
        for (spans, _), block in zip(self.texts, texts, strict=True):
            if not block:
                continue
            y += 1
            if len(block) > height - y:  # the panels left less room: cut here, marked
                block = wrap_spans(self.app.console, spans, width, height - y)
            for segments in block:
                if y >= height:
                    break
                lines[y].segments.extend(segments)
                lines[y].x = sum(len(s.text) for s in segments)
                y += 1
        self.placed = placed
        self._lines = [line.finish() for line in lines]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if (
            not self._lines
            or len(self._lines) != self.size.height
            or (self._lines and sum(len(s.text) for s in self._lines[0]) != width)
        ):
            self._paint()
        base = ground(self)  # the theme's colours where no cell has its own
        if y < len(self._lines):
            return Strip(grounded(self._lines[y], base), width)
        return Strip.blank(width, base)

    def on_resize(self, event: events.Resize) -> None:
        self._paint()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        meta = event.style.meta  # the painter puts each cell's place on its segment's style
        if "panel" not in meta or meta["panel"] >= len(self.placed):
            return
        grid = self.placed[meta["panel"]].panel.grids[meta["grid"]]
        cell = grid.cell_index(meta["row"], meta["col"])
        if grid.tensor is not None and cell is not None:
            self.post_message(self.CellClicked(grid.tensor, cell))
