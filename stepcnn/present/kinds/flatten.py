"""flatten on screen: maps read row by row into one vector, and folded back in backward."""

from stepcnn.engine.kinds import flatten as engine
from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.parts import layer_ids

SHORT = "flat"


def flatten_forward(cv: Canvas) -> list[Panel]:
    _, x, out, _, _ = layer_ids(cv)
    xv = cv.tensor(x).values
    wrap = xv.shape[-1] if xv.ndim == 4 else None
    return [
        Panel(
            "input",
            "input maps (read row by row)",
            tuple(cv.map_grids(x, 0, None, "x")) if xv.ndim == 4 else (cv.vector_grid(x, 0, "x"),),
        ),
        Panel(
            "output",
            "flat vector (one map row per line)",
            (cv.vector_grid(out, 0, "out", wrap),),
            row=1,
        ),
    ]


def flatten_backward(cv: Canvas) -> list[Panel]:
    _, _, _, gout, gin = layer_ids(cv)
    gv = cv.tensor(gin).values
    wrap = gv.shape[-1] if gv.ndim == 4 else None
    return [
        Panel("grad", "gradient vector", (cv.vector_grid(gout, 0, "g", wrap),)),
        Panel(
            "dx",
            "back to maps",
            tuple(cv.map_grids(gin, 0, None, "dx"))
            if gv.ndim == 4
            else (cv.vector_grid(gin, 0, "dx"),),
            row=1,
        ),
    ]


PANELS = {"forward": flatten_forward, "backward": flatten_backward}
NARRATION = {
    "forward": (
        "Flatten lays the maps out as one long vector, channel by channel and row by row, so the "
        "fully connected layer can read them. No arithmetic happens."
    ),
    "backward": (
        "The gradient vector is folded back into maps of the shape the flatten received: each "
        "number returns to the cell it came from."
    ),
}
SOURCES = {
    "forward": (engine.flatten_forward_naive, "out[n, (c * h + r) * w + s]"),
    "backward": (engine.flatten_backward_naive, "dx[n, c, r, s] ="),
}
