"""The matrix views (key ``m``) driven through Pilot: a conv layer as a fully connected layer,
and as im2col, in the forward, backward and update phases, on a small and a big layer.

Expected numbers come from the engine — the loop form of ``conv2d_as_matrix``, im2col, the
iteration records — never from what the view drew; the drawn grids are compared with them.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_tui import SIZE, keys_for, make_app, op_lines, panel, press, status_text

from stepcnn.engine.conv_matrix import conv2d_as_matrix_naive, im2col
from stepcnn.session.session import Session
from stepcnn.timeline import TensorId, Timeline
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.numbers import num
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.operation import OperationView


def first(timeline: Timeline, op: str, index: tuple[int, ...] | None = None) -> int:
    for k in range(len(timeline)):
        s = timeline[k]
        if s.op == op and (index is None or s.index == index):
            return k
    raise AssertionError(op)


async def at(pilot: Any, app: StepCNNApp, k: int) -> None:
    app.session.goto(k)
    app.redraw()
    await pilot.pause()


def grids(app: StepCNNApp, key: str) -> list[Any]:
    return list(panel(app, key).panel.grids)


def keys() -> list[str]:
    return keys_for("cycle_view('m')")


async def test_fc_forward_row_is_the_engine_matrix_row_and_gives_the_output() -> None:
    app = make_app("rgb-stride-padding")  # 3 channels, stride 2, padding 1, two filters
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        k = first(session.timeline, "conv2d.forward", (0, 1, 1, 2))
        await at(pilot, app, k)
        await press(pilot, keys()[0])
        lr = session.run.record(0).layers[0]
        assert lr.params is not None
        m, tie = conv2d_as_matrix_naive(lr.params.weight, lr.input.shape[1:], (2, 2), (1, 1))
        row = 1 * 9 + 1 * 3 + 2  # (f, r, c) = (1, 1, 2) of a 2×3×3 output
        drawn = np.concatenate([g.values.ravel() for g in grids(app, "row")])
        drawn_ties = np.concatenate([g.ties.ravel() for g in grids(app, "row")])
        np.testing.assert_array_equal(drawn, m[row])
        np.testing.assert_array_equal(drawn_ties, tie[row])
        # structural zeros are drawn as "·", not as a number
        first_grid = grids(app, "row")[0]
        texts = first_grid.text
        assert all(
            texts[i, j] == "·" for i, j in zip(*np.nonzero(first_grid.ties < 0), strict=True)
        )
        # the same number as the normal view
        bias = lr.params.bias[1]
        assert m[row] @ lr.input[0].ravel() + bias == lr.output[0, 1, 1, 2]
        assert session.step.value == lr.output[0, 1, 1, 2]
        # every entry of M is named by its weight: the same name in every row for one weight
        matrix = grids(app, "matrix")[0]
        names = matrix.text
        for weight in range(lr.params.weight.size):
            seen = {names[r, c] for r, c in zip(*np.nonzero(tie == weight), strict=True)}
            assert len(seen) == 1
        assert len({names[r, c] for r, c in zip(*np.nonzero(tie >= 0), strict=True)}) == 54
        assert set(names[tie < 0].ravel()) == {"·"}
        # the current row is the one marked read
        assert (matrix.mark[row][tie[row] >= 0] == 4).all()


async def test_fc_backward_dx_is_m_transpose_g_and_dw_sums_tied_entries() -> None:
    app = make_app("rgb-stride-padding")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        timeline = session.timeline
        index = (0, 1, 0, 2)
        k = first(timeline, "conv2d.backward", index)
        await at(pilot, app, k)
        await press(pilot, keys()[0])
        assert "view: as a fully connected layer" in status_text(app)
        lr = session.run.record(0).layers[0]
        assert lr.params is not None
        m, tie = conv2d_as_matrix_naive(lr.params.weight, lr.input.shape[1:], (2, 2), (1, 1))
        g = lr.grad_output[0].ravel()
        done = np.arange(g.size) <= np.ravel_multi_index(index[1:], lr.grad_output.shape[1:])
        seen = np.where(done, g, 0.0)
        dx = np.concatenate([gr.values.ravel() for gr in grids(app, "dx")])
        np.testing.assert_allclose(dx[:25], (m.T @ seen)[:25], rtol=1e-12, atol=1e-12)
        # dW[f, c, i, j] = the sum of g·x over the entries tied to it, for the rows seen
        dm = np.outer(seen, lr.input[0].ravel())
        sums = np.zeros(lr.params.weight.size)
        np.add.at(sums, tie[tie >= 0], dm[tie >= 0])
        dw = np.concatenate([gr.values.ravel() for gr in grids(app, "dw")])
        np.testing.assert_allclose(dw[:9], sums.reshape(lr.params.weight.shape)[1, 0].ravel())
        assert "Shared weights: dW[f,c,i,j] = Σ of the entries tied to it" in session_equation(app)


def session_equation(app: StepCNNApp) -> str:
    return " ".join(" ".join(op_lines(app)).split())


async def test_fc_update_marks_every_entry_tied_to_the_filter() -> None:
    app = make_app("hand-computable")
    async with app.run_test(size=SIZE) as pilot:
        k = first(app.session.timeline, "conv2d.update")
        await at(pilot, app, k)
        await press(pilot, keys()[0])
        matrix = grids(app, "matrix")[0]
        assert int((matrix.mark == 6).sum()) == 81  # 9 rows × 9 weights, all of filter 0
        assert panel(app, "after")  # W − η·dW beside it
        await press(pilot, keys()[0])
        assert app.session.view == "im2col"
        after = grids(app, "after")[0].values
        record = app.session.run.record(0).layers[0]
        assert record.params_after is not None
        np.testing.assert_array_equal(after, record.params_after.weight.reshape(1, -1))


async def test_im2col_forward_and_backward_products() -> None:
    app = make_app("rgb-stride-padding")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        lr = session.run.record(0).layers[0]
        assert lr.params is not None
        cols = im2col(lr.input[0], (3, 3), (2, 2), (1, 1))
        w_row = lr.params.weight.reshape(2, -1)
        k = first(session.timeline, "conv2d.forward", (0, 0, 2, 1))
        await at(pilot, app, k)
        await press(pilot, *keys()[:1] * 2)
        assert session.view == "im2col"
        np.testing.assert_array_equal(grids(app, "patches")[0].values, cols)
        np.testing.assert_array_equal(grids(app, "filters")[0].values, w_row)
        p = 2 * 3 + 1
        assert w_row[0] @ cols[:, p] + lr.params.bias[0] == session.step.value
        assert grids(app, "patches")[0].mark[0, p] == 4  # the current column is read
        # backward at the last step: dW_row = dout_row · X_colᵀ, the engine's dW
        last = first(session.timeline, "conv2d.backward", (0, 1, 2, 2))
        await at(pilot, app, last)
        dout = lr.grad_output[0].reshape(2, -1)
        assert lr.grads is not None
        np.testing.assert_allclose(grids(app, "dw")[0].values, dout @ cols.T, rtol=1e-12)
        np.testing.assert_allclose(
            grids(app, "dw")[0].values, lr.grads.weight.reshape(2, -1), rtol=1e-12
        )
        dx = np.concatenate([g.values.ravel() for g in grids(app, "dx")])
        np.testing.assert_allclose(dx, lr.grad_input[0].ravel(), rtol=1e-12, atol=1e-12)


async def test_clicking_an_input_cell_shows_its_column_of_m() -> None:
    app = make_app("hand-computable")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        k = first(session.timeline, "conv2d.backward", (0, 0, 1, 1))
        await at(pilot, app, k)
        await press(pilot, keys()[0])
        # x[0,0,2,2], the centre of the 5×5 input, is read by all nine output cells
        session.jump_to_cell(TensorId(None, "x"), (0, 0, 2, 2), select_only=True)
        app.redraw()
        await pilot.pause()
        assert session.k == k  # selected, not jumped
        column = panel(app, "column")
        assert "column 12 of M" in column.panel.title
        lr = session.run.record(0).layers[0]
        assert lr.params is not None
        _, tie = conv2d_as_matrix_naive(lr.params.weight, (1, 5, 5))
        names = column.panel.grids[0].text
        # output (r, c) reads x[2,2] through weight W[0,0,2−r,2−c]: letter 3·(2−r) + (2−c)
        for r in range(3):
            for c in range(3):
                assert names[r, c] == "abcdefghi"[tie[r * 3 + c, 12]]
                assert tie[r * 3 + c, 12] == 3 * (2 - r) + (2 - c)
        # what dx[0,0,2,2] gathers: g of every reader times the weight it used
        g = lr.grad_output[0, 0]
        gathered = sum(
            g[r, c] * lr.params.weight[0, 0, 2 - r, 2 - c] for r in range(3) for c in range(3)
        )
        assert gathered == pytest.approx(lr.grad_input[0, 0, 2, 2], rel=1e-12)
        assert column.panel.caption == f"dx = Σ g·M[:,12] = {num(float(lr.grad_input[0, 0, 2, 2]))}"
        assert int((column.panel.grids[0].ties >= 0).sum()) == 9


async def test_clicking_an_input_cell_in_the_fc_view_selects_without_jumping() -> None:
    app = make_app("hand-computable")
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        k = first(session.timeline, "conv2d.forward", (0, 0, 0, 0))
        await at(pilot, app, k)
        await press(pilot, keys()[0])
        placed = panel(app, "input")
        win = placed.windows[0]
        cw = placed.panel.cell_width
        # input cell (1, 3): row 1, column 3 of the drawn x map
        x = placed.x + 2 + win.x + 3 * cw + cw - 1
        y = placed.y + 2 + 1
        await pilot.click(OperationView, offset=(x, y))
        await pilot.pause()
        assert session.selected == (TensorId(None, "x"), (0, 0, 1, 3))
        assert session.k == k
        assert "column 8 of M" in panel(app, "column").panel.title


def big_scenario(tmp_path: Path) -> str:
    """A 28×28 input and 8 filters of 3×3: M is 5408×784."""
    rows = [[((i * 7 + j * 3) % 11) / 10 for j in range(28)] for i in range(28)]
    text = "\n".join(
        [
            'title = "big"',
            "learning_rate = 0.01",
            'loss = "cross_entropy"',
            "iterations = 1",
            "[[samples]]",
            f"input = {rows}",
            "label = 1",
            "[[layers]]",
            'type = "conv2d"',
            "out_channels = 8",
            "kernel_size = 3",
            "[[layers]]",
            'type = "flatten"',
            "[[layers]]",
            'type = "linear"',
            "out_features = 2",
        ]
    )
    path = tmp_path / "big.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


async def test_big_layer_viewport_follows_the_row_and_overview_shows_the_band(
    tmp_path: Path,
) -> None:
    app = StepCNNApp(Session(load_scenario(big_scenario(tmp_path))))
    async with app.run_test(size=SIZE) as pilot:
        timeline = app.session.timeline
        index = (0, 5, 20, 7)
        await at(pilot, app, first(timeline, "conv2d.forward", index))
        await press(pilot, keys()[0])
        placed = panel(app, "matrix")
        assert placed.panel.title.startswith("M 5408×784")
        win = placed.windows[0]
        row = 5 * 26 * 26 + 20 * 26 + 7
        assert win.windowed and win.overview_x is not None
        assert win.row0 <= row < win.row0 + win.rows  # the window follows the current row
        lines = op_lines(app)
        band = [line[placed.x + 2 + win.overview_x :][:12] for line in lines[placed.y + 2 :][:8]]
        assert any("▀" in line for line in band)
        # the overview marks blocks that hold a connection: a band, not the whole matrix
        grid = placed.panel.grids[0]
        blocks = grid.overview(win.overview_step)
        assert 0 < np.count_nonzero(blocks) < blocks.size
        # backward and update still draw
        await at(pilot, app, first(timeline, "conv2d.backward", index))
        assert panel(app, "dx")
        await at(pilot, app, first(timeline, "conv2d.update", (3,)))
        assert panel(app, "matrix")
