"""conv2d on screen: the patch, the filter with every channel, the products, the dW running sum."""

import numpy as np

from stepcnn.engine import optim
from stepcnn.engine.kinds import conv2d as engine
from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.network import LayerRecord
from stepcnn.present.canvas import Canvas
from stepcnn.present.cells import Mark
from stepcnn.present.grid import Grid, Panel, make_grids
from stepcnn.present.parts import layer_ids, layer_spec, view
from stepcnn.present.running_sum import (
    accumulated,
    added_cell,
    cell_name,
    dw_running_sum,
    selected_of,
    with_running_sum,
)
from stepcnn.present.update_panels import param_update
from stepcnn.present.weight_story import Row, StoryRows
from stepcnn.timeline.numbers import num
from stepcnn.timeline.step import TensorId

SHORT = "conv"


def padded_input(cv: Canvas, tid: TensorId, spec: Conv2d, n: int, r: int, c: int) -> list[Grid]:
    """Input channels with their zero padding drawn, the window under output cell (r, c) marked."""
    t = cv.tensor(tid)
    (ph, pw), (kh, kw), (sh, sw) = spec.padding, spec.kernel_size, spec.stride
    count, h, w = t.values.shape[1:]
    padded = np.zeros((count, h + 2 * ph, w + 2 * pw))  # the zero padding around each map
    padded[:, ph : ph + h, pw : pw + w] = t.values[n]
    pad = np.ones(padded.shape[1:], dtype=bool)
    pad[ph : ph + h, pw : pw + w] = False
    window = np.zeros(padded.shape[1:], dtype=bool)
    window[r * sh : r * sh + kh, c * sw : c * sw + kw] = True
    return make_grids(
        [f"x[{n},{ch}]" + (" padded" if ph or pw else "") for ch in range(count)],
        padded,
        precision=cv.precision,
        scale=cv.scale(tid),
        tensor=tid,
        prefixes=[(n, ch) for ch in range(count)],
        row0=-ph,
        col0=-pw,
        marks=[(pad, Mark.PAD), (window, Mark.READ)],
        focus=(r * sh + kh // 2, c * sw + kw // 2),
        channels=[ch if count > 1 else None for ch in range(count)],
    )


def conv_forward(cv: Canvas) -> list[Panel]:
    layer, x, out, _, _ = layer_ids(cv)
    spec = layer_spec(cv)
    assert isinstance(spec, Conv2d)
    n, f, r, c = cv.step.index
    ops = cv.step.operands
    return [
        Panel("input", "input patch (all channels)", tuple(padded_input(cv, x, spec, n, r, c))),
        Panel("filter", f"filter W[{f}]", tuple(cv.slice_grids(TensorId(layer, "weight"), f, "W"))),
        Panel(
            "products",
            "patch ⊙ filter",
            tuple(cv.operand_grids(ops["products"], "⊙")),
            caption=f"Σ = {num(float(ops['products'].sum()))}",
            optional=True,
        ),
        with_running_sum(
            Panel(
                "output",
                f"output map {f} (Σ + b)",
                tuple(view(cv, out, cv.step.index, "out")),
                row=1,
            ),
            f"{cell_name('out', cv.step.index)} = Σ + b",
            float(ops["products"].sum()),
            float(ops["bias"][0]),
            float(cv.tensor(out).values[cv.step.index]),
        ),
    ]


def conv_backward(cv: Canvas) -> list[Panel]:
    layer, x, _, gout, gin = layer_ids(cv)
    spec = layer_spec(cv)
    assert isinstance(spec, Conv2d)
    n, f, r, c = cv.step.index
    ops = cv.step.operands
    dw = TensorId(layer, "grad_weight")
    (kh, kw), (sh, sw), (ph, pw) = spec.kernel_size, spec.stride, spec.padding
    return [
        Panel("grad", f"gradient arriving (map {f})", tuple(view(cv, gout, cv.step.index, "g"))),
        Panel("input", "input patch", tuple(padded_input(cv, x, spec, n, r, c))),
        Panel(
            "contribution",
            "g · patch (added to dW)",
            tuple(cv.operand_grids(ops["dw_contribution"], "g·patch")),
            optional=True,
        ),
        Panel(
            "filter",
            f"filter W[{f}] (for dx)",
            tuple(cv.slice_grids(TensorId(layer, "weight"), f, "W")),
            optional=True,
        ),
        dw_running_sum(
            cv,
            Panel("dw", f"dW[{f}] running sum", tuple(cv.slice_grids(dw, f, "dW")), row=1),
            f,
        ),
        dx_running_sum(
            cv,
            Panel(
                "dx",
                f"dx (+= g·W[{f}])",
                tuple(
                    cv.map_grids(
                        gin, n, None, "dx", focus=(r * sh - ph + kh // 2, c * sw - pw + kw // 2)
                    )
                ),
                row=1,
            ),
            spec,
        ),
    ]


def dx_running_sum(cv: Canvas, panel: Panel, spec: Conv2d) -> Panel:
    """The dx panel captioned with the input cell this step adds most to (g·W over the
    window; padding has no dx), or the selected one."""
    _, _, _, _, gin = layer_ids(cv)
    n, _, r, c = cv.step.index
    added = cv.step.operands["dx_contribution"]  # (C, kh, kw) over the padded window
    (ph, pw), (sh, sw) = spec.padding, spec.stride
    h, w = cv.tensor(gin).values.shape[2:]
    top, left = r * sh - ph, c * sw - pw
    ys, xs = top + np.arange(added.shape[1]), left + np.arange(added.shape[2])
    inside = ((ys >= 0) & (ys < h))[:, None] & ((xs >= 0) & (xs < w))[None, :]
    selected = selected_of(cv, gin)
    chosen = None
    if selected is not None and selected[0] == n:
        chosen = (selected[1], selected[2] - top, selected[3] - left)
    ch, i, j = added_cell(added, chosen, np.broadcast_to(inside, added.shape))
    cell = (n, ch, int(ys[i]), int(xs[j]))
    return accumulated(cv, panel, gin, "dx", cell, float(added[ch, i, j]))


def weight_story_rows(lr: LayerRecord, spec: object, cell: tuple[int, ...]) -> StoryRows:
    """``W[f, c, i, j]`` met one input cell per output position (shared weights); on padding,
    a zero."""
    assert isinstance(spec, Conv2d)
    f, c, i, j = cell
    (sh, sw), (ph, pw) = spec.stride, spec.padding
    _, _, h, w = lr.input.shape
    dout = lr.grad_output
    rows: list[Row] = []
    for n in range(dout.shape[0]):
        for r in range(dout.shape[2]):
            for s in range(dout.shape[3]):
                y, x = r * sh + i - ph, s * sw + j - pw
                inside = 0 <= y < h and 0 <= x < w
                rows.append(
                    (
                        (n, r, s),
                        (n, c, y, x) if inside else None,
                        float(lr.input[n, c, y, x]) if inside else 0.0,
                        float(dout[n, f, r, s]),
                    )
                )
    return rows, f"W[{f},{c},{i},{j}]"


PANELS = {"forward": conv_forward, "backward": conv_backward, "update": param_update}
NARRATION = {
    "forward": (
        "The filter sits on one patch of the input — every channel of it — and each output cell "
        "is one dot product: multiply the patch by the filter element by element, add everything "
        "up, add the bias. out{index} = {value:.4g}. Only this patch is read (sparse "
        "connectivity), and the same filter is used at every position (shared weights)."
    ),
    "backward": (
        "The gradient g = {value:.4g} of output cell {index} flows back. The filter that made "
        "this cell gets g × the patch it read, ADDED to dW — every position adds into the same "
        "dW: that is what shared weights means. The input patch gets g × the filter (dx)."
    ),
    "update": (
        "Gradient descent: filter {index} takes one step against its gradient, with learning "
        "rate η = {lr}; the next iteration starts from the new filters."
    ),
}
SOURCES = {
    "forward": (engine.conv2d_forward_naive, "out[n, f, r, c] ="),
    "backward": (engine.conv2d_backward_naive, "dw[f] +="),
    "update": (optim.sgd_step_naive, "new.flat[i] = w -"),
}
WEIGHT_STORY = weight_story_rows
