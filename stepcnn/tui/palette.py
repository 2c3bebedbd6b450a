"""Colours: a diverging heat map (blue negative, neutral zero, red positive) and cell marks."""

from functools import cache

from rich.style import Style

from stepcnn.present.cells import NONFINITE_TONE, Mark

TONE_BG = {
    -4: "#3b7dd8",
    -3: "#2f62ad",
    -2: "#284b80",
    -1: "#24364f",
    0: "#262626",
    1: "#553029",
    2: "#83372a",
    3: "#b0412c",
    4: "#dd4f2f",
    NONFINITE_TONE: "#262626",
}
TEXT = "#eeeeee"


@cache
def cell_style(tone: int, mark: int) -> Style:
    """The style of a cell with this tone and mark (cached: a few dozen styles in all)."""
    bg = TONE_BG.get(tone, TONE_BG[0])
    if tone == NONFINITE_TONE:
        base = Style(color="#ff5fd7", bgcolor=bg, bold=True)
    else:
        base = Style(color=TEXT, bgcolor=bg)
    if mark == Mark.WRITE:
        return base + Style(color="#000000", bgcolor="#ffd75f", bold=True)
    if mark == Mark.WINNER:
        return base + Style(color="#87ff5f", bold=True, underline=True)
    if mark == Mark.READ:
        return base + Style(color="#ffd75f", bold=True, underline=True)
    if mark == Mark.SELECTED:
        return base + Style(bgcolor="#8a4fd0", bold=True)
    if mark == Mark.UNKNOWN:
        return Style(color="#5f5f5f", bgcolor="#1c1c1c")
    if mark == Mark.PAD:
        return Style(color="#6c6c6c", bgcolor="#1c1c1c", italic=True)
    return base


LABEL = Style(color="#a8a8a8", italic=True)
BORDER = Style(color="#4f7fbf")
TITLE = Style(color="#eeeeee", bold=True)
OVERVIEW_OUTSIDE = 0.45  # dimming of the overview outside the viewport
