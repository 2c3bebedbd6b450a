"""The im2col view: a convolution as one matrix product ``out = W_row · X_col + b``.

``X_col`` holds one column per output position (the patch under it, ``C·kh·kw`` rows), the
filters are the rows of ``W_row``. Backward: ``dW = dout_row · X_colᵀ`` and
``dx = col2im(W_rowᵀ · dout)``. The numbers come from :mod:`stepcnn.engine.conv_matrix` and
the timeline's partial tensors.
"""

import numpy as np

from stepcnn.engine.conv_matrix import im2col
from stepcnn.present.cells import Mark
from stepcnn.present.grid import Grid, Panel, make_grid
from stepcnn.present.views import View, ViewContent
from stepcnn.present.views._conv import ConvStep, as_maps, conv_step
from stepcnn.session.session import Session
from stepcnn.timeline.numbers import dot_terms, num
from stepcnn.timeline.ops.base import prefix_mask

LABEL = "im2col (one matrix product)"


def _mark(shape: tuple[int, int], cells: tuple[slice | int, ...], mark: Mark) -> list:  # type: ignore[type-arg]
    mask = np.zeros(shape, dtype=bool)
    mask[cells] = True
    return [(mask, mark)]


def _matrix(
    cs: ConvStep,
    label: str,
    values: np.ndarray,
    marks: list,  # type: ignore[type-arg]
    focus: tuple[int, int] | None,
    known: np.ndarray | None = None,
    scale: float | None = None,
) -> Grid:
    return make_grid(
        label,
        values,
        precision=cs.cv.precision,
        scale=scale,
        known=known,
        marks=marks,
        focus=focus,
    )


def _parts(cs: ConvStep) -> tuple[np.ndarray, np.ndarray, int, int]:
    """``X_col`` of the step's sample, ``W_row``, and the output position ``p`` and filter."""
    n = cs.sample
    x = cs.cv.tensor(cs.x_id).values[n]
    cols = im2col(x, cs.spec.kernel_size, cs.spec.stride, cs.spec.padding)
    w_row = cs.cm.weight.reshape(cs.cm.weight.shape[0], -1)
    _, f, r, c = cs.cv.step.index
    _, wo = cs.cm.output_hw
    return cols, w_row, r * wo + c, f


def _title(cs: ConvStep, cols: np.ndarray, w_row: np.ndarray) -> str:
    return (
        f"im2col: out {w_row.shape[0]}×{cols.shape[1]} = W_row {w_row.shape[0]}×{w_row.shape[1]}"
        f" · X_col {cols.shape[0]}×{cols.shape[1]} + b"
    )


def _forward(cs: ConvStep) -> ViewContent:
    step = cs.cv.step
    cols, w_row, p, f = _parts(cs)
    n = cs.sample
    out = cs.cv.tensor(cs.tid("output"))
    f_count = w_row.shape[0]
    out_row = out.values[n].reshape(f_count, -1)
    known = None if out.known is None else out.known[n].reshape(f_count, -1)
    panels = [
        Panel(
            "filters",
            f"W_row: the filters as rows (row {f})",
            (_matrix(cs, "W_row", w_row, _mark(w_row.shape, (f,), Mark.READ), (f, 0)),),
        ),
        Panel(
            "patches",
            f"X_col = im2col(x[{n}]): one column per output position (column {p})",
            (_matrix(cs, "X_col", cols, _mark(cols.shape, (slice(None), p), Mark.READ), (0, p)),),
        ),
        Panel(
            "output",
            "out_row = W_row · X_col + b",
            (
                _matrix(
                    cs,
                    "out",
                    out_row,
                    _mark(out_row.shape, (f, p), Mark.WRITE),
                    (f, p),
                    known,
                    cs.cv.scale(cs.tid("output")),
                ),
            ),
            row=1,
        ),
    ]
    bias = float(cs.lr.params.bias[f]) if cs.lr.params is not None else 0.0
    equation = (
        f"out[{f}, {p}] = W_row[{f}] · X_col[:, {p}] + b[{f}] = "
        f"{dot_terms(w_row[f].tolist(), cols[:, p].tolist())} + b {num(bias)} = "
        f"{num(float(step.value or 0.0))}   (position {p} = output cell "
        f"({step.index[2]}, {step.index[3]}))"
    )
    return ViewContent(_title(cs, cols, w_row), tuple(panels), equation)


