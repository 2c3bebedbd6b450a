"""The dialogs' base: a modal screen whose dimmed copy of the screen beneath costs less.

Textual draws the screen behind a modal dialog tinted by the dialog's translucent
background (``BackgroundScreen``, drawn as a Rich renderable): the screen beneath is
rendered to lines, sent through Rich as a stream of segments, and each of its ~1,000
segments gets its meta and links cleared, its colours blended with the tint and the dialog's
own style added, anew at every render of the dialog (3–4 ms at 160×50). Here the lines of
the screen beneath are taken as they are, and each style's final form is worked out once (a
screen of matrices has a few hundred styles, each cell's with its place as meta, and some
fifty once that meta is gone) and looked up after. What comes out is what Textual's own
drawing gives, segment for segment.

A dialog also remembers the picture it drew last, with what the screen beneath drew for it
(:func:`drawn_beneath`): opened again over a screen that has not changed since, it shows the
same lines (the same strips, whose further processing Textual remembers too).
"""

from itertools import islice
from typing import Any, TypeVar, cast

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.color import Color
from textual.geometry import Region
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual

from stepcnn.tui.resume import Restyled

ResultType = TypeVar("ResultType")

_STYLES: dict[tuple[RichStyle | None, Color, RichStyle], RichStyle] = {}
STYLES_KEPT = 4096
"""Styles whose dimmed form is remembered (beyond that the memory starts again)."""


def dimmed(style: RichStyle | None, tint: Color, base: RichStyle) -> RichStyle:
    """A segment's ``style`` behind a dialog: as Textual's BackgroundScreen tints it with
    ``tint`` (meta and links gone), under the dialog screen's own ``base`` style."""
    key = (style, tint, base)
    known = _STYLES.get(key)
    if known is None:
        if len(_STYLES) >= STYLES_KEPT:
            _STYLES.clear()
        (one,) = BackgroundScreen.process_segments([Segment(" ", style)], tint)
        known = _STYLES[key] = base + one.style if base else one.style or RichStyle()
    return known


def drawn_beneath(screen: Screen[Any]) -> tuple[object, ...]:
    """What ``screen`` draws now, as something to compare: each widget it shows, in the
    order its compositor paints them, with its place, its clip and its lines. A widget that
    has not been refreshed gives the very lines it gave before (Textual keeps them per
    widget), so comparing is quick; one that has, or a new layout, compares unequal. The
    screen's own lines (Textual's plain background, which it redraws whenever a dialog opens
    over it) are stood for by what they are drawn from: its style rules and colours."""
    drawn: list[object] = []
    plain = type(screen).render is Screen.render
    for widget, (region, clip) in screen._compositor.visible_widgets.items():
        if widget is screen and plain:
            rules = tuple(screen.styles.get_rules().items())
            colours = (screen.background_colors, screen.app.styles.background)
            drawn.append((region, clip, rules, colours))
            continue
        x, y, width, height = region.intersection(clip)
        if width and height:
            crop = Region(x - region.x, y - region.y, width, height)
            drawn.append((region, clip, tuple(widget.render_lines(crop))))
    return tuple(drawn)


class Backdrop(RichVisual):
    """The screen beneath a dialog, dimmed: :class:`BackgroundScreen`'s picture, drawn from
    that screen's lines with each style's dimmed form looked up (:func:`dimmed`); the
    dialog's last picture again when nothing it was made from has changed."""

    def __init__(self, dialog: "Modal[Any]", behind: BackgroundScreen) -> None:
        super().__init__(dialog, behind)
        self.dialog = dialog
        self.behind = behind

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        base = style.rich_style
        tint = self.behind.color
        key = (width, height, base, tint, self.behind.screen, drawn_beneath(self.behind.screen))
        last = self.dialog.last_backdrop
        if last is not None and last[0] == key:
            return last[1]
        strips = self._draw(width, height, style, options, base, tint)
        self.dialog.last_backdrop = (key, strips)
        return strips

    def _draw(
        self,
        width: int,
        height: int | None,
        style: Style,
        options: RenderOptions,
        base: RichStyle,
        tint: Color,
    ) -> list[Strip]:
        lines = self.behind.screen._compositor.render_strips()
        if any(segment.control for line in lines for segment in line):
            return super().render_strips(width, height, style, options)  # (never seen)
        return [
            Strip(
                Segment.adjust_line_length(
                    [Segment(text, dimmed(s, tint, base), None) for text, s, _ in line],
                    width,
                    pad=False,
                )
            )
            for line in islice(lines, None, height)
        ]


class Modal(ModalScreen[ResultType], Restyled[ResultType]):
    """A modal screen drawn over a :class:`Backdrop` of the screen beneath (styled again
    when shown again only if something outside it changed: :mod:`stepcnn.tui.resume`). Its own lines
    (the backdrop, through Textual's styling of a widget's lines) are remembered with what
    they were made from: a dialog shown again over the same picture gives the same lines,
    not 50 lines styled anew (~2 ms at 160×50)."""

    last_backdrop: tuple[tuple[object, ...], list[Strip]] | None = None
    """The backdrop drawn last, and what it was drawn from (see :class:`Backdrop`)."""
    _last_lines: tuple[tuple[object, ...], list[Strip]] | None = None

    def render(self) -> RenderableType:
        drawn = super().render()
        if isinstance(drawn, BackgroundScreen):
            # A Visual: Textual draws what render() gives through visualize(), which takes
            # a Visual as it is (the annotation inherited from Screen names renderables only).
            return cast(RenderableType, Backdrop(self, drawn))
        return drawn

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._dirty_regions:
            self._render_content()  # (what Widget.render_line does first when it is due)
        app = self.app
        key = (
            crop,
            self.size,
            tuple(self._render_cache.lines),
            tuple(self.styles.get_rules().items()),
            self.background_colors,
            tuple(self.get_line_filters()),
            self.opacity,
            app.ansi_theme,
            app.native_ansi_color,
        )
        if self._last_lines is not None and self._last_lines[0] == key:
            return self._last_lines[1]
        lines = super().render_lines(crop)
        self._last_lines = (key, lines)
        return lines
