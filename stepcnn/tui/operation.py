"""The operation view: every matrix panel of the current step, drawn in one Line-API widget.

One widget for all panels means stepping never triggers a Textual layout: the panels are
placed and painted here, and only lines whose content changed are refreshed.
"""

from collections.abc import Sequence
from typing import NamedTuple

from rich.segment import Segment
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from stepcnn.present.grid import Panel
from stepcnn.timeline.step import TensorId
from stepcnn.tui.layout import arrange, notices, plan, windows
from stepcnn.tui.painter import Line, Placed, fit_words, paint_panel, wrap_spans
from stepcnn.tui.palette import palette_of
from stepcnn.tui.placement import Arrangement, PanelSpec, marked_region, spec_of
from stepcnn.tui.text import Span, ground, grounded

EQUATION_LINES = 2
"""Lines the equation keeps however little room the panels leave (the main screen's choice;
the narration keeps one, cut there, marked "… (i)")."""


Regions = list[list[tuple[int, int, int, int] | None]]


class CellPlace(NamedTuple):
    """Where a drawn cell is: panel ``panel`` of the view, its grid ``grid``, row, column."""

    panel: int
    grid: int
    row: int
    col: int


def specs_of(panels: Sequence[Panel]) -> tuple[tuple[PanelSpec, ...], Regions]:
    """What the layout needs to know of the panels, and the cells each grid's step marks."""
    regions = [
        [marked_region(g, all(h.focus is None for h in p.grids)) for g in p.grids] for p in panels
    ]
    return tuple(spec_of(p, r) for p, r in zip(panels, regions, strict=True)), regions


def placed_of(panels: Sequence[Panel], arrangement: Arrangement, regions: Regions) -> list[Placed]:
    """The arranged panels with their grids' viewports positioned for this step."""
    return [
        Placed(
            panels[f.panel],
            f.x,
            f.y,
            f.width,
            f.height,
            windows(panels[f.panel], f, regions[f.panel], arrangement.part),
        )
        for f in arrangement.frames
    ]


def panels_height(panels: list[Panel], width: int, room: int) -> int:
    """Lines the panels take in a view ``width`` columns wide with at most ``room`` lines
    (on the tallest page, when they do not all fit on one: the notice line included)."""
    return min(max(a.height for a in plan(specs_of(panels)[0], width, room)), room)


class OperationView(Widget):
    """The step's panels, placed by :mod:`stepcnn.tui.layout`, then the texts below them."""

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
        self.texts: list[tuple[list[Span], int, int]] = []
        self.placed: list[Placed] = []
        self.arrangement: Arrangement | None = None
        self.page = 0
        self._lines: list[list[Segment]] = []
        self._painted_for: Size | None = None  # the size the lines were painted for

    @property
    def paged(self) -> bool:
        """Not everything fits on one page: ``t`` shows the next one."""
        a = self.arrangement
        return a is not None and a.pages > 1

    @property
    def next_page(self) -> int:
        return 0 if self.arrangement is None else self.arrangement.next_page

    def show(
        self,
        panels: list[Panel],
        texts: list[tuple[list[Span], int, int]] | None = None,
        page: int = 0,
    ) -> None:
        """Draw these panels, then the texts (spans, the lines kept for it whatever the
        panels need, at most so many lines) right below them; refresh only the lines that
        changed. ``page``: the page shown when not everything
        fits on one (the session keeps it; counted round)."""
        self.panels = panels
        self.texts = texts or []
        self.page = page
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
            self._painted_for = self.size
            return
        console = self.app.console
        blocks = [(spans, wrap_spans(console, spans, width, most)) for spans, _, most in self.texts]
        least = [
            min(len(block), kept)
            for (_, block), (_, kept, _) in zip(blocks, self.texts, strict=True)
        ]
        specs, regions = specs_of(self.panels)
        a = arrange(specs, width, max(height - sum(least), 0), self.page)
        was_paged = self.paged
        self.arrangement = a
        if was_paged != self.paged and self.is_attached:
            self.screen.refresh_bindings()  # the footer shows t only when it pages
        lines = [Line(width) for _ in range(height)]
        palette = palette_of(self.app)
        placed = placed_of(self.panels, a, regions)
        for number, one in enumerate(placed):
            paint_panel(lines, one, palette, number)
        hint = ""
        if (a.pages > 1 or a.hidden) and len(blocks) > 1:
            roomier = arrange(specs, width, max(height - least[0], 0), 0)
            if (roomier.pages, len(roomier.hidden)) < (a.pages, len(a.hidden)):
                hint = "e hides the narration: fewer pages"
        wordings = notices(a, [p.title for p in self.panels], hint)
        if wordings and a.height - 1 < height:
            fitting = [n for n in wordings if len(n) <= width - 1]
            notice = fitting[0] if fitting else fit_words(wordings[-1], width - 1)
            lines[a.height - 1].put(0, notice, palette.label)
        self._place_texts(lines, blocks, least, a.height)
        self.placed = placed
        self._lines = [line.finish() for line in lines]
        self._painted_for = self.size

    def _place_texts(
        self,
        lines: list[Line],
        blocks: list[tuple[list[Span], list[list[Segment]]]],
        least: list[int],
        y: int,
    ) -> None:
        """The texts below the panels: each keeps its least lines, then the first ones get
        the rest; a blank line before each when there is room; a text cut ends "… (i)"."""
        height = len(lines)
        free = height - y
        counts = list(least)
        spare = free - sum(counts)
        for i, (_, block) in enumerate(blocks):
            add = max(min(spare, len(block) - counts[i]), 0)
            counts[i] += add
            spare -= add
        gaps = spare >= sum(1 for c in counts if c)
        for (spans, block), lines_for in zip(blocks, counts, strict=True):
            if not block or lines_for <= 0 or y >= height:
                continue
            if gaps:
                y += 1
            if len(block) > lines_for:  # less room than the text needs: cut here, marked
                block = wrap_spans(self.app.console, spans, lines[0].width, lines_for)
            for segments in block:
                if y >= height:
                    break
                lines[y].segments.extend(segments)
                lines[y].x = sum(len(s.text) for s in segments)
                y += 1

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._painted_for != self.size:  # resized: the compositor draws before on_resize
            self._paint()
        base = ground(self)  # the theme's colours where no cell has its own
        if y < len(self._lines):
            return Strip(grounded(self._lines[y], base), width)
        return Strip.blank(width, base)

    def on_resize(self, event: events.Resize) -> None:
        if self._painted_for != self.size:  # (else drawn at this size already, and Textual
            self._paint()  # repaints the whole of a resized widget)
            self.refresh()

    def cell_at(self, x: int, y: int) -> CellPlace | None:
        """The cell drawn at column ``x`` of line ``y`` of the view (None: no cell there)."""
        for number, placed in enumerate(self.placed):
            found = placed.cell_at(x, y)
            if found is not None:
                return CellPlace(number, *found)
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        place = None if offset is None else self.cell_at(offset.x, offset.y)
        if place is None:
            return
        grid = self.placed[place.panel].panel.grids[place.grid]
        cell = grid.cell_index(place.row, place.col)
        if grid.tensor is not None and cell is not None:
            self.post_message(self.CellClicked(grid.tensor, cell))
