"""Colours, all from the app's Textual theme: text roles, borders, marks and the heat map.

A :class:`Palette` is computed from the theme's design variables (``$foreground``,
``$text-muted``, ``$primary``, ``$warning``, ``$surface``, …) once per theme and cached by the
theme's name; :func:`palette_of` gives the app's current one. The heat map is diverging: blue
for negative, red for positive, blended out of the theme's surface colour, so zero looks like
the theme's paper; light themes get a light (pastel) ramp that keeps dark text readable. A
theme may choose its own heat-map ends with the variables ``heat-negative``,
``heat-positive`` and ``heat-selected``.
"""

from dataclasses import dataclass, field
from functools import cache

from rich.color import Color as RichColor
from rich.style import Style
from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES

from stepcnn.present.cells import NONFINITE_TONE, TONES, Mark
from stepcnn.tui.text import Span

HEAT_ENDS = {
    # (negative, positive, selected) — the colour-blind-safe diverging pair, and a purple
    # that is neither; a theme's own heat-* variables take precedence.
    True: ("#3b7dd8", "#dd4f2f", "#8a4fd0"),  # dark themes: saturated ends
    False: ("#2f6fd0", "#d0452a", "#a77be0"),  # light themes: mixed only part-way (pastel)
}
RAMP = {True: (0.25, 0.5, 0.75, 1.0), False: (0.15, 0.3, 0.5, 0.7)}
"""How far each tone 1…TONES goes from the zero colour towards the end colour."""
FALLBACK = {True: ("#121212", "#e0e0e0"), False: ("#ffffff", "#1f1f1f")}
"""(background, foreground) to blend with when the theme's are the terminal's own (ANSI)."""
MIN_CONTRAST = 3.0  # WCAG's minimum for large or bold text
GOOD_CONTRAST = 4.5  # WCAG AA for text
TERMINAL_DEFAULT = Color(0, 0, 0, ansi=-1)
OVERVIEW_OUTSIDE = 0.45  # how much of its colour the overview keeps outside the viewport


@dataclass(frozen=True)
class Palette:
    """Every style the debugger draws with, for one theme."""

    name: str
    dark: bool
    dim: Style  # separators, secondary words
    bold: Style
    current: Style  # the current layer in the network strip
    done: Style  # layers the step has passed
    todo: Style  # layers still to come
    warn: Style  # NaN / inf warnings
    key: Style  # keys, play state, breakpoints, views in the status bar
    equation: Style
    narration: Style
    label: Style  # a grid's label inside a panel
    border: Style  # panel boxes
    title: Style  # panel titles
    bar: Style  # the loss sparkline
    bar_current: Style  # the current iteration's bar
    background: Color  # the theme's background (the overview dims towards it)
    footer: Style  # the footer's background
    footer_key: Style  # a key in the footer
    footer_text: Style  # what a key does, in the footer
    tone_bg: dict[int, Color]  # the heat map: tone → cell background
    tone_fg: dict[int, Color]  # cell text that reads on each tone
    marks: dict[int, Style]  # what each mark adds to a cell's tone
    muted: Color  # the overview's zero inside the viewport
    _cells: dict[tuple[int, int], Style] = field(default_factory=dict, compare=False)
    _overview: dict[tuple[int, int, bool], Style] = field(default_factory=dict, compare=False)

    def role(self, name: str) -> Style:
        """The style of a role that :mod:`stepcnn.present` names (``"plain"``: none)."""
        return PLAIN if name == "plain" else getattr(self, ROLES[name])

    def spans(self, pieces: list[tuple[str, str]]) -> list[Span]:
        """``(text, role)`` pieces as ``(text, style)`` spans."""
        return [(text, self.role(role)) for text, role in pieces]

    def cell(self, tone: int, mark: int) -> Style:
        """The style of a cell with this tone and mark (cached: a few dozen in all)."""
        key = (tone, mark)
        style = self._cells.get(key)
        if style is None:
            style = self._cells[key] = self._cell(tone, mark)
        return style

    def _cell(self, tone: int, mark: int) -> Style:
        if mark in (Mark.UNKNOWN, Mark.PAD):
            return self.marks[mark]
        bg = self.tone_bg.get(tone, self.tone_bg[0])
        fg = self.tone_fg.get(tone, self.tone_fg[0])
        base = Style(color=fg.rich_color, bgcolor=bg.rich_color, bold=tone == NONFINITE_TONE)
        if mark not in self.marks:
            return base
        marked = base + self.marks[mark]
        colour = marked.color
        if marked.bgcolor == base.bgcolor and colour is not None and colour.triplet is not None:
            # A mark that colours the text only (read, winner): where that colour would not
            # read on this tone, the tone's own text colour, bold and underlined, marks it.
            r, g, b = colour.triplet
            if _contrast(Color(r, g, b), bg) < MIN_CONTRAST:
                return marked + Style(color=fg.rich_color)
        return marked

    def overview(self, top: int, bottom: int, inside: bool) -> Style:
        """The style of one half-block of the overview: ``top`` tone as foreground, ``bottom``
        as background; zero inside the viewport in the muted colour, outside it faded."""
        key = (top, bottom, inside)
        style = self._overview.get(key)
        if style is None:
            ends = [
                self.tone_bg.get(t, self.tone_bg[0]) if t else self.muted for t in (top, bottom)
            ]
            if not inside:
                ends = [self.background.blend(c, OVERVIEW_OUTSIDE) for c in ends]
            style = Style(color=ends[0].rich_color, bgcolor=ends[1].rich_color)
            self._overview[key] = style
        return style


