"""Short text drawn with the Line API: the equation, the narration, the status bar."""

from weakref import WeakKeyDictionary

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

Span = tuple[str, Style | str]

_GROUNDS: "WeakKeyDictionary[Widget, tuple[int, Style]]" = WeakKeyDictionary()


def ground(widget: Widget) -> Style:
    """The widget's own background and text colour from its CSS (the theme's), as a Rich
    style; computed once per update of the app's CSS.

    A new theme invalidates the CSS at once but applies it a moment later (Textual's
    ``refresh_css``, called next): a line drawn in between has the old theme's colours, so
    they are kept only once the widget's screen has its styles from the current CSS."""
    count = widget.app._css_update_count
    known = _GROUNDS.get(widget)
    if known is not None and known[0] == count:
        return known[1]
    style = widget.rich_style
    if widget.screen._css_update_count == count:
        _GROUNDS[widget] = (count, style)
    return style


def grounded(segments: list[Segment], base: Style) -> list[Segment]:
    """``segments`` with ``base`` under those that have no background of their own: Textual
    leaves such cells of a Line-API widget to the terminal's default colours, which on a
    white terminal under a dark theme (or the reverse) would not be the theme's."""
    return [
        s
        if s.style is not None and s.style.bgcolor is not None
        else Segment(s.text, base + s.style if s.style is not None else base)
        for s in segments
    ]


class TextBlock(Widget):
    """Paragraphs of styled spans, word-wrapped to the widget's width."""

    DEFAULT_CSS = """
    TextBlock { height: auto; width: 100%; }
    """

    def __init__(self, *, id: str | None = None, max_lines: int = 0) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self._paragraphs: list[list[Span]] = []
        self._lines: list[list[Segment]] = []
        self._wrapped_for = -1
        self._variants: list[list[Span]] = []

    def set_fitting(self, variants: list[list[Span]]) -> None:
        """One line: the first variant that fits the width (the last one, cut, if none does);
        chosen again when the width changes."""
        self._variants = variants
        self.set([self._pick(self.content_size.width or self.app.size.width)])

    def _pick(self, width: int) -> list[Span]:
        """The first variant that fits ``width`` (the last one if none does)."""
        variants = self._variants
        return next((v for v in variants if sum(len(t) for t, _ in v) <= width), variants[-1])

    def _fit(self, width: int) -> None:
        """The lines at a new ``width``: the variant that fits it, if there are variants."""
        if self._variants:
            self._paragraphs = [self._pick(width)]
        self._wrap(width)

    def set(self, paragraphs: list[list[Span]]) -> None:
        if paragraphs == self._paragraphs:
            return
        self._paragraphs = paragraphs
        old = self._lines
        self._wrap(self.content_size.width or self.app.size.width)
        if (
            len(self._lines) != len(old)
            and self.styles.height is not None
            and self.styles.height.is_auto
        ):
            self.refresh(layout=True)
            return
        width = self.content_size.width
        for y, line in enumerate(self._lines):
            if y >= len(old) or old[y] != line:
                self.refresh(Region(0, y, width, 1))
        for y in range(len(self._lines), len(old)):
            self.refresh(Region(0, y, width, 1))

    def _wrap(self, width: int) -> None:
        console = self.app.console
        lines: list[list[Segment]] = []
        for paragraph in self._paragraphs:
            text = Text()
            for chunk, style in paragraph:
                text.append(chunk, style)
            for line in text.wrap(console, max(width, 1)):
                lines.append(list(line.render(console)))
        if self.max_lines and len(lines) > self.max_lines:
            lines = lines[: self.max_lines]
        self._lines = lines
        self._wrapped_for = width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._wrapped_for != width:
            self._fit(width)
        return max(len(self._lines), 1)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if self._wrapped_for != width:
            self._fit(width)
        base = ground(self)
        if y < len(self._lines):
            return Strip(grounded(self._lines[y], base)).adjust_cell_length(width, base)
        return Strip.blank(width, base)
