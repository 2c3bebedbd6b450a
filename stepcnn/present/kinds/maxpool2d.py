"""maxpool2d on screen: each window's winner (forward) and the gradient routed to it (backward)."""

import numpy as np

from stepcnn.engine.kinds import maxpool2d as engine
from stepcnn.engine.kinds.maxpool2d import MaxPool2d
from stepcnn.present.canvas import Canvas
from stepcnn.present.cells import Mark
from stepcnn.present.grid import Panel
from stepcnn.present.parts import layer_ids, layer_spec, view
from stepcnn.timeline.step import TensorId

SHORT = "pool"


def pool_forward(cv: Canvas) -> list[Panel]:
    _, x, out, _, _ = layer_ids(cv)
    spec = layer_spec(cv)
    assert isinstance(spec, MaxPool2d)
    n, c, r, s = cv.step.index
    winner = _winner_mask(cv, spec, x, cv.step.index)
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    grids = cv.map_grids(
        x, n, [c], "x", focus=(r * sh + kh // 2, s * sw + kw // 2), extra=[(winner, Mark.WINNER)]
    )
    return [
        Panel("input", "window (winner in green)", tuple(grids)),
        Panel(
            "output",
            "output map (max of each window)",
            tuple(view(cv, out, cv.step.index, "out")),
            row=1,
        ),
    ]


def _winner_mask(cv: Canvas, spec: MaxPool2d, x: TensorId, index: tuple[int, ...]) -> np.ndarray:
    """A mask over x[n] (all channels) with the window's winning cell set."""
    _, c, r, s = index
    shape = cv.tensor(x).values.shape
    mask = np.zeros(shape[1:], dtype=bool)
    rows, cols = np.nonzero(cv.step.operands["winner"])
    (sh, sw) = spec.stride
    mask[c, r * sh + int(rows[0]), s * sw + int(cols[0])] = True
    return mask


def pool_backward(cv: Canvas) -> list[Panel]:
    _, x, _, gout, gin = layer_ids(cv)
    spec = layer_spec(cv)
    assert isinstance(spec, MaxPool2d)
    n, c, r, s = cv.step.index
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    focus = (r * sh + kh // 2, s * sw + kw // 2)
    winner = _winner_mask(cv, spec, x, cv.step.index)
    return [
        Panel("grad", "gradient arriving", tuple(view(cv, gout, cv.step.index, "g"))),
        Panel(
            "input",
            "window (winner in green)",
            tuple(cv.map_grids(x, n, [c], "x", focus=focus, extra=[(winner, Mark.WINNER)])),
        ),
        Panel(
            "dx",
            "dx: all to the winner",
            tuple(cv.map_grids(gin, n, [c], "dx", focus=focus)),
            row=1,
        ),
    ]


PANELS = {"forward": pool_forward, "backward": pool_backward}
NARRATION = {
    "forward": (
        "Max-pooling keeps the largest value of each window (the winner, in green); it remembers "
        "where the winner was, because backward will send the gradient there. out{index} = "
        "{value:.4g}."
    ),
    "backward": (
        "Only the winner of the window influenced the output, so the whole gradient "
        "g = {value:.4g} goes to the winning cell; the other cells of the window get 0."
    ),
}
SOURCES = {
    "forward": (engine.maxpool2d_forward_naive, "best, best_at = v"),
    "backward": (engine.maxpool2d_backward_naive, "+= g"),
}
