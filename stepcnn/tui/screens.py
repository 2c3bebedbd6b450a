"""Modal screens: help, go to step, scenario picker, gradient check, weight view, errors."""

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from stepcnn.present.weight_story import WeightStory
from stepcnn.session import GradCheck
from stepcnn.timeline.numbers import num

MODAL_CSS = """
ModalScreen { align: center middle; }
ModalScreen > Vertical {
    width: auto; max-width: 96%; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 1 2;
}
ModalScreen > Vertical { width: 104; }
ModalScreen VerticalScroll { width: 100%; height: auto; max-height: 36; }
ModalScreen DataTable { width: 100%; height: auto; max-height: 30; }
ModalScreen Static { width: 100%; }
ModalScreen .title { text-style: bold; margin-bottom: 1; }
"""
# Not scoped: Textual would prefix these rules with the screen's own type name
# ("Dismissable ModalScreen > Vertical"), which matches nothing, and every dialog would be
# drawn as an unframed full-screen page.


class Dismissable(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_screen", "Close", show=False)
    ]
    DEFAULT_CSS = MODAL_CSS
    SCOPED_CSS = False

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)


class HelpScreen(Dismissable):
    """Every key binding of the app, generated from the binding table."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("key", style="bold cyan", no_wrap=True)
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
            yield Label(f"Go to step (0 – {self.total - 1}):", classes="title")
            yield Input(placeholder="step number", type="integer", id="goto")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(int(event.value))
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


class GradCheckScreen(Dismissable):
    """Analytic gradient beside centred finite differences."""

    def __init__(self, check: GradCheck) -> None:
        super().__init__()
        self.check = check

    def compose(self) -> ComposeResult:
        c = self.check
        table = Table(box=None, header_style="bold")
        for col in ("weight", "analytic dW", "numeric (L(w+ε) − L(w−ε)) / 2ε", "difference"):
            table.add_column(col, justify="right")
        for cell, analytic, numeric, difference in c.rows():
            table.add_row(
                Text("[" + ",".join(str(v) for v in cell) + "]"),
                f"{analytic: .8f}",
                f"{numeric: .8f}",
                f"{difference: .1e}",
            )
        verdict = "agree" if c.agrees else "DISAGREE"
        with Vertical():
            yield Label(Text(f"Gradient check — {c.title}"), classes="title")
            with VerticalScroll():
                yield Static(table)
            yield Label(
                f"max |difference| = {c.max_error:.2e}, relative = {c.relative_error:.2e}: "
                f"backprop and finite differences {verdict} (ε = {c.eps:g})"
            )


class WeightScreen(Dismissable):
    """The weight-centric view: one weight's products, gradients and running dW."""

    def __init__(self, story: WeightStory) -> None:
        super().__init__()
        self.story = story

    def compose(self) -> ComposeResult:
        s = self.story
        with Vertical():
            yield Label(Text(s.title), classes="title")
            yield Label(
                f"forward: w = {num(s.weight)} multiplied each input cell below; "
                f"backward: each term x·g is added into dW"
            )
            end = s.contributions[-1].running if s.contributions else 0.0
            update = (
                f"{num(s.weight)} − {num(s.learning_rate)}·{num(s.grad)} = {num(s.weight_after)}"
                if s.plain_sgd
                else f"{num(s.weight)} → {num(s.weight_after)} (SGD with momentum / weight "
                "decay: the update step shows v)"
            )
            yield Label(
                Text(
                    f"dW = Σ x·g = {num(end)}  (engine: {num(s.grad)});  update: {update}",
                    style="bold",
                )
            )
            yield DataTable(id="story", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("step", "position", "input cell", "x", "g (dL/dout)", "x·g", "running dW")
        for c in self.story.contributions[:2000]:
            table.add_row(
                str(c.step),
                str(list(c.position)),
                "padding" if c.input_cell is None else str(list(c.input_cell)),
                num(c.x),
                num(c.g),
                num(c.product),
                num(c.running),
            )


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
