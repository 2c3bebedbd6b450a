"""What the two matrix views of a conv2d step share: the step's layer, its ``M``, its grids."""

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.network import LayerRecord
from stepcnn.present.canvas import Canvas
from stepcnn.present.cells import Mark, scale_of
from stepcnn.present.conv_matrix import ConvMatrix, matrix_for
from stepcnn.present.grid import Grid, Panel, make_grid
from stepcnn.session.session import Session
from stepcnn.timeline.step import TensorId
from stepcnn.timeline.tensors import grad_output_id, input_id

NOT_CONV = "{what} has no matrix view — only conv2d layers are drawn as a matrix"


@dataclass(frozen=True)
class ConvStep:
    """A conv2d step with its matrix: the canvas, the layer and its tensors."""

    cv: Canvas
    spec: Conv2d
    layer: int
    lr: LayerRecord
    cm: ConvMatrix

    @property
    def x_id(self) -> TensorId:
        return input_id(self.layer, self.cv.timeline.run.scenario.graph)

    @property
    def gout_id(self) -> TensorId:
        scenario = self.cv.timeline.run.scenario
        return grad_output_id(self.layer, len(scenario.layers), scenario.graph)

    def tid(self, name: str) -> TensorId:
        return TensorId(self.layer, name)

    @property
    def sample(self) -> int:
        return self.cv.step.index[0] if self.cv.step.phase != "update" else 0

    def selected_column(self) -> tuple[tuple[int, ...], int] | None:
        """The selected input cell of this sample and its column of ``M``, if one is."""
        chosen = self.cv.selected
        if chosen is None or chosen[0] != self.x_id or len(chosen[1]) != 4:
            return None
        n, ch, y, x = chosen[1]
        c_count, h, w = self.cm.input_shape
        if n != self.sample or not (0 <= ch < c_count and 0 <= y < h and 0 <= x < w):
            return None
        return chosen[1], (ch * h + y) * w + x


def conv_step(session: Session) -> ConvStep | str:
    step = session.step
    if step.kind != "conv2d" or step.layer is None:
        what = "the loss" if step.layer is None else f"layer {step.layer} ({step.kind})"
        return NOT_CONV.format(what=what)
    spec = session.scenario.layers[step.layer]
    assert isinstance(spec, Conv2d)
    record = session.run.record(step.iteration)
    cv = Canvas(session.timeline, step, session.precision, session.selected)
    cm = matrix_for(record, spec, step.layer)
    return ConvStep(cv, spec, step.layer, record.layers[step.layer], cm)


def matrix_grid(
    cs: ConvStep,
    row: int | None = None,
    rows_written: slice | None = None,
    column: int | None = None,
) -> Grid:
    """The whole ``M``: every entry named by the weight it is, ``·`` where there is no
    connection; the current row read, the rows an update writes, a selected column."""
    cm = cs.cm
    tie = cm.tie
    edits: list[tuple[Any, np.ndarray]] = []
    if rows_written is not None:
        edits.append((rows_written, np.where(tie[rows_written] >= 0, Mark.WRITE, Mark.PAD)))
    if column is not None:
        edits.append(
            ((slice(None), column), np.where(tie[:, column] >= 0, Mark.SELECTED, Mark.PAD))
        )
    if row is not None:
        current = cm.base_mark[row] if column is None else cm.base_mark[row].copy()
        if column is not None and tie[row, column] >= 0:
            current[column] = Mark.SELECTED
        edits.append((row, np.where(tie[row] >= 0, Mark.READ, current)))
    mark = cm.marked(edits)
    focus = None
    if row is not None:
        cols = np.flatnonzero(tie[row] >= 0)
        focus = (row, int(cols[0]) if cols.size else 0)
    elif column is not None:
        rows = np.flatnonzero(tie[:, column] >= 0)
        focus = (int(rows[0]) if rows.size else 0, column)
    rows_n, cols_n = cm.shape
    return Grid(
        label="rows: out[f,r,c]  cols: x[c,h,w]",
        values=np.broadcast_to(np.float64(0.0), (rows_n, cols_n)),
        precision=cs.cv.precision,
        tone=cm.tones,
        mark=mark,
        focus=focus,
        ties=cm.tie,
        tie_names=cm.name_table,
        blocks=cm.blocks,
        names_width=cm.name_width,
    )


def matrix_panel(cs: ConvStep, title: str, grid: Grid, row: int) -> Panel:
    cm = cs.cm
    return Panel(
        "matrix",
        title,
        (grid,),
        row=row,
        caption=cm.counts_text(short=True),
        short_caption=cm.counts_text(tiny=True),
    )


def as_maps(
    cs: ConvStep,
    label: str,
    vector: np.ndarray,
    ties: np.ndarray | None = None,
    marks: np.ndarray | None = None,
    tensor: TensorId | None = None,
    scale: float | None = None,
    mark: Mark = Mark.READ,
) -> list[Grid]:
    """A vector over the input cells ``(c, h, w)`` drawn as its channel maps; ``ties`` (−1:
    no connection, drawn ``·``) and a boolean mask marked ``mark`` (read, or written)."""
    c_count, h, w = cs.cm.input_shape
    values = vector.reshape(c_count, h, w) + 0.0  # −0.0 (g·0 for g < 0) is drawn as 0 anyway
    tie_maps = None if ties is None else ties.reshape(c_count, h, w)
    mark_maps = None if marks is None else marks.reshape(c_count, h, w)
    n = cs.sample
    grids = []
    for ch in range(c_count):
        extra: list[tuple[np.ndarray, Mark]] = []
        if tie_maps is not None:
            extra.append((tie_maps[ch] < 0, Mark.PAD))
        if mark_maps is not None:
            extra.append((mark_maps[ch], mark))
        if tensor is not None:
            extra += cs.cv.marks(tensor, cs.cv.tensor(tensor).values.shape, (n, ch))
        grid = make_grid(
            f"{label}[{ch}]" if c_count > 1 else label,
            values[ch],
            precision=cs.cv.precision,
            scale=scale if scale is not None else scale_of(vector),
            tensor=tensor,
            prefix=(n, ch),
            marks=extra,
            channel=ch if c_count > 1 else None,  # the layout pages the channels
        )
        if tie_maps is not None:
            grid = replace(grid, ties=tie_maps[ch])
        grids.append(grid)
    return grids


def output_rows(cs: ConvStep, tid: TensorId, label: str, cell: tuple[int, ...], mark: Mark) -> Grid:
    """Filter ``f``'s block of rows of a ``(N, F, Ho, Wo)`` tensor's vector — the rows of M
    that filter makes — cut into rows of Wo (one line per output row)."""
    t = cs.cv.tensor(tid)
    n, f, r, c = cell
    values = t.values[n, f]
    known = None if t.known is None else t.known[n, f]
    mask = np.zeros(values.shape, dtype=bool)
    mask[r, c] = True
    return make_grid(
        label,
        values,
        precision=cs.cv.precision,
        scale=cs.cv.scale(tid),
        known=known,
        marks=[(mask, mark)],
        focus=(r, c),
    )


def block_title(cs: ConvStep, f: int) -> str:
    """Which rows of M filter ``f``'s output cells are."""
    ho, wo = cs.cm.output_hw
    return f"rows {f * ho * wo}…{(f + 1) * ho * wo - 1}"
