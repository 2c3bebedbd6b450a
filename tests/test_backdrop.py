"""The dimmed screen behind a dialog: drawn faster than Textual's BackgroundScreen, the same
segments."""

import pytest
from test_tui import make_app, press
from textual._context import visible_screen_stack
from textual.visual import RenderOptions, RichVisual

from stepcnn.timeline import Condition, find
from stepcnn.tui.backdrop import Backdrop, dimmed


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("op", [None, "conv2d.backward"])
async def test_the_backdrop_is_textuals_dimmed_screen_segment_for_segment(
    theme: str, op: str | None
) -> None:
    app = make_app("lenet5")
    if op is not None:
        k = find(app.session.timeline, Condition(op=op), -1)
        assert k is not None
        app.session.goto(k)
    async with app.run_test(size=(160, 50)) as pilot:
        app.theme = theme
        await press(pilot, "question_mark")
        dialog, beneath = app.screen, app.screen_stack[0]
        visible_screen_stack.set([beneath])
        backdrop = dialog.render()
        assert isinstance(backdrop, Backdrop)
        width, height = dialog.size
        options = RenderOptions(dialog._get_style, dialog.styles, None, None)
        for _ in range(2):  # once working each style out, once looking it up
            ours = backdrop.render_strips(width, height, dialog.visual_style, options)
            textuals = RichVisual.render_strips(
                backdrop, width, height, dialog.visual_style, options
            )
            assert [list(s) for s in ours] == [list(s) for s in textuals]
        assert len(ours) == 50 and all(s.cell_length == 160 for s in ours)
        # dimmed: no cell keeps its colour, and no click lands on a cell behind the dialog
        behind = beneath._compositor.render_strips()
        assert ours[10].text == behind[10].text and list(ours[10]) != list(behind[10])
        assert all(seg.style is None or not seg.style.meta for s in ours for seg in s)


def test_a_style_is_dimmed_once_then_looked_up() -> None:
    from rich.style import Style
    from textual.color import Color

    cell = Style(color="#ff0000", bgcolor="#000000", meta={"row": 1})
    first = dimmed(cell, Color(0, 0, 0, 0.5), Style())
    assert dimmed(cell, Color(0, 0, 0, 0.5), Style()) is first
    # red halfway to black: 255 + (0 - 255) × 0.5 = 127.5, which Textual truncates
    assert first.color is not None and first.color.triplet == (127, 0, 0)
    assert not first.meta