def _backward(cs: ConvStep) -> ViewContent:
    step = cs.cv.step
    cols, w_row, p, f = _parts(cs)
    n = cs.sample
    f_count = w_row.shape[0]
    dout = cs.lr.grad_output
    local = int(np.ravel_multi_index(step.index, dout.shape))
    seen = np.where(prefix_mask(dout.shape, local), dout, 0.0)[n].reshape(f_count, -1)
    dcols = w_row.T @ seen  # W_rowᵀ · dout, the gradients seen so far
    dw = cs.cv.tensor(cs.tid("grad_weight")).values.reshape(f_count, -1)
    g_row = cs.cv.tensor(cs.gout_id).values[n].reshape(f_count, -1)
    panels = [
        Panel(
            "grad",
            "dout_row (gradient arriving)",
            (_matrix(cs, "dout", g_row, _mark(g_row.shape, (f, p), Mark.READ), (f, p)),),
        ),
        Panel(
            "patches",
            f"X_col (column {p})",
            (_matrix(cs, "X_col", cols, _mark(cols.shape, (slice(None), p), Mark.READ), (0, p)),),
            optional=True,
        ),
        Panel(
            "dw",
            "dW_row = dout_row · X_colᵀ (so far)",
            (_matrix(cs, "dW_row", dw, _mark(dw.shape, (f,), Mark.WRITE), (f, 0)),),
            row=1,
        ),
        Panel(
            "dcols",
            "dX_col = W_rowᵀ · dout (so far)",
            (
                _matrix(
                    cs, "dX_col", dcols, _mark(dcols.shape, (slice(None), p), Mark.WRITE), (0, p)
                ),
            ),
            row=1,
            optional=True,
        ),
        Panel(
            "dx",
            "dx = col2im(dX_col)",
            tuple(
                as_maps(
                    cs,
                    "dx",
                    cs.cv.tensor(cs.tid("grad_input")).values[n].ravel(),
                    marks=cs.cm.tie[cs.cm.row_of(*step.index[1:])] >= 0,  # the patch it adds to
                    scale=cs.cv.scale(cs.tid("grad_input")),
                    mark=Mark.WRITE,
                )
            ),
            row=1,
        ),
    ]
    g = float(step.value or 0.0)
    equation = (
        f"g = dout[{f}, {p}] = {num(g)}:  dW_row[{f}] += g · X_col[:, {p}]ᵀ  (dW = dout_row · "
        f"X_colᵀ);  dX_col[:, {p}] += g · W_row[{f}]ᵀ, and col2im adds each patch entry back "
        f"into the input cell it came from: dx = col2im(W_rowᵀ · dout)"
    )
    return ViewContent(_title(cs, cols, w_row), tuple(panels), equation)


def _update(cs: ConvStep) -> ViewContent:
    step = cs.cv.step
    (f,) = step.index
    f_count = cs.cm.weight.shape[0]
    before = cs.lr.params.weight.reshape(f_count, -1) if cs.lr.params is not None else None
    after = cs.cv.tensor(cs.tid("weight")).values.reshape(f_count, -1)
    dw = cs.lr.grads.weight.reshape(f_count, -1) if cs.lr.grads is not None else None
    assert before is not None and dw is not None
    scale = float(max(np.abs(before).max(initial=0), np.abs(after).max(initial=0))) or 1.0
    row = _mark(before.shape, (f,), Mark.READ)
    panels = [
        Panel("before", "W_row before", (_matrix(cs, "W_row", before, row, (f, 0), None, scale),)),
        Panel("grad", "dW_row", (_matrix(cs, "dW_row", dw, row, (f, 0)),)),
        Panel(
            "after",
            f"W_row after (row {f} updated so far)",
            (
                _matrix(
                    cs,
                    "W_row new",
                    after,
                    _mark(after.shape, (f,), Mark.WRITE),
                    (f, 0),
                    None,
                    scale,
                ),
            ),
            row=1,
        ),
    ]
    return ViewContent(f"im2col: W_row {before.shape[0]}×{before.shape[1]}", tuple(panels), "")


def build(session: Session) -> ViewContent | str:
    cs = conv_step(session)
    if isinstance(cs, str):
        return cs
    return {"forward": _forward, "backward": _backward, "update": _update}[cs.cv.step.phase](cs)


VIEW = View("im2col", "m", LABEL, build, inline=True, order=2)
