"""A screen view's table (the weight view's contributions, the gradient check's cells), drawn
on the Line API: each line one strip of a few segments.

Textual's DataTable draws each cell through Rich (~0.1 ms a cell, a dialog's 30 rows of 7
columns: ~30 ms, and its column widths measured again for every new table). The texts here
are plain strings, so a line is their join, in the styles of DataTable's own look (header,
zebra stripes, a row cursor; the same theme variables), with its keys: the arrows and
Page Up / Page Down move the cursor, Home / End (and g / G) go to the first / last row.
"""

from collections.abc import Sequence
from typing import ClassVar, Self

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PADDING = 1
"""Spaces each side of a cell's text (DataTable's ``cell_padding``)."""


class ViewTable(ScrollView, can_focus=True):
    """Rows of texts under a header that stays; a row cursor; zebra stripes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "scroll_top", "First row", show=False),
        Binding("end,G", "scroll_bottom", "Last row", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "view-table--header",
        "view-table--even-row",
        "view-table--cursor",
    }
    DEFAULT_CSS = """
    ViewTable {
        background: $surface; color: $foreground;
        width: 100%; height: auto; max-height: 30;
        &:focus {
            background-tint: $foreground 5%;
            & > .view-table--cursor {
                background: $block-cursor-background; color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .view-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .view-table--even-row { background: $surface-darken-1 40%; }
        & > .view-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .view-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .view-table--even-row { background: $surface-lighten-1 50%; }
        & > .view-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    cursor_row: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns: tuple[str, ...] = ()
        self.rows: list[tuple[str, ...]] = []
        self.widths: list[int] = []
        self._styles: dict[str, Style] | None = None
        """The lines' styles (the widget's own, "", and each component's over it), worked
        out once between refreshes and style updates (each costs ~0.1 ms)."""

    # ---- content ---------------------------------------------------------------------

    def show(self, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """These columns and rows, the cursor on the first row, scrolled to the top."""
        self.columns = tuple(columns)
        self.rows = []
        self.widths = [len(c) for c in self.columns]
        self.add_rows(rows)
        self.show_again()

    def show_again(self) -> None:
        """The rows shown, the cursor on the first, scrolled to the top (as :meth:`show`
        leaves them, without measuring and drawing them anew)."""
        self.cursor_row = 0
        self.scroll_to(0, 0, animate=False, immediate=True)

    def add_rows(self, rows: Sequence[Sequence[str]]) -> None:
        for row in rows:
            texts = tuple(row)
            self.rows.append(texts)
            self.widths = [max(w, len(t)) for w, t in zip(self.widths, texts, strict=False)]
        width = sum(w + 2 * PADDING for w in self.widths)
        self.virtual_size = Size(width, len(self.rows) + 1)  # the header's line too
        self.refresh(layout=True)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def get_row_at(self, row: int) -> list[str]:
        return list(self.rows[row])

    def get_cell_at(self, cell: tuple[int, int]) -> str:
        row, column = cell
        return self.rows[row][column]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.virtual_size.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.rows) + 1

    # ---- the cursor --------------------------------------------------------------------

    def move_cursor(self, *, row: int) -> None:
        self.cursor_row = row

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self.rows) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        shown = max(self.scrollable_content_region.height - 1, 1)  # rows under the header
        if new < self.scroll_y:
            self.scroll_to(y=new, animate=False)
        elif new >= self.scroll_y + shown:
            self.scroll_to(y=new - shown + 1, animate=False)
        self.refresh()

    def _move(self, row: int) -> None:
        """The cursor moved by a key: on ``row``, the table scrolled into sight in the
        dialog around it (which opens at its top, the table below its panels)."""
        self.cursor_row = row
        self.scroll_visible(animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor_row + direction * max(self.scrollable_content_region.height - 1, 1))

    def action_scroll_top(self) -> None:
        self._move(0)

    def action_scroll_bottom(self) -> None:
        self._move(len(self.rows) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:  # a row (not the header)
            self.cursor_row = event.y - 1 + int(self.scroll_y)

    # ---- drawing -----------------------------------------------------------------------

    def _style(self, component: str) -> Style:
        styles = self._styles
        if styles is None:
            styles = self._styles = {"": self.rich_style}
        style = styles.get(component)
        if style is None:
            partial = self.get_component_rich_style(component, partial=True)
            style = styles[component] = styles[""] + partial
        return style

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        if repaint:
            self._styles = None  # (as Textual forgets its own component styles here)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        self._styles = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._style("")
        if y == 0:
            texts, style = self.columns, self._style("view-table--header")
        else:
            row = y - 1 + int(self.scroll_y)
            if row >= len(self.rows):
                return Strip.blank(width, base)
            texts = self.rows[row]
            if row == self.cursor_row:
                style = self._style("view-table--cursor")
            elif row % 2 == 0:  # DataTable's "even" rows: the first, the third, …
                style = self._style("view-table--even-row")
            else:
                style = base
        pad = " " * PADDING
        line = "".join(f"{pad}{t:<{w}}{pad}" for t, w in zip(texts, self.widths, strict=False))
        x = int(self.scroll_x)
        strip = Strip([Segment(line, style)], len(line)).crop(x, x + width)
        return strip.extend_cell_length(width, style if y else base).crop(0, width)
