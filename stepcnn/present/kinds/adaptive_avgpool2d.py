"""adaptive_avgpool2d on screen: each output cell's window (PyTorch's rule) and its mean;
backward, g/(window size) to every cell of the window."""

from stepcnn.engine.kinds import adaptive_avgpool2d as engine
from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.parts import layer_ids, view
from stepcnn.timeline.numbers import num

SHORT = "gap"


def _focus(cv: Canvas) -> tuple[int, int]:
    """The centre of the step's window (the input map follows it)."""
    region = cv.step.reads[0] if cv.step.phase == "forward" else cv.step.writes[0]
    _, _, rows, cols = region.cells
    assert isinstance(rows, slice) and isinstance(cols, slice)
    return ((rows.start + rows.stop - 1) // 2, (cols.start + cols.stop - 1) // 2)


def adaptive_forward(cv: Canvas) -> list[Panel]:
    _, x, out, _, _ = layer_ids(cv)
    n, c, _, _ = cv.step.index
    window = cv.step.operands["window"]
    return [
        Panel(
            "input",
            "input map (window marked)",
            tuple(cv.map_grids(x, n, [c], "x", focus=_focus(cv))),
        ),
        Panel(
            "window",
            f"window {window.shape[0]}×{window.shape[1]}",
            tuple(cv.operand_grids(window, "win")),
            caption=f"mean = {num(float(window.sum()))}/{window.size}",
        ),
        Panel(
            "output",
            "output (mean of each window)",
            tuple(view(cv, out, cv.step.index, "out")),
            row=1,
        ),
    ]


def adaptive_backward(cv: Canvas) -> list[Panel]:
    _, _, _, gout, gin = layer_ids(cv)
    n, c, _, _ = cv.step.index
    routed = cv.step.operands["routed"]
    return [
        Panel("grad", "gradient arriving", tuple(view(cv, gout, cv.step.index, "g"))),
        Panel("routed", f"g/{routed.size} to every cell", tuple(cv.operand_grids(routed, "g/k"))),
        Panel(
            "dx",
            "dx: shared by the window",
            tuple(cv.map_grids(gin, n, [c], "dx", focus=_focus(cv))),
            row=1,
        ),
    ]


PANELS = {"forward": adaptive_forward, "backward": adaptive_backward}
NARRATION = {
    "forward": (
        "Adaptive average pooling picks its windows from the input and output sizes "
        "(rows ⌊r·H/Ho⌋ to ⌈(r+1)·H/Ho⌉), so any map becomes Ho×Wo; with output_size 1 "
        "it is global average pooling. out{index} = {value:.4g}."
    ),
    "backward": (
        "Every cell of the window had the same share in the mean, so g = {value:.4g} is split "
        "evenly over the window; where windows overlap, a cell gets a share from each."
    ),
}
SOURCES = {
    "forward": (engine.adaptive_avgpool2d_forward_naive, "out[n, c, r, s] = total"),
    "backward": (engine.adaptive_avgpool2d_backward_naive, "dx[n, c, i, j] +="),
}
