"""The panels of the kinds whose output is a window's mean (avgpool2d, adaptive_avgpool2d):
forward the window and its mean, backward g shared by every cell of the window. Each kind
gives its titles and where its window is (the map follows it)."""

from collections.abc import Callable

from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.parts import layer_ids, view
from stepcnn.timeline.numbers import num

Focus = Callable[[Canvas], tuple[int, int]]
Builder = Callable[[Canvas], list[Panel]]


def mean_forward(focus: Focus, window_title: Callable[[Canvas], str], caption: str) -> Builder:
    """The input map (window marked), the window, the output map. ``caption`` is a template
    with ``{size}`` and ``{total}``."""

    def build(cv: Canvas) -> list[Panel]:
        _, x, out, _, _ = layer_ids(cv)
        n, c, _, _ = cv.step.index
        window = cv.step.operands["window"]
        total = num(float(window.sum()))
        return [
            Panel(
                "input",
                "input map (window marked)",
                tuple(cv.map_grids(x, n, [c], "x", focus=focus(cv))),
            ),
            Panel(
                "window",
                window_title(cv),
                tuple(cv.operand_grids(window, "win")),
                caption=caption.format(size=window.size, total=total),
            ),
            Panel(
                "output",
                "output map (mean of each window)",
                tuple(view(cv, out, cv.step.index, "out")),
                row=1,
            ),
        ]

    return build


def mean_backward(focus: Focus, caption: str, dx_title: str) -> Builder:
    """The gradient arriving, its share for every cell, dx (the window marked)."""

    def build(cv: Canvas) -> list[Panel]:
        _, _, _, gout, gin = layer_ids(cv)
        n, c, _, _ = cv.step.index
        routed = cv.step.operands["routed"]
        return [
            Panel("grad", "gradient arriving", tuple(view(cv, gout, cv.step.index, "g"))),
            Panel(
                "routed",
                f"g/{routed.size} to every cell",
                tuple(cv.operand_grids(routed, "g/k")),
                caption=caption,
            ),
            Panel("dx", dx_title, tuple(cv.map_grids(gin, n, [c], "dx", focus=focus(cv))), row=1),
        ]

    return build
