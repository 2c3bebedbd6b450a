"""adaptive_avgpool2d on screen: each output cell's window (PyTorch's rule) and its mean;
backward, g/(window size) to every cell of the window."""

from stepcnn.engine.kinds import adaptive_avgpool2d as engine
from stepcnn.present.canvas import Canvas
from stepcnn.present.kinds._window_mean import mean_backward, mean_forward

SHORT = "gap"


def _focus(cv: Canvas) -> tuple[int, int]:
    """The centre of the step's window (the input map follows it)."""
    region = cv.step.reads[0] if cv.step.phase == "forward" else cv.step.writes[0]
    _, _, rows, cols = region.cells
    assert isinstance(rows, slice) and isinstance(cols, slice)
    return ((rows.start + rows.stop - 1) // 2, (cols.start + cols.stop - 1) // 2)


PANELS = {
    "forward": mean_forward(
        _focus,
        lambda cv: "window {}×{}".format(*cv.step.operands["window"].shape),
        "mean = {total}/{size}",
    ),
    "backward": mean_backward(_focus, "", "dx: shared by the window"),
}
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
