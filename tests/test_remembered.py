"""The help screen's table, drawn once per width and remembered: the same picture at every
opening, redrawn in a new theme's colours."""

from rich.segment import Segment
from test_tui import make_app, press

from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.palette import palette_of
from stepcnn.tui.remembered import RememberedStatic


def help_lines(app: StepCNNApp) -> list[list[Segment]]:
    widget = app.screen.query_one("#help-keys", RememberedStatic)
    return [list(strip) for strip in widget.render_lines(widget.size.region)]


async def test_the_help_table_is_the_same_at_every_opening_and_follows_the_theme() -> None:
    app = make_app("tour")
    async with app.run_test(size=(160, 50)) as pilot:
        await press(pilot, "question_mark")
        first = help_lines(app)
        assert any("Help" in "".join(s.text for s in line) for line in first)
        await press(pilot, "escape", "question_mark")
        assert help_lines(app) == first  # drawn from what was remembered
        app.theme = "textual-light"
        await pilot.pause()
        light = help_lines(app)
        assert light != first
        key = palette_of(app).key
        keyed = [s for line in light for s in line if s.text.strip() == "?"]
        assert keyed and all(s.style is not None and s.style.color == key.color for s in keyed)


def source_lines(app: StepCNNApp) -> list[str]:
    pane = app.screen.query_one("#source-code")
    return [s.text for s in pane.render_lines(pane.size.region)]


async def test_the_source_pane_shows_the_same_code_again_and_other_code_elsewhere() -> None:
    app = make_app("tour")
    async with app.run_test(size=(160, 50)) as pilot:
        await press(pilot, "s")
        first = source_lines(app)
        assert any("def " in line for line in first)
        await press(pilot, "s", "s")  # hidden, shown again: from what was remembered
        assert source_lines(app) == first
        await press(pilot, "greater_than_sign")  # another layer's operation: its own code
        assert source_lines(app) != first
        await press(pilot, "less_than_sign")
        assert source_lines(app) == first
