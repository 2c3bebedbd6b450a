"""The source pane: the whole engine function of the current operation, scrolled so that
its working line is in view (mouse wheel or scroll bar for the rest)."""

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from stepcnn.present.source import source_for
from stepcnn.tui.palette import palette_of
from stepcnn.tui.remembered import RememberedStatic

SYNTAX_THEME = {True: "monokai", False: "default"}
"""Pygments' colours for code, on the theme's background: a dark or a light set."""


class SourcePane(VerticalScroll):
    can_focus = False  # Home/End, arrows and PageUp/Down stay the debugger's keys

    DEFAULT_CSS = """
    SourcePane {
        height: auto; max-height: 40%; border: round $primary;
        border-title-color: $foreground; border-subtitle-color: $text-muted;
    }
    SourcePane > Static { width: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.op = ""
        self.optimizer = ""
        self.line = 1  # the working line, 1-based within the function
        self.lines = 0

    def compose(self) -> ComposeResult:
        yield RememberedStatic(id="source-code")

    def show(self, op: str, optimizer: str = "sgd") -> None:
        if (op, optimizer) == (self.op, self.optimizer):
            return
        self.op, self.optimizer = op, optimizer
        code, self.line, name = source_for(op, optimizer)
        self.lines = len(code.splitlines())
        self.border_title = f"engine source: {name}"
        self.border_subtitle = f"line {self.line} of {self.lines}"
        from rich.syntax import Syntax  # pygments: imported only when the pane is shown

        theme = SYNTAX_THEME[self.app.current_theme.dark]
        background = palette_of(self.app).background.hex
        self.query_one("#source-code", RememberedStatic).show(
            Syntax(
                code.rstrip(),
                "python",
                line_numbers=True,
                highlight_lines={self.line},
                theme=theme,
                background_color=background,
            ),
            ("source", code, self.line, theme, background),
        )
        self.call_after_refresh(self.follow)

    def reveal(self, op: str, optimizer: str = "sgd") -> None:
        """Shown again: :meth:`show`, the working line in the middle of the pane again even
        when the function is the one it held while hidden."""
        if (op, optimizer) == (self.op, self.optimizer):
            self.call_after_refresh(self.follow)
        self.show(op, optimizer)

    def forget(self) -> None:
        """Draw again at the next :meth:`show` (the pane was hidden, or the scenario changed)."""
        self.op = ""

    def follow(self) -> None:
        """Scroll so that the working line is in the middle of the pane (or as near as the
        function's ends allow)."""
        visible = self.scrollable_content_region.height
        self.scroll_to(y=max(0, self.line - 1 - visible // 2), animate=False, immediate=True)
