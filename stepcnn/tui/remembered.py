"""A Rich renderable drawn once per width and remembered: the help screen's table of keys,
the source pane's highlighted code.

A Rich ``Table`` is slow to draw (~4 ms for the 40-odd keys), a ``Syntax`` slower (pygments:
~15 ms for a function), and Textual draws a Static's renderable two or three times each time
it is shown: to measure its width and height, then for its lines. The same renderable at the
same width in the same style always gives the same lines, so a :class:`RememberedStatic`
keeps them, by what the renderable shows, for every later showing.
"""

from rich.console import RenderableType
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual
from textual.widget import Widget
from textual.widgets import Static

Key = tuple[object, ...]

_WIDTHS: dict[tuple[Key, int], int] = {}
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

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        known = _WIDTHS.get((self.key, container_width))
        if known is None:
            if len(_WIDTHS) >= KEPT:
                _WIDTHS.clear()
            known = super().get_optimal_width(rules, container_width)
            _WIDTHS[(self.key, container_width)] = known
        return known

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
    """A Static showing ``renderable`` through :class:`Remembered` (``key``: what it shows;
    nothing until :meth:`show` when there is none)."""

    def __init__(
        self, renderable: RenderableType | None = None, key: Key = (), *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        if renderable is not None:
            self.show(renderable, key)

    def show(self, renderable: RenderableType, key: Key) -> None:
        self.update(Remembered(self, renderable, key))