PLAIN = Style()
ROLES = {name: name for name in ("dim", "bold", "current", "done", "todo", "warn", "key")}
"""The roles :mod:`stepcnn.present` gives text pieces, and the palette field of each."""

_CACHE: dict[str, Palette] = {}


def palette_of(app: App) -> Palette:  # type: ignore[type-arg]
    """The palette of the app's current theme (computed once per theme name)."""
    theme = app.current_theme
    palette = _CACHE.get(theme.name)
    if palette is None:
        palette = _CACHE[theme.name] = build_palette(
            theme.name, theme.dark, app.get_css_variables()
        )
    return palette


@cache
def theme_palette(name: str = "textual-dark") -> Palette:
    """The palette of a built-in theme, without an app (for drawing outside one)."""
    theme = BUILTIN_THEMES[name]
    variables = {**theme.to_color_system().generate(), **theme.variables}
    return build_palette(name, theme.dark, variables)


def build_palette(name: str, dark: bool, variables: dict[str, str]) -> Palette:
    """A palette from a theme's CSS variables (as ``App.get_css_variables`` gives them)."""
    base_bg, base_fg = (Color.parse(c) for c in FALLBACK[dark])
    background = _solid(variables.get("background", ""), base_bg, base_bg)
    foreground = _resolve(variables.get("foreground", ""), background, base_fg)
    if variables.get("foreground", "").startswith("ansi_default"):
        foreground = TERMINAL_DEFAULT  # an ANSI theme: the terminal's own text colour

    def colour(var: str, default: Color | None = None) -> Color:
        return _resolve(variables.get(var, ""), background, default or foreground)

    def rich(var: str, default: Color | None = None) -> RichColor:
        return colour(var, default).rich_color

    text, muted = colour("text"), colour("text-muted")
    surface = _solid(variables.get("surface", ""), background, background)
    zero = _solid(variables.get("surface-lighten-1", ""), background, surface)
    negative, positive, selected = (
        _solid(variables.get(var, ""), background, Color.parse(default))
        for var, default in zip(
            ("heat-negative", "heat-positive", "heat-selected"), HEAT_ENDS[dark], strict=True
        )
    )
    tone_bg = {0: zero, NONFINITE_TONE: colour("error")}
    for i, share in enumerate(RAMP[dark], start=1):
        tone_bg[-i] = zero.blend(negative, share)
        tone_bg[i] = zero.blend(positive, share)
    assert len(RAMP[dark]) == TONES
    tone_fg = {tone: _readable(foreground, background, bg) for tone, bg in tone_bg.items()}
    warning = colour("warning")
    marks: dict[int, Style] = {
        Mark.WRITE: Style(
            color=_readable(foreground, background, warning).rich_color,
            bgcolor=warning.rich_color,
            bold=True,
        ),
        Mark.WINNER: Style(color=rich("text-success"), bold=True, underline=True),
        Mark.READ: Style(color=rich("text-warning"), bold=True, underline=True),
        Mark.SELECTED: Style(
            color=_readable(foreground, background, selected).rich_color,
            bgcolor=selected.rich_color,
            bold=True,
        ),
        Mark.UNKNOWN: Style(color=muted.rich_color, bgcolor=background.rich_color),
        Mark.PAD: Style(color=muted.rich_color, bgcolor=background.rich_color, italic=True),
    }
    accent = colour("accent")
    bar = _solid(variables.get("footer-background", ""), background, background)

    def legible(*names: str) -> Color:  # the first that reads on the footer (WCAG AA)
        return _legible([colour(n) for n in names if variables.get(n)] + [foreground], bar)

    footer = Style(bgcolor=bar.rich_color)
    return Palette(
        name=name,
        dark=dark,
        dim=Style(color=muted.rich_color),
        bold=Style(bold=True),
        current=Style(
            color=_readable(foreground, background, accent).rich_color,
            bgcolor=accent.rich_color,
            bold=True,
        ),
        done=Style(color=text.rich_color),
        todo=Style(color=muted.rich_color),
        warn=Style(color=rich("text-error"), bold=True),
        key=Style(color=rich("text-primary"), bold=True),
        equation=Style(color=foreground.rich_color, bold=True),
        narration=Style(color=text.rich_color, italic=True),
        label=Style(color=muted.rich_color, italic=True),
        border=Style(color=rich("primary")),
        title=Style(color=foreground.rich_color, bold=True),
        bar=Style(color=rich("primary")),
        bar_current=Style(color=rich("text-accent")),
        background=background,
        footer=footer,
        footer_key=footer
        + Style(color=legible("footer-key-foreground", "text-primary").rich_color, bold=True),
        footer_text=footer + Style(color=legible("footer-description-foreground").rich_color),
        tone_bg=tone_bg,
        tone_fg=tone_fg,
        marks=marks,
        muted=background.blend(muted, 0.7),
    )


