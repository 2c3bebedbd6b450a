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
"""

from itertools import islice
from typing import TypeVar, cast

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.color import Color
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual
from textual.widget import Widget

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


class Backdrop(RichVisual):
    """The screen beneath a dialog, dimmed: :class:`BackgroundScreen`'s picture, drawn from
    that screen's lines with each style's dimmed form looked up (:func:`dimmed`)."""

    def __init__(self, dialog: Widget, behind: BackgroundScreen) -> None:
        super().__init__(dialog, behind)
        self.behind = behind

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        base = style.rich_style
        tint = self.behind.color
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


class Modal(ModalScreen[ResultType]):
    """A modal screen drawn over a :class:`Backdrop` of the screen beneath."""

    def render(self) -> RenderableType:
        drawn = super().render()
        if isinstance(drawn, BackgroundScreen):
            # A Visual: Textual draws what render() gives through visualize(), which takes
            # a Visual as it is (the annotation inherited from Screen names renderables only).
            return cast(RenderableType, Backdrop(self, drawn))
        return drawn
