"""The presenter and the painter, without Textual.

Every number a panel shows must be the engine's number, formatted; the marks must sit on the
cells the step reads and writes. The expected values are computed here from the engine's
records (running sums re-added step by step), never taken from the presenter.
"""

from collections.abc import Iterator

import numpy as np
import pytest

from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.kinds.maxpool2d import MaxPool2d
from stepcnn.present.cells import Mark
from stepcnn.present.grid import Grid, Panel
from stepcnn.present.kinds.linear import WHOLE_ROWS
from stepcnn.present.numformat import choose, shared
from stepcnn.present.scene import build_scene
from stepcnn.session.session import Session
from stepcnn.timeline import Step
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.layout import arrange
from stepcnn.tui.operation import placed_of, specs_of
from stepcnn.tui.painter import Line, paint_panel
from stepcnn.tui.placement import CHROME_H, CHROME_W

SESSIONS: dict[str, Session] = {}


def session(name: str) -> Session:
    if name not in SESSIONS:
        SESSIONS[name] = Session(load_scenario(name))
    return SESSIONS[name]


def fmt(values: np.ndarray, precision: int | Grid) -> np.ndarray:
    """Every value in one matrix's format: the one chosen for ``values`` alone with
    ``precision`` decimals, or the format ``grid`` is drawn in (a panel's grids share one)."""
    values = np.asarray(values, dtype=float)
    if isinstance(precision, Grid):
        return precision.fmt.block(values)
    # a panel's grid: may scale, its cells below the last decimal reading 0.00 (exact: 0)
    return choose(values, precision, scaled=True, keep=()).block(values)


def shown(grid: Grid) -> np.ndarray:
    """The grid's texts: a 2-D map, or the vector (without the blank end of a wrapped one)."""
    if grid.wrap is not None:
        size = grid.size if grid.size is not None else grid.text.size
        return grid.text.ravel()[:size]
    return grid.text


def steps_of(s: Session, op: str, iteration: int = 0) -> Iterator[Step]:
    tl = s.timeline
    for k in range(iteration * tl.per_iteration, (iteration + 1) * tl.per_iteration):
        step = tl[k]
        if step.op == op:
            yield step


def panels_at(s: Session, k: int) -> dict[str, Panel]:
    s.goto(k)
    return {p.key: p for p in build_scene(s).panels}


def prefix_known(shape: tuple[int, ...], upto: tuple[int, ...]) -> np.ndarray:
    """Cells up to ``upto`` in row-major order."""
    flat = np.arange(int(np.prod(shape))).reshape(shape)
    return flat <= int(np.ravel_multi_index(upto, shape))


def assert_partial_map(grid: Grid, final: np.ndarray, current: tuple[int, int], p: int) -> None:
    """A map being filled in row-major order: numbers up to ``current``, '·' after it, the
    WRITE mark on ``current`` only."""
    known = prefix_known(final.shape, current)
    expected = np.where(known, fmt(final, p), "·")
    assert (grid.text == expected).all(), (grid.text, expected)
    assert ((grid.mark == Mark.UNKNOWN) == ~known).all()
    write = np.zeros(final.shape, dtype=bool)
    write[current] = True
    assert ((grid.mark == Mark.WRITE) == write).all()


# ---- conv --------------------------------------------------------------------------------


def padded(x: np.ndarray, ph: int, pw: int) -> np.ndarray:
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)])


def window_mask(shape: tuple[int, int], r: int, c: int, spec: Conv2d) -> np.ndarray:
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    mask = np.zeros(shape, dtype=bool)
    mask[r * sh : r * sh + kh, c * sw : c * sw + kw] = True
    return mask


def assert_input_patch(panel: Panel, x: np.ndarray, spec: Conv2d, index: tuple[int, ...], p: int):  # type: ignore[no-untyped-def]
    """The input channels drawn with their padding; READ exactly on the step's window."""
    n, _, r, c = index
    (ph, pw) = spec.padding
    assert len(panel.grids) == min(x.shape[1], 3)
    for ch, grid in enumerate(panel.grids):
        xp = padded(x[n, ch], ph, pw)
        assert (grid.text == fmt(xp, p)).all()
        window = window_mask(xp.shape, r, c, spec)
        assert ((grid.mark == Mark.READ) == window).all(), (index, grid.mark)
        ring = np.pad(np.zeros(x.shape[2:], dtype=bool), ((ph, ph), (pw, pw)), constant_values=1)
        assert ((grid.mark == Mark.PAD) == (ring & ~window)).all()
        assert (grid.row0, grid.col0) == (-ph, -pw)


