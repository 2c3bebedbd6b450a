"""The conv layer as a fully connected layer: the current output cell is one row of ``M``.

Forward: that row, the input as a vector, their products and the same number as the normal
view — a regular layer's neuron whose weights are mostly structural zeros (sparse
connectivity) and whose non-zero weights are the filter's, shifted (shared weights).
Backward: the row's gradient ``g·x`` as a regular layer has it, ``dW[f,c,i,j]`` as the sum of
the entries tied to it, ``dx = Mᵀ·g``. Update: one weight moves every entry tied to it.
A selected input cell shows its column of ``M``: the output cells that read it and the weight
each used (what that cell's ``dx`` gathers in backward).
"""

from dataclasses import replace

import numpy as np

from stepcnn.present.cells import Mark, scale_of
from stepcnn.present.grid import Panel, make_grid
from stepcnn.present.update_panels import param_update
from stepcnn.present.views import View, ViewContent
from stepcnn.present.views._conv import (
    ConvStep,
    as_maps,
    block_title,
    conv_step,
    matrix_grid,
    matrix_panel,
    output_rows,
)
from stepcnn.session.session import Session
from stepcnn.timeline.numbers import dot_terms, idx, num

LABEL = "as a fully connected layer"


def _row_values(cs: ConvStep, row: int) -> tuple[np.ndarray, np.ndarray]:
    tie = cs.cm.tie[row]
    values = np.where(tie >= 0, cs.cm.weight.ravel()[tie], 0.0)
    return values, tie


def _column_panel(cs: ConvStep, backward: bool) -> Panel | None:
    """The selected input cell's column of ``M``: who reads it, with which weight (forward:
    beside the input; backward: beside dx, which it gathers)."""
    found = cs.selected_column()
    if found is None:
        return None
    cell, col = found
    f_count, ho, wo = cs.spec.output_shape(cs.cm.input_shape)
    ties = cs.cm.tie[:, col].reshape(f_count, ho, wo)
    readers = int(np.count_nonzero(ties >= 0))
    grids = []
    for f in range(f_count):  # every filter's map (the layout pages them when need be)
        grid = make_grid(
            f"out[{cs.sample},{f}]",
            np.zeros((ho, wo)),
            precision=cs.cv.precision,
            marks=[(ties[f] >= 0, Mark.SELECTED)],
            channel=f if f_count > 1 else None,
        )
        grids.append(replace(grid, ties=ties[f], tie_names=cs.cm.name_table))
    if backward:
        dx = float(cs.lr.grad_input[cell])
        caption = f"dx = Σ g·M[:,{col}] = {num(dx)}"
    else:
        caption = f"x{idx(cell)} feeds {readers} output cells"
    return Panel(
        "column",
        f"column {col} of M: who reads x{idx(cell)}, with which weight",
        tuple(grids),
        row=1 if backward else 0,
        caption=caption,
    )


def _forward(cs: ConvStep) -> ViewContent:
    step = cs.cv.step
    n, f, r, c = step.index
    row = cs.cm.row_of(f, r, c)
    m_row, tie = _row_values(cs, row)
    x = cs.cv.tensor(cs.x_id).values[n].ravel()
    products = np.where(tie >= 0, m_row * x, 0.0)
    connected = tie >= 0
    bias = float(cs.lr.params.bias[f]) if cs.lr.params is not None else 0.0
    found = cs.selected_column()
    _, cols = cs.cm.shape
    panels = [
        matrix_panel(
            cs,
            f"{cs.cm.title()}: layer {cs.layer} as a fully connected layer, row {row}",
            matrix_grid(cs, row=row, column=None if found is None else found[1]),
            row=1,
        ),
        Panel(
            "row",
            f"row {row} of M (neuron out{idx(step.index)})",
            tuple(as_maps(cs, "M", m_row, ties=tie, scale=scale_of(cs.cm.weight))),
        ),
        Panel(
            "input",
            "input x as a vector (in maps)",
            tuple(as_maps(cs, "x", x, marks=connected, tensor=cs.x_id, scale=cs.cv.scale(cs.x_id))),
        ),
        Panel(
            "products",
            "M[row] ⊙ x",
            tuple(as_maps(cs, "⊙", products, ties=tie)),
            caption=f"Σ = {num(float(products.sum()))}",
            optional=True,
        ),
        Panel(
            "output",
            f"out = M·x + b, {block_title(cs, f)}",
            (output_rows(cs, cs.tid("output"), f"out[{n},{f}]", step.index, Mark.WRITE),),
            row=1,
        ),
    ]
    column = _column_panel(cs, backward=False)
    if column is not None:
        panels.append(column)
    count = int(np.count_nonzero(connected))
    equation = (
        f"out{idx(step.index)} = M[{row}]·x + b[{f}] = "
        f"{dot_terms(m_row[connected].tolist(), x[connected].tolist())} + b {num(bias)} = "
        f"{num(float(step.value or 0.0))}   ({count} connections; the other {cols - count} "
        f"entries of row {row} are structural zeros ·)"
    )
    return ViewContent(f"{cs.cm.title()}", tuple(panels), equation)


