"""The operation view's layout, read off the rendered lines of the real app.

At 80×24 and at 160×50, for every built-in scenario with a conv layer and for generated ones
(a 28×28 input with 5×5 filters over 3 and over 6 channels; RGB with stride 2 and padding 1),
at conv forward and backward steps: every number of the filter, of ``patch ⊙ W[f]`` and of
``g · patch`` is on the terminal, whole, where its cell is — on the screen at once or on one
of the pages ``t`` turns — and the patch being read is inside its viewport. Expected values
come from the engine's records and the step's operands; their texts are formatted as the grid
formats them.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.pilot import Pilot

from stepcnn.present.cells import Mark
from stepcnn.present.grid import Grid, Panel
from stepcnn.scenario.builtin import paths
from stepcnn.session.session import Session
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.layout import follow
from stepcnn.tui.operation import OperationView
from stepcnn.tui.painter import Placed, fit_words
from stepcnn.tui.viewport import Window

SIZES = [(80, 24), (160, 50)]
BUILTIN_CONV = sorted(
    p.stem for p in paths() if any(layer.type == "conv2d" for layer in load_scenario(str(p)).layers)
)
GENERATED = {
    "gen-28x28-5x5-3ch": {"channels": 3},
    "gen-28x28-5x5-6ch": {"channels": 6},
    "gen-rgb-stride2-pad1": {"channels": 3, "kernel": 5, "stride": 2, "padding": 1},
}


def generated_toml(channels: int, kernel: int = 5, stride: int = 1, padding: int = 0) -> str:
    """A 28×28 input of ``channels`` channels → conv2d(4 filters) → flatten → linear(2)."""
    image = [
        [
            [round(((i * 7 + j * 3 + c * 5) % 11) / 10 - 0.3, 2) for j in range(28)]
            for i in range(28)
        ]
        for c in range(channels)
    ]
    return (
        f'title = "generated {channels} channels"\nseed = 1\nlearning_rate = 0.01\n'
        'loss = "cross_entropy"\niterations = 1\n'
        f"[[samples]]\ninput = {image}\nlabel = 1\n"
        f'[[layers]]\ntype = "conv2d"\nout_channels = 4\nkernel_size = {kernel}\n'
        f"stride = {stride}\npadding = {padding}\n"
        '[[layers]]\ntype = "flatten"\n[[layers]]\ntype = "linear"\nout_features = 2\n'
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scenarios")
    files = {}
    for name, args in GENERATED.items():
        files[name] = folder / f"{name}.toml"
        files[name].write_text(generated_toml(**args), encoding="utf-8")
    return files


def scenario_ref(name: str, generated: dict[str, Path]) -> str:
    return str(generated[name]) if name in generated else name


def conv_steps(timeline: Timeline) -> Iterator[int]:
    """For each conv segment of the first iteration (forward and backward): a step in the
    middle of the segment and its last step (a corner: the padding, the viewport's far end)."""
    for seg in timeline.segments:
        if seg.kind == "conv2d" and seg.phase in ("forward", "backward"):
            yield min(seg.start + seg.count // 2 + seg.shape[-1] // 2, seg.end - 1)
            yield seg.end - 1


# ---- reading the screen --------------------------------------------------------------------


def view_lines(app: StepCNNApp) -> list[str]:
    """The operation view's lines as the Line API renders them."""
    view = app.query_one(OperationView)
    return [view.render_line(y).text for y in range(view.size.height)]


def cell_xy(placed: Placed, win: Window, r: int, c: int) -> tuple[int, int]:
    """Where grid cell (r, c) of window ``win`` is drawn (the cell's first column)."""
    cw = placed.panel.cell_width
    return placed.x + 2 + win.x + (c - win.col0) * cw, placed.y + 2 + win.y + (r - win.row0)


def drawn_texts(placed: Placed, lines: list[str]) -> dict[int, tuple[Window, np.ndarray]]:
    """For each grid drawn in the panel: its window and the texts read off the screen."""
    out = {}
    cw = placed.panel.cell_width
    for win in placed.windows:
        texts = np.empty((win.rows, win.cols), dtype=object)
        for r in range(win.rows):
            for c in range(win.cols):
                x, y = cell_xy(placed, win, win.row0 + r, win.col0 + c)
                texts[r, c] = lines[y][x : x + cw]
        out[win.grid] = (win, texts)
    return out


def expected_texts(grid: Grid) -> np.ndarray:
    """The grid's numbers as the grid formats them."""
    return grid.text_block(slice(None), slice(None))


def engine_operand(app: StepCNNApp, key: str) -> np.ndarray:
    """What a whole panel must show, from the engine: the filter W[f] (every channel), the
    products patch ⊙ W[f], g · patch."""
    session = app.session
    step = session.step
    record = session.run.record(step.iteration)
    assert step.layer is not None
    if key == "filter":
        params = record.layers[step.layer].params
        assert params is not None
        return np.asarray(params.weight[step.index[1]])
    return np.asarray(step.operands["products" if key == "products" else "dw_contribution"])


async def read_pages(pilot: Pilot[Any], app: StepCNNApp) -> list[tuple[list[Placed], list[str]]]:
    """The panels and lines of every page ``t`` turns to (one if all fit)."""
    view = app.query_one(OperationView)
    pages = [(list(view.placed), view_lines(app))]
    while view.paged and len(pages) < 60:
        await pilot.press("t")
        await pilot.pause()
        if app.session.page == 0:
            break
        pages.append((list(view.placed), view_lines(app)))
    check_every_panel_placed(app, pages)
    return pages


def check_whole_operands(app: StepCNNApp, pages: list[tuple[list[Placed], list[str]]]) -> None:
    step = app.session.step
    wanted = ("filter", "products") if step.phase == "forward" else ("filter", "contribution")
    for key in wanted:
        seen: dict[int, bool] = {}
        panel: Panel | None = None
        for placed_list, lines in pages:
            for placed in placed_list:
                if placed.panel.key != key:
                    continue
                panel = placed.panel
                for g, (win, texts) in drawn_texts(placed, lines).items():
                    grid = panel.grids[g]
                    assert not win.windowed, f"{key} {grid.label} windowed at step {step.k}"
                    cw = panel.cell_width
                    expected = np.vectorize(lambda t, cw=cw: str(t).rjust(cw))(expected_texts(grid))
                    assert (texts == expected).all(), (key, grid.label, texts, expected)
                    seen[g] = True
        assert panel is not None, f"no {key} panel at step {step.k} ({step.op})"
        # every channel was drawn on some page, with the engine's numbers
        assert sorted(seen) == list(range(len(panel.grids))), (key, sorted(seen))
        values = engine_operand(app, key)
        stacked = np.stack([g.values for g in panel.grids])
        np.testing.assert_array_equal(stacked, values.reshape(stacked.shape))


def check_patch_in_sight(app: StepCNNApp, pages: list[tuple[list[Placed], list[str]]]) -> None:
    """The input cells the step reads are inside the input panel's viewports, drawn."""
    for placed_list, lines in pages:
        for placed in placed_list:
            if placed.panel.key != "input":
                continue
            for g, (win, texts) in drawn_texts(placed, lines).items():
                grid = placed.panel.grids[g]
                rows, cols = np.nonzero(grid.mark == Mark.READ)
                assert rows.size, grid.label
                assert win.row0 <= rows.min() and rows.max() < win.row0 + win.rows, grid.label
                assert win.col0 <= cols.min() and cols.max() < win.col0 + win.cols, grid.label
                r, c = rows[0] - win.row0, cols[0] - win.col0
                assert texts[r, c].strip() == str(expected_texts(grid)[rows[0], cols[0]])


def check_headers(pages: list[tuple[list[Placed], list[str]]]) -> None:
    """Titles whole or shortened at a word ("… "), labels starting with the grid's name."""
    for placed_list, lines in pages:
        for placed in placed_list:
            top = lines[placed.y][placed.x : placed.x + placed.width]
            title = placed.panel.title
            shown = fit_words(title, placed.width - 6)
            assert shown and f" {shown} " in top, (title, top)
            if shown != title:
                assert shown.endswith(" …") and title.startswith(shown[:-2].rstrip(" (,:"))
            for win in placed.windows:
                row = lines[placed.y + 1 + win.y]
                label = row[placed.x + 2 + win.x : placed.x + placed.width - 2]  # in its panel
                grid = placed.panel.grids[win.grid]
                name = grid.label.split(" ")[0]
                assert label.startswith(name), (name, label)
                if grid.tie_names is None and grid.fmt.factor:  # a scaled matrix's factor
                    assert label.split("  ")[0].rstrip().endswith(grid.fmt.factor), label


def check_every_panel_placed(app: StepCNNApp, pages: list[tuple[list[Placed], list[str]]]) -> None:
    """No panel is left out: each is on some page (none hidden, none said too big)."""
    view = app.query_one(OperationView)
    titles = {placed.panel.title for placed_list, _ in pages for placed in placed_list}
    assert [p.title for p in view.panels if p.title not in titles] == []
    assert not any("hidden:" in "\n".join(lines) for _, lines in pages)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", BUILTIN_CONV + list(GENERATED))
async def test_every_number_of_the_filter_products_and_g_patch_is_on_the_screen(
    name: str, size: tuple[int, int], generated: dict[str, Path]
) -> None:
    session = Session(load_scenario(scenario_ref(name, generated)), iterations=1)
    app = StepCNNApp(session)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        steps = list(conv_steps(session.timeline))
        assert steps
        for k in steps:
            session.page = 0
            session.goto(k)
            app.redraw()
            await pilot.pause()
            pages = await read_pages(pilot, app)
            check_whole_operands(app, pages)
            check_patch_in_sight(app, pages)
            check_headers(pages)


async def test_lenet5_c3_backward_where_g_patch_spans_five_decades_keeps_its_operands() -> None:
    """LeNet-5 C3 backward, step 35,666 (index 35,665): g·patch runs from 1.8e-09 to 1.6e-04,
    more decades than 3 decimals hold under one factor. Written scientific it was too wide:
    at 80×24 the filter was left out. Scaled (×10⁻⁴, the tiniest reading 0.000, exact zeros
    0) the filter, g·patch and dW are whole, with the engine's numbers."""
    session = Session(load_scenario("lenet5"), iterations=1)
    app = StepCNNApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        session.goto(35665)
        assert (session.step.op, session.step.layer) == ("conv2d.backward", 3)
        g_patch = np.abs(np.asarray(session.step.operands["dw_contribution"]))
        nonzero = g_patch[g_patch > 0]
        assert nonzero.max() / nonzero.min() > 1e4  # the case: more than 3 decimals hold
        app.redraw()
        await pilot.pause()
        pages = await read_pages(pilot, app)
        check_whole_operands(app, pages)
        check_headers(pages)
        keys = {placed.panel.key for placed_list, _ in pages for placed in placed_list}
        assert {"filter", "contribution", "dw"} <= keys


# ---- paging channels -----------------------------------------------------------------------


async def test_t_pages_the_channels_and_the_notice_counts_them(
    generated: dict[str, Path],
) -> None:
    session = Session(load_scenario(str(generated["gen-28x28-5x5-6ch"])), iterations=1)
    app = StepCNNApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(OperationView)
        seg = next(
            s for s in session.timeline.segments if s.kind == "conv2d" and s.phase == "forward"
        )
        session.goto(seg.start + 3)
        app.redraw()
        await pilot.pause()
        assert view.paged
        shown: list[int] = []
        for _ in range(6):
            filt = next(p for p in view.placed if p.panel.key == "filter")
            channels = [filt.panel.grids[w.grid].channel for w in filt.windows]
            assert channels and all(c is not None for c in channels)
            first, last = channels[0], channels[-1]
            assert first is not None and last is not None
            words = f"channel {first}" if first == last else f"channels {first}–{last}"
            text = "\n".join(view_lines(app))
            assert f"{words} of 6" in text
            shown += [c for c in channels if c is not None]
            # the footer offers t while the channels are paged
            assert "Next page" in screen_footer(app)
            await pilot.press("t")
            await pilot.pause()
            if session.page == 0:
                break
        assert sorted(shown) == list(range(6))  # every channel once, then back to the first
        assert session.page == 0


def screen_footer(app: StepCNNApp) -> str:
    """The terminal's last line (the footer), as plain text."""
    return [strip.text for strip in app.screen._compositor.render_strips()][-1]


async def test_no_paging_no_t_in_the_footer() -> None:
    session = Session(load_scenario("hand-computable"), iterations=1)
    app = StepCNNApp(session)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        view = app.query_one(OperationView)
        assert not view.paged
        assert "Next page" not in screen_footer(app)
        k = session.k
        await pilot.press("t")
        await pilot.pause()
        assert session.k == k and session.page == 0


# ---- a big terminal uses its space ---------------------------------------------------------


async def test_a_big_terminal_shows_small_scenarios_unwindowed() -> None:
    for name in ("tour", "hand-computable", "rgb-stride-padding", "shared-weights"):
        session = Session(load_scenario(name), iterations=1)
        app = StepCNNApp(session)
        async with app.run_test(size=(160, 50)) as pilot:
            for k in conv_steps(session.timeline):
                session.goto(k)
                app.redraw()
                await pilot.pause()
                view = app.query_one(OperationView)
                assert not view.paged, name
                assert not any(w.windowed for p in view.placed for w in p.windows), name
                assert {p.panel.key for p in view.placed} == {p.key for p in view.panels}
                equation = session.step.equation
                assert equation.split("\n")[0][:150] in "\n".join(view_lines(app)), name


# ---- the viewport follows --------------------------------------------------------------------


@pytest.mark.parametrize(("visible", "total", "extent"), [(5, 32, 5), (7, 32, 5), (10, 28, 3)])
def test_follow_keeps_the_cells_in_sight_and_scrolls_little(
    visible: int, total: int, extent: int
) -> None:
    previous = 0
    for first in range(total - extent + 1):  # the patch walking across the map
        top = follow(visible, total, first, extent)
        assert 0 <= top <= total - visible
        assert top <= first and first + extent <= top + visible  # the whole patch in sight
        assert previous <= top <= previous + 1  # never a page at a time: one cell at most
        previous = top
    assert follow(visible, total, 0, extent) == 0
    assert follow(total, total, 3, extent) == 0


def test_fit_words_never_cuts_a_word() -> None:
    title = "dW[0] running sum (all channels)"
    assert fit_words(title, 40) == title
    assert fit_words(title, 20) == "dW[0] running sum …"
    assert fit_words(title, 8) == "dW[0] …"
    assert fit_words(title, 6) == ""
    assert fit_words("input patch (all channels)", 20) == "input patch …"  # no "(" left open
    for room in range(len(title)):
        shown = fit_words(title, room)
        assert len(shown) <= room
        if shown:
            assert title.startswith(shown[:-2])


# ---- labels ------------------------------------------------------------------------------------


def check_whole_labels(app: StepCNNApp) -> None:
    """A grid drawn whole (not a viewport) shows its whole label, and a scaled one its factor
    after it: "b", "db", "b new" over a bias's three cells, "[x > 0]" over ReLU's f′."""
    view = app.query_one(OperationView)
    lines = view_lines(app)
    for placed in view.placed:
        for win in placed.windows:
            if win.windowed:
                continue
            grid = placed.panel.grids[win.grid]
            if grid.tie_names is not None:
                continue
            label = lines[placed.y + 1 + win.y][placed.x + 2 + win.x :]
            wanted = f"{grid.label} {grid.fmt.factor}".strip()
            assert label.startswith(wanted), (app.session.k, placed.panel.title, wanted, label)
    for placed in view.placed:  # side by side, two labels never run into one
        for win in placed.windows:
            for other in placed.windows:
                if other.y == win.y and other.x > win.x:
                    y, x = placed.y + 1 + win.y, placed.x + 2 + other.x
                    assert lines[y][x - 2 : x] == "  ", (placed.panel.title, lines[y])


def check_whole_sums(app: StepCNNApp) -> None:
    """A running sum's caption may lose the cell's name, never its numbers: the bottom
    border holds ``before + contribution = after`` whole."""
    view = app.query_one(OperationView)
    lines = view_lines(app)
    for placed in view.placed:
        caption = placed.panel.caption
        if " + " not in caption or ": " not in caption:
            continue
        bottom = lines[placed.y + placed.height - 1][placed.x : placed.x + placed.width]
        numbers = caption.rpartition(": ")[2]
        assert f" {numbers} " in bottom, (app.session.k, caption, bottom)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["tour", "avg-vs-max", "rgb-stride-padding", "two-conv"])
async def test_a_grid_drawn_whole_shows_its_whole_label_and_sums(
    name: str, size: tuple[int, int]
) -> None:
    session = Session(load_scenario(name), iterations=1)
    app = StepCNNApp(session)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for seg in session.timeline.segments:
            for k in (seg.start, seg.end - 1):
                session.goto(k)
                app.redraw()
                await pilot.pause()
                check_whole_labels(app)
                check_whole_sums(app)


async def test_lenet5s_400_long_vectors_show_a_part_a_page_and_the_notice_says_where() -> None:
    """LeNet-5's first linear layer multiplies 400 inputs by a 400-long row of weights. At
    80×24 they cannot show at once (they were cut to a corner, or left out, "hidden: weights"):
    the input vector shows a viewport of rows a page, its label saying which (r0–12/50, then
    the next rows), until all 50 rows have been on the screen in order; the notice says which
    page this is and that more panels are on other pages."""
    session = Session(load_scenario("lenet5"), iterations=1)
    app = StepCNNApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(OperationView)
        seg = next(s for s in session.timeline.segments if s.kind == "linear")
        session.goto(seg.start)
        app.redraw()
        await pilot.pause()
        assert view.paged and view.arrangement is not None
        pages = view.arrangement.pages
        rows: list[int] = []
        for page in range(pages):
            text = "\n".join(view_lines(app))
            assert f"page {page + 1} of {pages}" in text
            if page == 0:
                assert "more panels on other pages" in text or "weights" in text
            for placed in view.placed:
                if placed.panel.key == "input":
                    (win,) = placed.windows
                    assert win.cols == 8 and f"r{win.row0}–{win.row0 + win.rows - 1}/50" in text
                    rows += [r for r in range(win.row0, win.row0 + win.rows) if r not in rows]
            await pilot.press("t")
            await pilot.pause()
        assert rows == list(range(50))  # every row of x, in order
        assert session.page == 0  # round again


async def test_the_page_stays_while_stepping_through_an_op_and_the_next_op_starts_at_page_1() -> (
    None
):
    """LeNet-5's C3 backward at 80×24 is on pages: on page 3, → (the same op, the next cell)
    stays on page 3 — the channel being watched stays in sight — and > (the next layer, another
    op) opens at page 1."""
    session = Session(load_scenario("lenet5"), iterations=1)
    app = StepCNNApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        seg = next(s for s in session.timeline.segments if s.layer == 3 and s.phase == "backward")
        session.goto(seg.start + 5)
        app.redraw()
        await pilot.pause()
        await pilot.press("t", "t")
        await pilot.pause()
        assert session.page == 2 and "page 3 of" in "\n".join(view_lines(app))
        await pilot.press("right")
        await pilot.pause()
        assert session.k == seg.start + 6 and session.page == 2
        assert "page 3 of" in "\n".join(view_lines(app))
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert session.step.layer != 3 and session.page == 0


# ---- the pages, on specs made here -----------------------------------------------------------


def test_panels_that_cannot_share_a_screen_get_a_page_each_and_the_notice_says_where() -> None:
    """Two 10×10 maps (cells 6 wide: 64 columns each) in a view 80 columns wide and 14 lines
    high: side by side they are too wide, one above the other too high, and each is an operand
    that must be whole. Page 1 shows the first, page 2 the second, each notice naming the
    other's page; t after the last comes back to the first."""
    from stepcnn.tui.layout import arrange, notices, plan
    from stepcnn.tui.placement import GridSpec, PanelSpec

    grid = GridSpec(10, 10, None, 4, (10, 10))
    specs = tuple(PanelSpec(5, 6, (grid,), False, row, False) for row in (0, 1))
    pages = plan(specs, 80, 14)
    assert [[f.panel for f in a.frames] for a in pages] == [[0], [1]]
    assert all(not a.hidden and a.pages == 2 for a in pages)
    assert [a.others for a in pages] == [((1, 1, (1,)),), ((0, 0, (0,)),)]
    assert (
        notices(pages[0], ["first", "second"])[1] == "page 1 of 2 · page 2: second (t: next page)"
    )
    assert arrange(specs, 80, 14, 2) == pages[0]  # counted round
    # every cell of each map on its page, whole
    for a in pages:
        (slot,) = a.frames[0].slots
        assert (slot.rows, slot.cols) == (10, 10)


def test_cells_too_many_for_a_viewport_show_a_part_a_page_each_cell_once_at_least() -> None:
    from stepcnn.tui.layout import part_start

    for extent, visible in (((50, 8), (13, 8)), ((1, 150), (3, 9)), ((150, 1), (7, 3))):
        shown = np.zeros(extent, dtype=bool)
        parts = -(-extent[0] // visible[0]) * -(-extent[1] // visible[1])
        for part in range(parts):
            r, c = part_start(extent, visible, part)
            assert shown[r : r + visible[0], c : c + visible[1]].size  # never past the end
            shown[r : r + visible[0], c : c + visible[1]] = True
        assert shown.all(), (extent, visible)
        assert part_start(extent, visible, parts + 5) == part_start(extent, visible, parts - 1)
