"""The footer: the screen's shown keys, drawn from its active bindings on the Line API.

Textual's footer lets its last key run off the edge ("… . More dig"), and at 80 columns
"? Help" — where every key is listed — is never seen; mirroring its CSS widths to leave keys
out was brittle. This one lays the keys out itself, so it knows their widths: keys that do
not fit are left out whole (the last ones first), the help key always stays, the command
palette's key sits at the right. Its colours are the theme's footer colours where they read
(WCAG AA, 4.5:1, on the footer's background), else the theme's text colours that do
(:mod:`stepcnn.tui.palette`). A click on a key presses it.
"""

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from stepcnn.tui.palette import palette_of

ALWAYS = "help"
"""The action whose key the footer never leaves out."""


@dataclass(frozen=True)
class Key:
    """One key of the footer: what it shows and the key a click presses."""

    key: str
    shown: str
    description: str
    action: str
    enabled: bool = True

    @property
    def width(self) -> int:
        """`` →/l Next step ``: the key padded by a space either side, the description and a
        space after it."""
        return len(self.shown) + 2 + (len(self.description) + 1 if self.description else 0)


def fitting(keys: list[Key], room: int) -> list[Key]:
    """The keys, in order, that fit ``room`` columns whole, the help key always among them;
    after a key left out the later ones go too (the order stays the table's)."""
    left = room - sum(k.width for k in keys if k.action == ALWAYS)
    out = []
    for key in keys:
        if key.action == ALWAYS:
            out.append(key)
        elif key.width <= left:
            out.append(key)
            left -= key.width
        else:
            left = -1
    return out


class KeyFooter(Widget):
    """The keys of the screen's bindings marked ``show``, one line at the bottom."""

    DEFAULT_CSS = """
    KeyFooter { dock: bottom; height: 1; width: 100%; background: $footer-background; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._line: tuple[tuple[object, ...], Strip] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _: self.refresh())
        self.app.theme_changed_signal.subscribe(self, lambda _: self.refresh())

    def keys(self) -> tuple[list[Key], Key | None]:
        """The shown keys (one per action, in the table's order) and the command palette's."""
        keys: list[Key] = []
        actions = set()
        palette = None
        app = self.app
        for _, binding, enabled, _ in self.screen.active_bindings.values():
            if binding.action == "command_palette" and app.ENABLE_COMMAND_PALETTE:
                palette = Key(binding.key, app.get_key_display(binding), "palette", "")
                continue
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            shown = app.get_key_display(binding)
            keys.append(Key(binding.key, shown, binding.description, binding.action, enabled))
        return keys, palette

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        colours = palette_of(self.app)
        keys, command = self.keys()
        signature = (width, colours.name, tuple(keys), command)
        if self._line is not None and self._line[0] == signature:
            return self._line[1]
        ground, key_style, text = colours.footer, colours.footer_key, colours.footer_text
        right = [] if command is None else self._command(command, ground, key_style, text)
        room = width - sum(len(s.text) for s in right)
        segments: list[Segment] = []
        for k in fitting(keys, room):
            meta = Style.from_meta({"key": k.key}) if k.enabled else Style(dim=True)
            segments.append(Segment(f" {k.shown} ", key_style + meta))
            if k.description:
                segments.append(Segment(f"{k.description} ", text + meta))
        used = sum(len(s.text) for s in segments)
        segments.append(
            Segment(" " * max(width - used - sum(len(s.text) for s in right), 0), ground)
        )
        strip = Strip([*segments, *right], width).crop(0, width)
        self._line = (signature, strip)
        return strip

    @staticmethod
    def _command(command: Key, ground: Style, key: Style, text: Style) -> list[Segment]:
        """``▏^p palette``, at the right."""
        meta = Style.from_meta({"key": command.key})
        return [
            Segment("▏", text),
            Segment(command.shown, key + meta),
            Segment(f" {command.description} ", text + meta),
        ]

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        key = event.style.meta.get("key")
        if key:
            self.app.simulate_key(key)