def _backward(cs: ConvStep) -> ViewContent:
    step = cs.cv.step
    n, f, r, c = step.index
    row = cs.cm.row_of(f, r, c)
    _, tie = _row_values(cs, row)
    connected = tie >= 0
    x = cs.cv.tensor(cs.x_id).values[n].ravel()
    g = float(step.value or 0.0)
    row_grad = np.where(connected, g * x, 0.0)
    dw = cs.tid("grad_weight")
    found = cs.selected_column()
    panels = [
        Panel(
            "grad",
            f"g = dL/dout, {block_title(cs, f)}",
            (output_rows(cs, cs.gout_id, f"g[{n},{f}]", step.index, Mark.READ),),
            row=1,
        ),
        matrix_panel(
            cs,
            f"{cs.cm.title()}: layer {cs.layer} as a fully connected layer, row {row}",
            matrix_grid(cs, row=row, column=None if found is None else found[1]),
            row=0,
        ),
        Panel(
            "rowgrad",
            f"g·x: row {row} of a regular layer's dW",
            tuple(as_maps(cs, "g·x", row_grad, ties=tie)),
            row=1,
        ),
        Panel(
            "dw",
            f"dW[{f}] = Σ tied entries (running)",
            tuple(cs.cv.slice_grids(dw, f, "dW")),
            row=1,
        ),
        Panel(
            "dx",
            "dx = Mᵀ·g (so far)",
            tuple(
                as_maps(
                    cs,
                    "dx",
                    cs.cv.tensor(cs.tid("grad_input")).values[n].ravel(),
                    marks=connected,
                    scale=cs.cv.scale(cs.tid("grad_input")),
                    mark=Mark.WRITE,
                )
            ),
            row=1,
        ),
    ]
    column = _column_panel(cs, backward=True)
    if column is not None:
        panels.append(column)
    before = step.operands["dw_before"].ravel()
    after = step.operands["dw_after"].ravel()
    per_filter = before.size
    terms = []
    for col in np.flatnonzero(connected)[:9]:
        k = int(tie[col])
        local = k - f * per_filter
        terms.append(
            f"{cs.cm.names[k]} {num(float(before[local]))} + {num(g * float(x[col]))} = "
            f"{num(float(after[local]))}"
        )
    more = " …" if int(np.count_nonzero(connected)) > 9 else ""
    equation = (
        f"g = dL/dout{idx(step.index)} = {num(g)}: as a regular layer, dM[{row}] = g·x. "
        f"Shared weights: dW[f,c,i,j] = Σ of the entries tied to it; this row adds "
        f"{'; '.join(terms)}{more}.  dx = Mᵀ·g: dx += g·M[{row}]"
    )
    return ViewContent(cs.cm.title(), tuple(panels), equation)


def _update(cs: ConvStep) -> ViewContent:
    step = cs.cv.step
    (f,) = step.index
    _, ho, wo = cs.spec.output_shape(cs.cm.input_shape)
    rows = slice(f * ho * wo, (f + 1) * ho * wo)
    entries = int(np.count_nonzero(cs.cm.tie[rows] >= 0))
    per_filter = cs.cm.weight[f].size
    panels = [
        matrix_panel(
            cs,
            f"{cs.cm.title()}: the {entries} entries tied to W[{f}] move together",
            matrix_grid(cs, rows_written=rows),
            row=0,
        ),
        *param_update(cs.cv),
    ]
    equation = (
        f"{step.equation}   — in M, the {per_filter} weights of W[{f}] are {entries} entries "
        f"(rows {rows.start}…{rows.stop - 1}): one update of a shared weight moves all its copies"
    )
    return ViewContent(cs.cm.title(), tuple(panels), equation)


LAST = {"matrix": 1, "column": 2}  # M (wide) and the selected column close their band


def build(session: Session) -> ViewContent | str:
    cs = conv_step(session)
    if isinstance(cs, str):
        return cs
    content = {"forward": _forward, "backward": _backward, "update": _update}[cs.cv.step.phase](cs)
    panels = sorted(content.panels, key=lambda p: LAST.get(p.key, 0))
    return replace(content, panels=tuple(panels))


VIEW = View("fc", "m", LABEL, build, inline=True, order=1)
