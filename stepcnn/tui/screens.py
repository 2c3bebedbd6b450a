"""Modal screens: help, go to step, scenario picker, screen views (weights, gradient check),
errors."""

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from stepcnn.present.grid import Panel
from stepcnn.present.views import ViewContent
from stepcnn.timeline.numbering import position
from stepcnn.tui.operation import OperationView
from stepcnn.tui.painter import row_layout
from stepcnn.tui.palette import palette_of

MODAL_CSS = """
ModalScreen { align: center middle; }
ModalScreen > Vertical {
    width: auto; max-width: 96%; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 1 2;
}
ModalScreen > Vertical { width: 104; }
ModalScreen VerticalScroll { width: 100%; height: auto; max-height: 40; }  /* SCROLL_LINES */
ModalScreen DataTable { width: 100%; height: auto; max-height: 30; }
ModalScreen Static { width: 100%; }
ModalScreen .title { text-style: bold; margin-bottom: 1; }
"""
SCROLL_LINES = 40
"""The most lines a dialog's scrolling part takes (fewer on a short terminal)."""
# Not scoped: Textual would prefix these rules with the screen's own type name
# ("Dismissable ModalScreen > Vertical"), which matches nothing, and every dialog would be
# drawn as an unframed full-screen page.


class Dismissable(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_screen", "Close", show=False)
    ]
    DEFAULT_CSS = MODAL_CSS
    SCOPED_CSS = False
    FRAME_LINES = 6
    """Lines of the dialog that are not its scrolling part: border, padding, the title."""

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)

    def on_mount(self) -> None:
        self._fit_scroll(self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._fit_scroll(event.size.height)

    def _fit_scroll(self, height: int) -> None:
        """The scrolling part no taller than the dialog's room (90% of the screen), so it
        scrolls inside the frame instead of running past it, clipped."""
        room = max(int(height * 0.9) - self.FRAME_LINES, 3)
        for scroll in self.query(VerticalScroll):
            scroll.styles.max_height = min(SCROLL_LINES, room)


class HelpScreen(Dismissable):
    """Every key binding of the app, generated from the binding table."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("key", style=palette_of(self.app).key, no_wrap=True)
        table.add_column("action")
        for keys, description in self.rows:
            table.add_row(keys, description)
        with Vertical():
            yield Label(
                "stepcnn — keys (Esc closes; ctrl+p opens the command palette)", classes="title"
            )
            with VerticalScroll():
                yield Static(table)


class GotoScreen(ModalScreen[int | None]):
    """Ask for a step number."""

    DEFAULT_CSS = MODAL_CSS
    SCOPED_CSS = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Go to step (1 – {self.total}):", classes="title")
            yield Input(placeholder="step number", type="integer", id="goto")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(position(int(event.value)))  # typed as on the screen, from 1
        except ValueError:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickerScreen(ModalScreen[str | None]):
    """Choose a built-in scenario."""

    DEFAULT_CSS = MODAL_CSS
    SCOPED_CSS = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, choices: list[tuple[str, str]], current: str = "") -> None:
        super().__init__()
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open a built-in scenario", classes="title")
            yield OptionList(
                *[Option(Text(f"{name:<22} {title}"), id=name) for name, title in self.choices]
            )

    def on_mount(self) -> None:
        names = [name for name, _ in self.choices]
        if self.current in names:
            self.query_one(OptionList).highlighted = names.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ViewTable(DataTable[str]):
    """A screen view's rows: Home / End (and g / G) go to the first / last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g", "scroll_top", "First row", show=False),
        Binding("end,G", "scroll_bottom", "Last row", show=False),
    ]


class ViewScreen(Dismissable):
    """A screen view (the weight view, the gradient check): its panels, notes and table."""

    PANEL_WIDTH = 96  # inside the dialog's frame and padding

    def __init__(self, content: ViewContent) -> None:
        super().__init__()
        self.content = content.sized()

    def compose(self) -> ComposeResult:
        c = self.content
        with Vertical():
            yield Label(Text(c.title), classes="title")
            for note in c.notes:
                yield Label(Text(note))
            if c.panels:
                view = OperationView(id="view-panels")
                view.styles.height = panels_height(list(c.panels), self.PANEL_WIDTH)
                yield view
            if c.table is not None:
                yield ViewTable(id="view-table", zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        c = self.content
        if c.panels:
            self.query_one(OperationView).show(list(c.panels))
            self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if c.table is not None:
            columns, rows = c.table
            table = self.query_one(DataTable)
            table.add_columns(*columns)
            for row in rows:
                table.add_row(*row)

    def _theme_changed(self, theme: object) -> None:
        self.query_one(OperationView).show(list(self.content.panels))  # in the new colours


def panels_height(panels: list[Panel], width: int) -> int:
    """Lines the two bands of ``panels`` need at ``width``."""
    bands = [row_layout([p for p in panels if p.row == band], width) for band in (0, 1)]
    return sum(max((h for _, _, h in band), default=0) for band in bands)


class MessageScreen(Dismissable):
    """A few lines of text (e.g. the problems of a scenario that failed to reload)."""

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="title")
            yield Static(Text("\n".join(self.lines)))


class AboutScreen(Dismissable):
    """The scenario's title, description, introduction and credit."""

    def __init__(self, title: str, parts: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.parts = [(head, body) for head, body in parts if body.strip()]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="title")
            with VerticalScroll():
                for head, body in self.parts:
                    yield Label(Text(head, style="bold"))
                    yield Static(Text(body.strip() + "\n"))
