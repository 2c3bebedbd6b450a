"""Themes: every colour on the screen comes from the Textual theme, light ones included.

Readability is measured with WCAG's contrast ratio, computed here from the colours the screen
really carries (the rendered segments), not from the palette's own arithmetic.
"""

from typing import Any

import pytest
from rich.color import Color as RichColor
from textual.app import App
from textual.theme import BUILTIN_THEMES

from stepcnn.cli import main
from stepcnn.present.cells import NONFINITE_TONE, TONES, Mark
from stepcnn.session.session import Session
from stepcnn.timeline import Condition, find
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.palette import build_palette, palette_of
from stepcnn.web.serve import session_command

LIGHT, DARK = "textual-light", "textual-dark"
TRUECOLOR_THEMES = sorted(name for name in BUILTIN_THEMES if not name.startswith("ansi"))
Triplet = tuple[int, int, int]
SWATCHES = " ▀▄█▁▂▃▅▆▇▏❱"  # colour swatches, rules and markers, not text


def luminance(rgb: Triplet) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Triplet, b: Triplet) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def mean_luminance(colours: list[Triplet]) -> float:
    assert colours, "no cells drawn"
    return sum(luminance(c) for c in colours) / len(colours)


def rgb(colour: RichColor) -> Triplet:
    t = colour.get_truecolor()
    return t.red, t.green, t.blue


def theme_rgb(app: App[Any], name: str) -> Triplet:
    return rgb(RichColor.parse(app.get_css_variables()[name]))


def palette_for(name: str):  # type: ignore[no-untyped-def]
    app: App[None] = App()
    app.theme = name
    return build_palette(name, app.current_theme.dark, app.get_css_variables()), app


# ---- the palette, theme by theme ----------------------------------------------------------


@pytest.mark.parametrize("name", TRUECOLOR_THEMES)
def test_every_cell_reads_on_its_heat_map_colour(name: str) -> None:
    palette, _ = palette_for(name)
    tones = [*range(-TONES, TONES + 1), NONFINITE_TONE]
    for tone in tones:
        for mark in Mark:
            style = palette.cell(tone, mark)
            assert style.color is not None and style.bgcolor is not None
            ratio = contrast(rgb(style.color), rgb(style.bgcolor))
            assert ratio >= 3.0, f"{name}: tone {tone}, {mark.name}: contrast {ratio:.2f}"


@pytest.mark.parametrize("name", TRUECOLOR_THEMES)
def test_the_heat_map_starts_from_the_themes_paper_and_diverges(name: str) -> None:
    palette, app = palette_for(name)
    zero = rgb(palette.cell(0, Mark.NONE).bgcolor)  # type: ignore[arg-type]
    background = theme_rgb(app, "background")
    # zero is the theme's kind of paper: light on a light theme, dark on a dark one
    assert (luminance(zero) > 0.4) == (luminance(background) > 0.4)
    for sign in (-1, 1):  # negative ever bluer, positive ever redder
        previous, tilt = 0.0, zero[2] - zero[0]
        for tone in range(1, TONES + 1):
            c = rgb(palette.cell(sign * tone, Mark.NONE).bgcolor)  # type: ignore[arg-type]
            assert (c[2] - c[0] - tilt) * -sign > 0, f"{name}: tone {sign * tone} is {c}"
            tilt = c[2] - c[0]
            distance = sum((a - b) ** 2 for a, b in zip(c, zero, strict=True)) ** 0.5
            assert distance > previous  # further from zero the larger the magnitude
            previous = distance
        assert max(rgb(palette.cell(sign * TONES, Mark.NONE).bgcolor)) == max(  # type: ignore[arg-type]
            rgb(palette.cell(sign * TONES, Mark.NONE).bgcolor)[i]  # type: ignore[arg-type]
            for i in ((2,) if sign < 0 else (0,))
        )


def test_a_light_theme_gets_a_light_heat_map() -> None:
    light, _ = palette_for(LIGHT)
    dark, _ = palette_for(DARK)
    for tone in range(-TONES, TONES + 1):
        on_light = luminance(rgb(light.cell(tone, Mark.NONE).bgcolor))  # type: ignore[arg-type]
        on_dark = luminance(rgb(dark.cell(tone, Mark.NONE).bgcolor))  # type: ignore[arg-type]
        assert on_light > on_dark, tone


