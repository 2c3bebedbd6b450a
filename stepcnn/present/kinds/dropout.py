"""dropout on screen: the sample's mask as a map (0: dropped), and the kept value scaled by
1/(1 − p); backward, the gradient through the kept units only."""

from dataclasses import replace

import numpy as np

from stepcnn.engine.kinds import dropout as engine
from stepcnn.present.canvas import Canvas
from stepcnn.present.cells import Mark
from stepcnn.present.elementwise import backward_panels
from stepcnn.present.grid import Grid, Panel
from stepcnn.present.parts import layer_ids, view

SHORT = "drop"


def dropout_forward(cv: Canvas) -> list[Panel]:
    _, x, out, _, _ = layer_ids(cv)
    index = cv.step.index
    mask = cv.step.operands["mask"]
    dropped = int(mask.size - np.count_nonzero(mask))
    kept = bool(cv.step.operands["kept"][0])
    if mask.ndim == 3:  # the channel of this unit
        dropped = int(mask[index[1]].size - np.count_nonzero(mask[index[1]]))
        mask, size = mask[index[1]], mask[index[1]].size
    else:
        size = mask.size
    mask_grids = [_unit_marked(g, index) for g in cv.operand_grids(mask, "mask")]
    return [
        Panel("input", "input", tuple(view(cv, x, index, "x"))),
        Panel(
            "mask",
            f"mask: 0 = dropped ({dropped} of {size})",
            tuple(mask_grids),
            caption="this unit: " + ("kept" if kept else "DROPPED"),
        ),
        Panel("output", "output x·mask/(1 − p)", tuple(view(cv, out, index, "out")), row=1),
    ]


def _unit_marked(grid: Grid, index: tuple[int, ...]) -> Grid:
    """The mask with this step's unit marked read (a map's cell, or a vector's element)."""
    at = divmod(index[1], grid.wrap) if grid.wrap is not None else (index[-2], index[-1])
    mark = grid.mark.copy()
    mark[at] = max(int(mark[at]), int(Mark.READ))
    return replace(grid, mark=mark)


PANELS = {
    "forward": dropout_forward,
    "backward": backward_panels("input x", "mask/(1−p)", "dx = g·mask/(1 − p)", reads_output=False),
}
NARRATION = {
    "forward": (
        "Dropout: this iteration's mask keeps each unit with probability 1 − p and drops the "
        "rest (0 on the mask). A kept unit is scaled by 1/(1 − p), so the expected output "
        "equals the input. out{index} = {value:.4g}."
    ),
    "backward": (
        "The gradient g = {value:.4g} flows back only through the units the mask kept, scaled "
        "by the same 1/(1 − p); a dropped unit gets no gradient this iteration."
    ),
}
SOURCES = {
    "forward": (engine.dropout_forward_naive, "out[i] ="),
    "backward": (engine.dropout_backward_naive, "dx[i] ="),
}
