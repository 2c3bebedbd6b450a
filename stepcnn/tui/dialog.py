"""The dialogs' base: their frame (CSS), and a dialog that Escape (or q, ?) closes, its
scrolling part no taller than the terminal leaves room for."""

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widgets import Static

from stepcnn.tui.backdrop import Modal

MODAL_CSS = """
ModalScreen { align: center middle; }
ModalScreen > Vertical {
    width: auto; max-width: 96%; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 1 2;
}
ModalScreen > Vertical { width: 104; }
ModalScreen VerticalScroll { width: 100%; height: auto; max-height: 40; }  /* SCROLL_LINES */
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

    def reopened(self) -> None:
        """Shown again (:mod:`stepcnn.tui.kept`): fitted to the terminal as it is now, its
        scrolling part at the top, as a new dialog would be."""
        self.fit(self.app.size)
        for scroll in self.query(VerticalScroll):
            scroll.scroll_home(animate=False, immediate=True)

    def fit(self, size: Size) -> None:
        """The scrolling part no taller than the dialog's room (90% of the screen), so it
        scrolls inside the frame instead of running past it, clipped."""
        room = max(int(size.height * 0.9) - self.FRAME_LINES, 3)
        for scroll in self.query(VerticalScroll):
            scroll.styles.max_height = min(SCROLL_LINES, room)


def retext(widget: Static, text: Text) -> None:
    """Show ``text`` in ``widget`` unless it shows that already (an update lays the dialog
    out and draws the widget again)."""
    if widget.content != text:
        widget.update(text)