def test_an_ansi_theme_keeps_the_terminals_own_text_colour() -> None:
    palette, _ = palette_for("ansi-dark")
    assert palette.equation.color is not None and palette.equation.color.is_default


# ---- the app ------------------------------------------------------------------------------


def app_at(theme: str | None = None) -> StepCNNApp:
    session = Session(load_scenario("tour"))
    k = find(session.timeline, Condition(op="conv2d.backward", index=(0, 0, 1, 1)), -1)
    assert k is not None
    session.goto(k)
    return StepCNNApp(session, theme=theme)


FOOTER_CONTRAST = 4.5
"""The footer's keys are text to read, not large or bold headings: WCAG AA."""


def unreadable(app: StepCNNApp, minimum: float = 3.0) -> list[str]:
    """Every run of visible text on the screen whose colour does not read on its background
    (colours left unset are the theme's foreground and background); on the last line, the
    footer, at least FOOTER_CONTRAST."""
    fg0, bg0 = theme_rgb(app, "foreground"), theme_rgb(app, "background")
    found = []
    strips = app.screen._compositor.render_strips()
    for y, strip in enumerate(strips):
        least = FOOTER_CONTRAST if y == len(strips) - 1 else minimum
        for segment in strip:
            style = segment.style
            text = segment.text.strip(SWATCHES)
            if not text or style is None or style.dim:
                continue
            fg = rgb(style.color) if style.color and not style.color.is_default else fg0
            bg = rgb(style.bgcolor) if style.bgcolor and not style.bgcolor.is_default else bg0
            if style.reverse:
                fg, bg = bg, fg
            ratio = contrast(fg, bg)
            if ratio < least:
                found.append(f"line {y}: {text!r} {fg} on {bg}: {ratio:.2f}")
    return found


def cell_backgrounds(app: StepCNNApp) -> list[Triplet]:
    view = app.query_one("#operation")
    return [
        rgb(seg.style.bgcolor)
        for y in range(view.size.height)
        for seg in view.render_line(y)
        if seg.style is not None and seg.style.bgcolor is not None and seg.style.meta
    ]


def styled_colours(app: StepCNNApp, selector: str) -> set[Triplet]:
    widget = app.query_one(selector)
    return {
        rgb(seg.style.color)
        for y in range(widget.size.height)
        for seg in widget.render_line(y)  # type: ignore[attr-defined]
        if seg.text.strip() and seg.style is not None and seg.style.color is not None
    }


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
@pytest.mark.parametrize("theme", [LIGHT, DARK, "solarized-light", "nord"])
async def test_every_character_reads_on_a_white_terminal_and_a_black_one(
    theme: str, size: tuple[int, int]
) -> None:
    app = app_at(theme)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.theme == theme
        light = luminance(theme_rgb(app, "background")) > 0.4
        assert (mean_luminance(cell_backgrounds(app)) > 0.4) == light
        assert unreadable(app) == []
        if theme not in (LIGHT, DARK):
            return  # (Rich blends the source pane's line numbers: faint on some themes)
        await pilot.press("s")  # the source pane too
        await pilot.pause()
        assert app.query_one("#source").display
        assert unreadable(app) == []


def left_to_the_terminal(app: StepCNNApp) -> list[str]:
    """Runs of the screen drawn in the terminal's own default colours (which on a white
    terminal under a dark theme, or the reverse, are not the theme's)."""
    found = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        for segment in strip:
            style = segment.style
            if style is None or style.bgcolor is None or style.bgcolor.is_default:
                found.append(f"line {y}: {segment.text!r} has no background")
            elif segment.text.strip() and (style.color is None or style.color.is_default):
                found.append(f"line {y}: {segment.text!r} has no colour")
    return found


@pytest.mark.parametrize("theme", [LIGHT, DARK])
async def test_no_cell_is_left_to_the_terminals_default_colours(theme: str) -> None:
    app = app_at(theme)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert left_to_the_terminal(app) == []
        await pilot.press("s")
        await pilot.pause()
        assert left_to_the_terminal(app) == []


async def test_switching_the_theme_recolours_every_widget() -> None:
    app = app_at()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        widgets = ("#operation", "#network", "#status", "#sparkline")
        before = {w: styled_colours(app, w) for w in widgets}
        assert mean_luminance(cell_backgrounds(app)) < 0.2
        app.theme = LIGHT  # what the command palette's "Theme" does
        await pilot.pause()
        await pilot.pause()
        after = {w: styled_colours(app, w) for w in widgets}
        for w in widgets:
            assert before[w] and after[w] and before[w].isdisjoint(after[w]), w
        assert mean_luminance(cell_backgrounds(app)) > 0.4
        assert unreadable(app) == []
        await pilot.press("s")  # the source pane opens in the new theme's colours
        await pilot.pause()
        assert unreadable(app) == []
        assert palette_of(app).name == LIGHT


