"""The course's dialogs: a chapter's card (its goals, or that it is done) and the chapter list."""

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from stepcnn.present.course_text import Card
from stepcnn.tui.backdrop import Modal
from stepcnn.tui.dialog import MODAL_CSS, Dismissable


class CourseCard(Dismissable):
    """A few paragraphs and what the keys do; ``choice`` is "enter", "menu" or "" (closed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose('enter')", "Go on", show=False),
        Binding("L", "choose('menu')", "Chapters", show=False),
        Binding("escape,q", "dismiss_screen", "Close", show=False),
    ]

    FRAME_LINES = 9  # and the keys, below the scrolling part: two lines at 80 columns

    def __init__(self, card: Card) -> None:
        super().__init__()
        self.card = card
        self.choice = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="card"):
            yield Label(Text(self.card.title), classes="title")
            with VerticalScroll():
                yield Static(Text("\n\n".join(self.card.paragraphs)))
            yield Static(Text(self.card.keys, style="bold"), id="card-keys")

    def action_choose(self, what: str) -> None:
        self.choice = what
        self.dismiss(None)


class ChapterCard(CourseCard):
    """A chapter's opening card: it covers the debugger, whose step (the chapter's first stop,
    often a checkpoint) would show the answer around it."""

    DEFAULT_CSS = "ChapterCard { background: $background; }"


class ChapterList(Modal[int | None]):
    """Every chapter, done or not; Enter opens the one highlighted."""

    DEFAULT_CSS = MODAL_CSS
    SCOPED_CSS = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,L", "cancel", "Close", show=False),
    ]

    def __init__(self, title: str, rows: list[str], current: int) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="title")
            yield OptionList(*[Option(Text(row), id=str(i + 1)) for i, row in enumerate(self.rows)])

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = self.current - 1

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 1))

    def action_cancel(self) -> None:
        self.dismiss(None)
