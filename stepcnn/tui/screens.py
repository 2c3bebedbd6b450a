"""Modal screens: help, go to step, scenario picker, screen views (weights, gradient check),
errors."""

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from stepcnn.present.views import ViewContent
from stepcnn.timeline.numbering import position
from stepcnn.tui.backdrop import Modal
from stepcnn.tui.operation import OperationView, panels_height
from stepcnn.tui.palette import palette_of
from stepcnn.tui.remembered import RememberedStatic

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


class Dismissable(Modal[None]):
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
        self.fit(self.app.size)

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size)

    def fit(self, size: Size) -> None:
        """The scrolling part no taller than the dialog's room (90% of the screen), so it
        scrolls inside the frame instead of running past it, clipped."""
        room = max(int(size.height * 0.9) - self.FRAME_LINES, 3)
        for scroll in self.query(VerticalScroll):
            scroll.styles.max_height = min(SCROLL_LINES, room)


class HelpScreen(Dismissable):
    """Every key binding of the app, generated from the binding table."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                "stepcnn — keys (Esc closes; ctrl+p opens the command palette)", classes="title"
            )
            with VerticalScroll():
                yield RememberedStatic(*self._table(), id="help-keys")

    def _table(self) -> tuple[Table, tuple[object, ...]]:
        """The keys in the current theme's key colour, and what the table shows (the key
        its drawing is remembered by)."""
        key_style = palette_of(self.app).key
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("key", style=key_style, no_wrap=True)
        table.add_column("action")
        for keys, description in self.rows:
            table.add_row(keys, description)
        return table, ("help", key_style, tuple(self.rows))

    def on_mount(self) -> None:
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: object) -> None:
        self.query_one("#help-keys", RememberedStatic).show(*self._table())  # new colours


class GotoScreen(Modal[int | None]):
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


class PickerScreen(Modal[str | None]):
    """Choose a built-in scenario: the course's chapters first (in their order), then the
    others; the first entry highlighted."""

    DEFAULT_CSS = MODAL_CSS
    SCOPED_CSS = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, groups: list[list[tuple[str, str, str]]]) -> None:
        super().__init__()
        self.groups = [g for g in groups if g]
        self.choices = [(name, title) for group in self.groups for name, _, title in group]

    def compose(self) -> ComposeResult:
        content: list[Option | None] = []
        for group in self.groups:
            if content:
                content.append(None)  # a separator line between the groups
            content += [
                Option(Text(f"{label:<13} {name:<22} {title}"), id=name)
                for name, label, title in group
            ]
        with Vertical():
            yield Label(
                "Open a scenario — the course's chapters first (L takes the course), then the "
                "others",
                classes="title",
            )
            yield OptionList(*content)

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def picker_groups() -> list[list[tuple[str, str, str]]]:
    """``(name, label, title)`` of every built-in scenario: those of the built-in course's
    chapters in chapter order (labelled "chapter 1", "chapters 1, 7"), then the others."""
    from stepcnn.courses.builtin import chapter_scenarios
    from stepcnn.scenario.builtin import paths, title_of

    titles = {p.stem: title_of(p) for p in paths()}
    chapters: dict[str, list[int]] = {}
    for number, (_, name) in enumerate(chapter_scenarios(), start=1):
        if name in titles:
            chapters.setdefault(name, []).append(number)
    course = [
        (name, f"chapter{'s' if len(n) > 1 else ''} {', '.join(map(str, n))}", titles[name])
        for name, n in chapters.items()
    ]
    others = [(name, "", title) for name, title in titles.items() if name not in chapters]
    return [course, others]


class ViewTable(DataTable[str]):
    """A screen view's rows: Home / End (and g / G) go to the first / last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g", "scroll_top", "First row", show=False),
        Binding("end,G", "scroll_bottom", "Last row", show=False),
    ]


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
        self.content = content.sized()

    def compose(self) -> ComposeResult:
        c = self.content
        with Vertical():
            yield Label(Text(c.title), classes="title")
            with VerticalScroll():  # on a short terminal the notes, panels and table scroll
                for note in c.notes:
                    yield Label(Text(note))
                if c.panels:
                    yield OperationView(id="view-panels")
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
            # The rows the table can show first, the rest once that frame is out: the table
            # measures every cell of every row it is given before it draws (~0.1 ms a cell).
            for row in rows[: self.TABLE_MOST]:
                table.add_row(*row)
            if len(rows) > self.TABLE_MOST:
                self.call_after_refresh(self._add_rows, table, rows[self.TABLE_MOST :])
            table.focus()  # its keys (Home / End, the arrows) before the scrolling around it

    def _add_rows(self, table: DataTable[str], rows: Sequence[Sequence[str]]) -> None:
        for row in rows:
            table.add_row(*row)

    def fit(self, size: Size) -> None:
        super().fit(size)
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
            self.query_one(DataTable).styles.max_height = min(
                max(room - panels, self.TABLE_LINES), self.TABLE_MOST
            )

    def action_page(self) -> None:
        """The next page of the panels (when not all fit on one)."""
        view = self.query_one(OperationView)
        if view.paged:
            view.show(list(self.content.panels), page=view.next_page)

    def _theme_changed(self, theme: object) -> None:
        view = self.query_one(OperationView)  # in the new colours
        view.show(list(self.content.panels), page=view.page)


class MessageScreen(Dismissable):
    """Lines of text (the problems of a scenario that failed to open, a verify report),
    scrolling when they do not fit. A line too long for the dialog wraps under its own
    indentation (a report's columns stay columns), or, where that would leave fewer than
    ``TEXT`` columns, under a short one; Enter closes it too."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "dismiss_screen", show=False)]
    FRAME_LINES = Dismissable.FRAME_LINES + 1  # the keys line
    TEXT, SHORT = 60, 6

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.indented = [(Static(Text(t.lstrip())), len(t) - len(t.lstrip())) for t in lines]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="title")
            with VerticalScroll():
                yield from (text for text, _ in self.indented)
            yield Static(Text("Esc or ⏎ closes", style="bold"), classes="keys")

    def fit(self, size: Size) -> None:
        super().fit(size)
        room = min(104, int(size.width * 0.96)) - 6  # MODAL_CSS: the width, border, padding
        for text, indent in self.indented:
            keep = indent if room - indent >= self.TEXT else min(indent, self.SHORT)
            text.styles.padding = (0, 0, 0, keep)


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