def _resolve(text: str, background: Color, default: Color) -> Color:
    """A CSS variable's colour: ``#rrggbb``, ``#rrggbbaa``, a name, ``auto 87%`` (text that
    contrasts with the background) or ``colour 50%``; translucent colours are blended over
    the background. ANSI colours stay ANSI (the terminal decides them)."""
    parts = text.split()
    if not parts:
        return default
    alpha = 1.0
    if len(parts) > 1 and parts[1].endswith("%"):
        try:
            alpha = float(parts[1][:-1]) / 100
        except ValueError:
            return default
    if parts[0] == "auto":
        return background + background.get_contrast_text(alpha)
    try:
        colour = Color.parse(parts[0])
    except ColorParseError:
        return default
    if colour.ansi is not None:
        return default if colour.ansi == -1 else colour
    if colour.a == 0:
        return default
    return background + colour.with_alpha(colour.a * alpha)


def _solid(text: str, background: Color, default: Color) -> Color:
    """Like :func:`_resolve`, but never an ANSI colour: heat-map colours are blended."""
    colour = _resolve(text, background, default)
    return default if colour.ansi is not None else colour


def _readable(foreground: Color, background: Color, on: Color) -> Color:
    """Text for ``on``: the theme's foreground where it reads well (WCAG AA), else the better
    of the theme's foreground and background; black or white if neither reads."""
    if on.ansi is not None or foreground.ansi is not None:
        return foreground
    if _contrast(foreground, on) >= GOOD_CONTRAST:
        return foreground
    best = max((foreground, background), key=lambda c: _contrast(c, on))
    return best if _contrast(best, on) >= MIN_CONTRAST else on.get_contrast_text(1.0)


def _legible(candidates: list[Color], on: Color) -> Color:
    """The first of ``candidates`` that reads on ``on`` as text must (WCAG AA, 4.5:1); black
    or white if none does (an ANSI colour: the terminal decides, so the first)."""
    if on.ansi is not None or any(c.ansi is not None for c in candidates):
        return candidates[0]
    for colour in candidates:
        if _contrast(colour, on) >= GOOD_CONTRAST:
            return colour
    return max((Color(0, 0, 0), Color(255, 255, 255)), key=lambda c: _contrast(c, on))


def _contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio."""

    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
