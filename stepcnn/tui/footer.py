"""The footer: Textual's, showing only the keys that fit whole.

Textual's footer lets its last key run off the edge ("… . More dig"), and at 80 columns
"? Help" — where every key is listed — is never seen. This one leaves out, whole, the keys
that do not fit (the last ones first) and always keeps the help key.
"""

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer

ALWAYS = "help"
"""The action whose key the footer never leaves out."""

PALETTE_ROOM = 14
"""Columns of the command palette's key docked at the right (``▏^p palette``, padded)."""


def is_key(widget: Widget) -> bool:
    """A key of the footer (Textual's ``FooterKey``, known by what it shows: the class is
    not public), other than the command palette's."""
    return hasattr(widget, "key_display") and not widget.has_class("-command-palette")


def key_width(key: Widget, compact: bool) -> int:
    """Columns a key takes: its padded key and description (Textual's footer CSS), its margin."""
    shown, description = cell_len(getattr(key, "key_display", "")), getattr(key, "description", "")
    if not description:
        return shown + (1 if compact else 0)
    return shown + cell_len(description) + (2 if compact else 3)


def fitting(keys: list[Widget], room: int, compact: bool) -> list[Widget]:
    """The keys, in order, that fit ``room`` columns whole, the help key always among them."""
    kept_always = [k for k in keys if getattr(k, "action", "") == ALWAYS]
    left = room - sum(key_width(k, compact) for k in kept_always)
    out = []
    for key in keys:
        if getattr(key, "action", "") == ALWAYS:
            out.append(key)
            continue
        width = key_width(key, compact)
        if width > left:
            left = -1  # the keys after a left-out one go too: the order stays the table's
            continue
        out.append(key)
        left -= width
    return out


class FittingFooter(Footer):
    """Textual's footer without a key cut at the edge."""

    def __init__(self) -> None:
        super().__init__()
        self._width = 0

    def compose(self) -> ComposeResult:
        made = list(super().compose())
        keys = [w for w in made if is_key(w)]
        others: list[Widget] = [w for w in made if w not in keys]
        width = self._width = self.app.size.width
        palette = PALETTE_ROOM if others else 0
        kept = set(map(id, fitting(keys, width - palette, self.compact)))
        yield from (w for w in made if id(w) in kept or w in others)

    def on_resize(self, event: events.Resize) -> None:
        if self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