@pytest.mark.parametrize("name", ["rgb-stride-padding", "tour"])
def test_conv_forward_panels_hold_the_engine_numbers(name: str) -> None:
    s = session(name)
    p = s.scenario.display.precision
    spec = s.scenario.layers[0]
    assert isinstance(spec, Conv2d)
    record = s.run.record(0)
    lr = record.layers[0]
    assert lr.params is not None
    steps = list(steps_of(s, "conv2d.forward"))
    assert len(steps) == lr.output.size
    if name == "rgb-stride-padding":
        assert spec.padding == (1, 1) and spec.stride == (2, 2) and lr.input.shape[1] == 3
    for step in steps:
        n, f, r, c = step.index
        panels = panels_at(s, step.k)
        assert_input_patch(panels["input"], lr.input, spec, step.index, p)
        weight = lr.params.weight[f]
        assert [g.text.tolist() for g in panels["filter"].grids] == [
            fmt(weight[ch], p).tolist() for ch in range(min(weight.shape[0], 3))
        ]
        (ph, pw), (kh, kw), (sh, sw) = spec.padding, spec.kernel_size, spec.stride
        patch = padded(lr.input[n], ph, pw)[:, r * sh : r * sh + kh, c * sw : c * sw + kw]
        assert [g.text.tolist() for g in panels["products"].grids] == [
            fmt(patch[ch] * weight[ch], p).tolist() for ch in range(min(weight.shape[0], 3))
        ]
        (out,) = panels["output"].grids
        assert (out.tensor, out.prefix) == ((0, "output"), (n, f))
        assert_partial_map(out, lr.output[n, f], (r, c), p)
        assert out.text[r, c] == fmt(np.array(step.value or 0.0), out)


def test_conv_backward_panels_hold_the_engine_numbers() -> None:
    s = session("rgb-stride-padding")
    p = s.scenario.display.precision
    spec = s.scenario.layers[0]
    assert isinstance(spec, Conv2d)
    (ph, pw), (kh, kw), (sh, sw) = spec.padding, spec.kernel_size, spec.stride
    lr = s.run.record(0).layers[0]
    assert lr.params is not None and lr.grads is not None
    g = lr.grad_output
    xp = padded(lr.input, ph, pw)
    dw = np.zeros_like(lr.params.weight)
    dx = np.zeros_like(xp)
    for step in steps_of(s, "conv2d.backward"):
        n, f, r, c = step.index
        rows, cols = slice(r * sh, r * sh + kh), slice(c * sw, c * sw + kw)
        dw[f] += g[n, f, r, c] * xp[n, :, rows, cols]
        dx[n, :, rows, cols] += g[n, f, r, c] * lr.params.weight[f]
        panels = panels_at(s, step.k)
        (grad,) = panels["grad"].grids
        assert (grad.text == fmt(g[n, f], p)).all()
        read = np.zeros(g.shape[2:], dtype=bool)
        read[r, c] = True
        assert ((grad.mark == Mark.READ) == read).all()
        assert_input_patch(panels["input"], lr.input, spec, step.index, p)
        assert [gr.text.tolist() for gr in panels["dw"].grids] == [
            fmt(dw[f, ch], p).tolist() for ch in range(min(dw.shape[1], 3))
        ]
        h, w = lr.input.shape[2:]
        for ch, grid in enumerate(panels["dx"].grids):
            assert (grid.text == fmt(dx[n, ch, ph : ph + h, pw : pw + w], p)).all()
            write = window_mask(xp.shape[2:], r, c, spec)[ph : ph + h, pw : pw + w]
            assert ((grid.mark == Mark.WRITE) == write).all()
    np.testing.assert_allclose(dw, lr.grads.weight, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dx[:, :, ph:-ph, pw:-pw], lr.grad_input, rtol=1e-12, atol=1e-15)