async def test_the_command_palettes_theme_switch_recolours_the_screen() -> None:
    app = app_at()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert mean_luminance(cell_backgrounds(app)) < 0.2
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"theme", "enter")  # the palette's "Theme" command
        await pilot.pause()
        await pilot.press(*LIGHT, "enter")
        await pilot.pause()
        await pilot.pause()
        assert app.theme == LIGHT and isinstance(app.screen, type(app.main))
        assert mean_luminance(cell_backgrounds(app)) > 0.4
        assert unreadable(app) == []


async def test_a_screen_view_open_during_a_theme_switch_is_recoloured() -> None:
    app = app_at()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("d")  # the gradient check: a screen view with panels
        await pilot.pause()
        view = app.screen.query_one("#view-panels")

        def backgrounds() -> list[Triplet]:
            return [
                rgb(seg.style.bgcolor)
                for y in range(view.size.height)
                for seg in view.render_line(y)  # type: ignore[attr-defined]
                if seg.style is not None and seg.style.bgcolor is not None and seg.style.meta
            ]

        assert mean_luminance(backgrounds()) < 0.2
        app.theme = LIGHT
        await pilot.pause()
        await pilot.pause()
        assert mean_luminance(backgrounds()) > 0.4


async def test_the_help_screens_keys_take_the_new_themes_colour_while_it_is_open() -> None:
    """The key column of the help screen is drawn in the theme's key colour; switched while
    the help is open, it takes the new theme's (it kept the old one's)."""
    app = app_at()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

        def key_colours() -> set[Triplet]:
            """Colours of the text that reads "→/l" (the table's first key) on the screen
            but its last line (the footer, dimmed behind the dialog)."""
            found = set()
            for strip in app.screen._compositor.render_strips()[:-1]:
                for segment in strip:
                    if "→/l" in segment.text and segment.style and segment.style.color:
                        found.add(rgb(segment.style.color))
            return found

        dark_key = palette_of(app).key.color
        assert dark_key is not None and key_colours() == {rgb(dark_key)}
        app.theme = LIGHT
        await pilot.pause()
        await pilot.pause()
        light_key = palette_of(app).key.color
        assert light_key is not None and rgb(light_key) != rgb(dark_key)
        assert key_colours() == {rgb(light_key)}


# ---- --theme on the command line ------------------------------------------------------------


def test_the_theme_flag_reaches_the_app(capsys: Any, monkeypatch: Any) -> None:
    opened = []

    def fake_run(
        session: Session, ref: str, watch: bool = False, theme: str | None = None, **_: object
    ) -> int:
        app = StepCNNApp(session, ref, watch, theme)
        opened.append(app.current_theme.name)
        return 0

    monkeypatch.setattr("stepcnn.tui.app.run_app", fake_run)
    assert main(["hand-computable", "--theme", LIGHT]) == 0
    assert main(["hand-computable"]) == 0
    assert opened == [LIGHT, DARK]


def test_an_unknown_theme_is_one_line_and_exit_2(capsys: Any) -> None:
    assert main(["hand-computable", "--theme", "pink"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--theme" in err and "textual-light" in err


def test_serve_passes_the_theme_to_every_tab(capsys: Any) -> None:
    command = session_command("tour", None, LIGHT)
    assert command.startswith("exec ") and "--theme textual-light -- tour" in command
    assert main(["serve", "tour", "--theme", "pink"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "stepcnn serve: argument --theme" in err


async def test_a_line_drawn_as_the_theme_changes_keeps_the_new_themes_ground() -> None:
    from test_tui import make_app

    from stepcnn.tui.text import TextBlock, ground

    app = make_app("tour")
    async with app.run_test(size=(160, 50)) as pilot:
        block = app.query_one("#network", TextBlock)
        dark = ground(block)
        app.theme = "textual-light"
        # Drawn before Textual applies the new theme's CSS (its refresh_css comes next):
        # the old colours, not to be kept for the new theme.
        assert ground(block) == dark
        await pilot.pause()
        assert ground(block) == block.rich_style != dark
