"""Short text drawn with the Line API: the equation, the narration, the status bar."""

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

Span = tuple[str, Style | str]


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
        self._pick(self.content_size.width or self.app.size.width)

    def _pick(self, width: int) -> None:
        variants = self._variants
        for variant in variants:
            if sum(len(text) for text, _ in variant) <= width:
                self.set([variant])
                return
        self.set([variants[-1]])

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
            self._wrap(width)
        return max(len(self._lines), 1)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if self._wrapped_for != width:
            if self._variants:
                self._pick(width)
            self._wrap(width)
        if y < len(self._lines):
            return Strip(self._lines[y]).adjust_cell_length(width)
        return Strip.blank(width)
