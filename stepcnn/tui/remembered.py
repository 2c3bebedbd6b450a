"""A Rich renderable drawn once per width and remembered: the help screen's table of keys.

A Rich ``Table`` is slow to draw (~4 ms for the 40-odd keys), and Textual draws a Static's
table twice each time its dialog opens: once to measure its height, once for its lines.
The same table at the same width in the same style always gives the same lines, so a
:class:`RememberedStatic` keeps both, by what the table shows, for every later opening.
"""

from rich.console import RenderableType
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual
from textual.widget import Widget
from textual.widgets import Static

Key = tuple[object, ...]

_HEIGHTS: dict[tuple[Key, int], int] = {}
_LINES: dict[tuple[Key, int, int | None, Style], list[Strip]] = {}
KEPT = 64
"""Renderings remembered of each kind (beyond that the memory starts again)."""


class Remembered(RichVisual):
    """A RichVisual whose height and lines, once drawn, are looked up by ``key`` (everything
    the renderable shows) and the width; drawn afresh while text is selected in it."""

    def __init__(self, widget: Widget, renderable: RenderableType, key: Key) -> None:
        super().__init__(widget, renderable)
        self.key = key

    def get_height(self, rules: RulesMap, width: int) -> int:
        known = _HEIGHTS.get((self.key, width))
        if known is None:
            if len(_HEIGHTS) >= KEPT:
                _HEIGHTS.clear()
            known = _HEIGHTS[(self.key, width)] = super().get_height(rules, width)
        return known

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        if options.selection is not None:
            return super().render_strips(width, height, style, options)
        where = (self.key, width, height, style)
        known = _LINES.get(where)
        if known is None:
            if len(_LINES) >= KEPT:
                _LINES.clear()
            known = _LINES[where] = super().render_strips(width, height, style, options)
        return list(known)


class RememberedStatic(Static):
    """A Static showing ``renderable`` through :class:`Remembered` (``key``: what it shows)."""

    def __init__(self, renderable: RenderableType, key: Key, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.show(renderable, key)

    def show(self, renderable: RenderableType, key: Key) -> None:
        self.update(Remembered(self, renderable, key))