# ---- pool ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tour", "maxpool-routing"])
def test_pool_forward_marks_the_winner_and_fills_the_output(name: str) -> None:
    s = session(name)
    p = s.scenario.display.precision
    layer = next(i for i, lay in enumerate(s.scenario.layers) if isinstance(lay, MaxPool2d))
    spec = s.scenario.layers[layer]
    assert isinstance(spec, MaxPool2d)
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    lr = s.run.record(0).layers[layer]
    for step in steps_of(s, "maxpool2d.forward"):
        n, ch, r, c = step.index
        panels = panels_at(s, step.k)
        (x,) = panels["input"].grids
        assert (x.text == fmt(lr.input[n, ch], p)).all()
        window = np.zeros(lr.input.shape[2:], dtype=bool)
        window[r * sh : r * sh + kh, c * sw : c * sw + kw] = True
        values = lr.input[n, ch, r * sh : r * sh + kh, c * sw : c * sw + kw]
        wr, wc = np.unravel_index(int(np.argmax(values)), values.shape)
        winner = np.zeros_like(window)
        winner[r * sh + wr, c * sw + wc] = True
        assert ((x.mark == Mark.WINNER) == winner).all()
        assert ((x.mark == Mark.READ) == (window & ~winner)).all()
        (out,) = panels["output"].grids
        assert_partial_map(out, lr.output[n, ch], (r, c), p)
        assert lr.output[n, ch, r, c] == lr.input[n, ch][winner][0]


# ---- linear ---------------------------------------------------------------------------------


def test_linear_forward_output_fills_in_order() -> None:
    s = session("tour")
    p = s.scenario.display.precision
    lr = s.run.record(0).layers[4]
    for step in steps_of(s, "linear.forward"):
        n, o = step.index
        (out,) = panels_at(s, step.k)["output"].grids
        known = np.arange(lr.output.shape[1]) <= o
        assert (shown(out) == np.where(known, fmt(lr.output[n], p), "·")).all()


