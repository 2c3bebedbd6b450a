"""The screen views' dialog (the weight view ``v``, the gradient check ``d``): a view's
notes, panels and table, kept and given new content when opened again."""

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.widgets import Label

from stepcnn.present.views import ViewContent
from stepcnn.tui.dialog import Dismissable, retext
from stepcnn.tui.operation import OperationView, panels_height
from stepcnn.tui.rows_table import ViewTable


class ViewScreen(Dismissable):
    """A screen view (the weight view, the gradient check): its panels, notes and table.

    The panels get the lines the dialog has left once the table has a few rows (on pages,
    ``t`` turning them, when they do not all fit); the table scrolls in what remains."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "page", "Next page", show=False),
    ]
    PANEL_WIDTH = 96  # inside the dialog's frame and padding
    TABLE_LINES = 5  # the table's header and a few rows, on the screen when there is room
    TABLE_MOST = 30
    PANEL_LEAST = 30  # lines the panels may take however short the terminal (then it scrolls)

    def __init__(self, content: ViewContent) -> None:
        super().__init__()
        self._given = content
        self.content = content.sized()
        self._fitted: tuple[object, ...] = ()
        self._filled = 0  # contents shown so far (rows added late belong to the last one)
        self._table_shown: tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None = None

    def compose(self) -> ComposeResult:
        c = self.content
        with Vertical():
            yield Label(Text(c.title), classes="title")
            with VerticalScroll():  # on a short terminal the notes, panels and table scroll
                for note in c.notes:
                    yield Label(Text(note), classes="note")
                yield OperationView(id="view-panels")
                yield ViewTable(id="view-table")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.query(OperationView):  # (none when made as the app closed: never composed)
            self._fill()

    def renew(self, content: ViewContent) -> None:
        """Shown again (:mod:`stepcnn.tui.kept`): ``content`` in the widgets it has (the
        content shown last, on its first page, as it is drawn)."""
        view = self.query_one(OperationView)
        if content is self._given and not view.page:
            self._fill_table()
            self.reopened()
            return
        self._given = content
        self.content = c = content.sized()
        retext(self.query_one(".title", Label), Text(c.title))
        notes = list(self.query(".note").results(Label))
        for label, note in zip(notes, c.notes, strict=False):
            retext(label, Text(note))
        for label in notes[len(c.notes) :]:
            label.remove()
        if len(c.notes) > len(notes):
            more = [Label(Text(note), classes="note") for note in c.notes[len(notes) :]]
            self.query_one(VerticalScroll).mount_all(more, before="#view-panels")
        self._fill()
        self.reopened()

    def _fill(self) -> None:
        """The panels and the table of ``content`` (each hidden when it has none)."""
        c = self.content
        view = self.query_one(OperationView)
        view.display = bool(c.panels)
        if c.panels:
            view.show(list(c.panels))
        self._fill_table()

    def _fill_table(self) -> None:
        c = self.content
        table = self.query_one(ViewTable)
        table.display = c.table is not None
        # The dialog opens at its top (the verdict, the first panels), the table focused for
        # its keys (Home / End, the arrows), which bring it into sight (ViewTable._move).
        self.query_one(VerticalScroll).scroll_home(animate=False, immediate=True)
        if c.table is not None and c.table == self._table_shown:
            table.show_again()  # (the same rows: their lines as drawn)
            table.focus(scroll_visible=False)
        elif c.table is not None:
            self._table_shown = c.table
            self._filled += 1
            columns, rows = c.table
            # The rows the table can show first, the rest once that frame is out.
            table.show(columns, rows[: self.TABLE_MOST])
            if len(rows) > self.TABLE_MOST:
                self.call_after_refresh(self._add_rows, self._filled, rows[self.TABLE_MOST :])
            table.focus(scroll_visible=False)

    def _add_rows(self, filled: int, rows: Sequence[Sequence[str]]) -> None:
        if filled == self._filled:  # (not when other content is shown meanwhile)
            self.query_one(ViewTable).add_rows(rows)

    def fit(self, size: Size) -> None:
        super().fit(size)
        if self._fitted and self._fitted[0] is self.content and self._fitted[1] == size:
            return  # (fitted already: the heights below are set)
        self._fitted = (self.content, size)
        c = self.content
        width = max(min(self.PANEL_WIDTH, int(size.width * 0.96) - 6), 10)
        room = int(size.height * 0.9) - self.FRAME_LINES
        room -= sum(-(-len(note) // width) for note in c.notes)
        table = self.TABLE_LINES if c.table is not None else 0
        panels = 0
        if c.panels:
            panels = panels_height(list(c.panels), width, max(room - table, self.PANEL_LEAST))
            self.query_one(OperationView).styles.height = panels
        if c.table is not None:
            self.query_one(ViewTable).styles.max_height = min(
                max(room - panels, self.TABLE_LINES), self.TABLE_MOST
            )

    def action_page(self) -> None:
        """The next page of the panels (when not all fit on one)."""
        view = self.query_one(OperationView)
        if view.paged:
            view.show(list(self.content.panels), page=view.next_page)

    def _theme_changed(self, theme: object) -> None:
        view = self.query_one(OperationView)  # in the new colours
        if self.content.panels:
            view.show(list(self.content.panels), page=view.page)
