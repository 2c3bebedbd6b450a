"""Modal screens: help, go to step, scenario picker, messages (errors, reports), about.
(The screen views' dialog is :mod:`stepcnn.tui.view_screen`.)"""

from collections.abc import Iterable
from typing import ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from stepcnn.base.wording import count
from stepcnn.present.scene import build_scene
from stepcnn.session.session import Session
from stepcnn.timeline.numbering import position
from stepcnn.tui.backdrop import Modal
from stepcnn.tui.dialog import MODAL_CSS, Dismissable, retext
from stepcnn.tui.palette import palette_of
from stepcnn.tui.remembered import RememberedStatic


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

    def renew(self, rows: Iterable[tuple[str, str]]) -> None:
        rows = list(rows)
        if rows != self.rows:
            self.rows = rows
            self._theme_changed(None)
        self.reopened()

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
            yield Label(self._title(), classes="title")
            yield Input(placeholder="step number", type="integer", id="goto")

    def _title(self) -> str:
        return f"Go to step (1 – {self.total}):"

    def renew(self, total: int) -> None:
        """Asking again (:mod:`stepcnn.tui.kept`): an empty field, the run's steps now."""
        self.total = total
        self.query_one(".title", Label).update(self._title())
        field = self.query_one("#goto", Input)
        field.value = ""
        field.focus()

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
        self._choose_from(groups)

    def _choose_from(self, groups: list[list[tuple[str, str, str]]]) -> None:
        self.groups = [g for g in groups if g]
        self.choices = [(name, title) for group in self.groups for name, _, title in group]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                "Open a scenario — the course's chapters first (L takes the course), then the "
                "others",
                classes="title",
            )
            yield OptionList(*self._options())

    def _options(self) -> list[Option | None]:
        content: list[Option | None] = []
        for group in self.groups:
            if content:
                content.append(None)  # a separator line between the groups
            content += [
                Option(Text(f"{label:<13} {name:<22} {title}"), id=name)
                for name, label, title in group
            ]
        return content

    def on_mount(self) -> None:
        for options in self.query(OptionList):  # (none when made as the app closed)
            options.highlighted = 0

    def renew(self, groups: list[list[tuple[str, str, str]]]) -> None:
        """Asked again (:mod:`stepcnn.tui.kept`): the scenarios as they are now, the first
        highlighted."""
        options = self.query_one(OptionList)
        if [g for g in groups if g] != self.groups:
            self._choose_from(groups)
            options.clear_options()
            options.add_options(self._options())
        options.highlighted = 0
        options.focus()

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
    """The scenario's title, description, introduction and credit (a part with nothing to
    say is not shown)."""

    def __init__(self, title: str, parts: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.every_part = list(parts)
        self.parts = [(head, body) for head, body in parts if body.strip()]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="title")
            with VerticalScroll():
                yield from self._part_widgets()

    def _part_widgets(self) -> list[Widget]:
        widgets: list[Widget] = []
        for head, body in self.every_part:
            widgets += [Label(Text(head, style="bold")), Static(Text(body.strip() + "\n"))]
            for widget in widgets[-2:]:
                widget.display = bool(body.strip())
        return widgets

    def renew(self, title: str, parts: list[tuple[str, str]]) -> None:
        """Shown again (:mod:`stepcnn.tui.kept`): the texts of now, in the widgets it has
        (new ones only when the parts are others)."""
        before = self.every_part
        self.title_text, self.every_part = title, list(parts)
        self.parts = [(head, body) for head, body in parts if body.strip()]
        retext(self.query_one(".title", Label), Text(title))
        scroll = self.query_one(VerticalScroll)
        if [head for head, _ in before] != [head for head, _ in parts]:
            scroll.remove_children()
            scroll.mount_all(self._part_widgets())
        else:
            widgets = list(scroll.children)
            for i, ((_, old), (_, body)) in enumerate(zip(before, parts, strict=True)):
                text = widgets[2 * i + 1]
                if body != old:
                    retext(cast(Static, text), Text(body.strip() + "\n"))
                widgets[2 * i].display = text.display = bool(body.strip())
        self.reopened()


def about_of(session: Session) -> tuple[str, list[tuple[str, str]]]:
    """What the about dialog (``i``) shows of ``session``: its title and parts."""
    s = session.scenario
    where = str(s.path) if s.path is not None else s.source
    return s.title, [
        ("This step", build_scene(session).narration),
        ("Equation", session.step.equation),
        ("Description", s.description),
        ("Introduction", s.narration.intro),
        ("Credit", s.credit),
        (
            "File",
            f"{where}  ({count(len(s.layers), 'layer')}, "
            f"{count(s.parameter_count, 'parameter')}, "
            f"{count(session.timeline.per_iteration, 'step')} per iteration, "
            f"{count(len(session.run), 'iteration')})",
        ),
    ]