@pytest.mark.parametrize("name", ["tour", "digits"])
def test_linear_backward_panels_hold_the_running_sums(name: str) -> None:
    s = session(name)
    p = s.scenario.display.precision
    layer = len(s.scenario.layers) - 1
    lr = s.run.record(0).layers[layer]
    assert lr.params is not None and lr.grads is not None
    g, x, w = lr.grad_output, lr.input, lr.params.weight
    dw, db, dx = np.zeros_like(w), np.zeros(w.shape[0]), np.zeros_like(x)
    steps = list(steps_of(s, "linear.backward"))
    checked = steps if len(steps) <= 8 else steps[:3] + steps[len(steps) // 2 :][:2] + steps[-3:]
    for step in steps:
        n, o = step.index
        dw[o] += g[n, o] * x[n]
        db[o] += g[n, o]
        dx[n] += g[n, o] * w[o]
        if step not in checked:
            continue
        panels = panels_at(s, step.k)
        assert (shown(panels["grad"].grids[0]) == fmt(g[n], p)).all()
        assert (shown(panels["input"].grids[0]) == fmt(x[n], p)).all()
        (dwg,) = panels["dw"].grids
        if w.shape[1] <= WHOLE_ROWS:  # dW whole, row o written
            assert (dwg.text == fmt(dw, p)).all()
            rows = np.zeros(dw.shape, dtype=bool)
            rows[o] = True
            assert ((dwg.mark == Mark.WRITE) == rows).all()
        else:  # a long row alone, wrapped as x is, every weight of it written
            assert dwg.wrap == panels["input"].grids[0].wrap
            assert (shown(dwg) == fmt(dw[o], p)).all()
            assert (dwg.mark.ravel()[: w.shape[1]] == Mark.WRITE).all()
        assert (shown(panels["db"].grids[0]) == fmt(db, p)).all()
        assert (shown(panels["dx"].grids[0]) == fmt(dx[n], p)).all()
    np.testing.assert_allclose(dw, lr.grads.weight, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(db, lr.grads.bias, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dx, lr.grad_input, rtol=1e-12, atol=1e-15)


# ---- update --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tour", "hand-computable"])
def test_update_panels_show_before_gradient_after(name: str) -> None:
    s = session(name)
    p = s.scenario.display.precision
    seen = 0
    for iteration in range(len(s.run)):
        record = s.run.record(iteration)
        for op in ("conv2d.update", "linear.update"):
            for step in steps_of(s, op, iteration):
                seen += 1
                (o,) = step.index
                assert step.layer is not None
                lr = record.layers[step.layer]
                assert lr.params and lr.grads and lr.params_after
                panels = panels_at(s, step.k)
                w_before, w_after = lr.params.weight[o], lr.params_after.weight[o]
                both = shared(
                    [w_before, w_after], p, scaled=True, keep=()
                )  # before and after: one format
                for key, array, how in (
                    ("before", w_before, both),
                    (
                        "grad",
                        lr.grads.weight[o],
                        choose(lr.grads.weight[o], p, scaled=True, keep=()),
                    ),
                    ("after", w_after, both),
                ):
                    texts = [shown(grid) for grid in panels[key].grids]
                    if array.ndim == 3:
                        expected = [how.block(array[ch]) for ch in range(min(array.shape[0], 3))]
                    else:
                        expected = [how.block(array)]
                    assert [t.tolist() for t in texts] == [e.tolist() for e in expected], key
                bias = [lr.params.bias[o], lr.grads.bias[o], lr.params_after.bias[o]]
                shown_bias = [shown(grid).ravel()[0] for grid in panels["bias"].grids]
                assert shown_bias == fmt(np.array(bias), p).tolist()
                assert [g.label for g in panels["bias"].grids] == ["b", "db", "b new"]
                np.testing.assert_allclose(
                    lr.params_after.weight[o],
                    lr.params.weight[o] - s.scenario.learning_rate * lr.grads.weight[o],
                )
    assert seen >= len(s.run)


def test_update_panels_name_each_channel_of_a_filter_with_the_filter() -> None:
    """W[0]'s channel 2 reads W[0,2], as forward and backward write it — not W[2] (another
    filter) under the title "W[0] before"."""
    s = session("rgb-stride-padding")
    step = next(st for st in steps_of(s, "conv2d.update") if st.index == (1,))
    panels = panels_at(s, step.k)
    assert [g.label for g in panels["before"].grids] == ["W[1,0]", "W[1,1]", "W[1,2]"]
    assert [g.label for g in panels["grad"].grids] == ["dW[1,0]", "dW[1,1]", "dW[1,2]"]
    assert [g.label for g in panels["after"].grids] == [
        "W[1,0] new",
        "W[1,1] new",
        "W[1,2] new",
    ]
    linear = next(steps_of(session("tour"), "linear.update"))
    labels = [g.label for g in panels_at(session("tour"), linear.k)["before"].grids]
    assert labels == ["W"]  # a weight row: one grid, its row in the title


# ---- painter ---------------------------------------------------------------------------------

PAINT_CASES = [
    ("tour", "conv2d.forward"),
    ("tour", "maxpool2d.backward"),
    ("tour", "linear.backward"),
    ("rgb-stride-padding", "conv2d.backward"),
    ("digits", "conv2d.forward"),
    ("digits", "flatten.forward"),
    ("digits", "linear.update"),
]


def paint(panels: tuple[Panel, ...], width: int, height: int) -> tuple[list[str], list]:  # type: ignore[type-arg]
    """The panels placed by the app's layout in ``width × height`` and painted."""
    specs, regions = specs_of(panels)
    placed = placed_of(panels, arrange(specs, width, height, 0), regions)
    lines = [Line(width) for _ in range(height)]
    for pl in placed:
        paint_panel(lines, pl)
    segments = [line.finish() for line in lines]
    return ["".join(seg.text for seg in line) for line in segments], placed


@pytest.mark.parametrize(("name", "op"), PAINT_CASES)
def test_painted_lines_have_exactly_the_view_width(name: str, op: str) -> None:
    s = session(name)
    step = next(steps_of(s, op))
    s.goto(step.k + min(3, s.timeline.per_iteration - 1 - step.offset))
    panels = build_scene(s).panels
    for width in (20, 47, 60, 80, 133, 160, 241):
        for height in (6, 17, 40):
            texts, placed = paint(panels, width, height)
            assert [len(t) for t in texts] == [width] * height, (width, height)
            for pl in placed:
                assert pl.x >= 0 and pl.x + pl.width <= width
                assert pl.y + pl.height <= height


@pytest.mark.parametrize(("name", "op"), PAINT_CASES[:4])
def test_painted_cells_are_the_grid_texts(name: str, op: str) -> None:
    """At a roomy size every visible cell of every window shows its grid text, right-aligned."""
    s = session(name)
    step = next(steps_of(s, op))
    s.goto(step.k + 1)
    panels = build_scene(s).panels
    texts, placed = paint(panels, 200, 60)
    assert placed
    for pl in placed:
        cw = pl.panel.cell_width
        inner = pl.width - CHROME_W
        assert texts[pl.y][pl.x] == "╭" and texts[pl.y + pl.height - 1][pl.x] == "╰"
        for win in pl.windows:
            grid = pl.panel.grids[win.grid]
            for r in range(win.rows):
                y = pl.y + 2 + win.y + r
                assert y < pl.y + pl.height - 1
                for c in range(win.cols):
                    x = pl.x + 2 + win.x + c * cw
                    if x + cw > pl.x + 2 + inner:
                        continue
                    assert texts[y][x : x + cw] == grid.text[win.row0 + r, win.col0 + c].rjust(cw)
    assert CHROME_H == 2
