"""avgpool2d on screen: each window and its mean; backward, g/(kh·kw) to every window cell."""

from stepcnn.engine.kinds import avgpool2d as engine
from stepcnn.engine.kinds.avgpool2d import AvgPool2d
from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.parts import layer_ids, layer_spec, view
from stepcnn.timeline.numbers import num

SHORT = "avg"


def _focus(cv: Canvas) -> tuple[int, int]:
    spec = layer_spec(cv)
    assert isinstance(spec, AvgPool2d)
    _, _, r, s = cv.step.index
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    return (r * sh + kh // 2, s * sw + kw // 2)


def avgpool_forward(cv: Canvas) -> list[Panel]:
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
            "window",
            tuple(cv.operand_grids(window, "win")),
            caption=f"mean = Σ/{window.size} = {num(float(window.sum()))}/{window.size}",
        ),
        Panel(
            "output",
            "output map (mean of each window)",
            tuple(view(cv, out, cv.step.index, "out")),
            row=1,
        ),
    ]


def avgpool_backward(cv: Canvas) -> list[Panel]:
    _, _, _, gout, gin = layer_ids(cv)
    n, c, _, _ = cv.step.index
    routed = cv.step.operands["routed"]
    return [
        Panel("grad", "gradient arriving", tuple(view(cv, gout, cv.step.index, "g"))),
        Panel(
            "routed",
            f"g/{routed.size} to every cell",
            tuple(cv.operand_grids(routed, "g/k")),
            caption="unlike max-pool",  # (that sends g to 1 cell); no longer than the title
        ),
        Panel(
            "dx",
            "dx: shared by the whole window",
            tuple(cv.map_grids(gin, n, [c], "dx", focus=_focus(cv))),
            row=1,
        ),
    ]


PANELS = {"forward": avgpool_forward, "backward": avgpool_backward}
NARRATION = {
    "forward": (
        "Average pooling replaces each window by the mean of its cells: out{index} = "
        "{value:.4g}. Every cell counts, not only the largest."
    ),
    "backward": (
        "Every cell of the window had the same share in the mean, so the gradient "
        "g = {value:.4g} is split evenly: each cell gets g/(kh·kw). Max pooling, in contrast, "
        "sends all of g to its one winner."
    ),
}
SOURCES = {
    "forward": (engine.avgpool2d_forward_naive, "out[n, c, r, s] = total"),
    "backward": (engine.avgpool2d_backward_naive, "+= g /"),
}
