"""Element-wise activations on screen: the input, the output and, backward, the gradient times
the local derivative at the same cell. A kind gives only its titles."""

from collections.abc import Callable

from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.parts import layer_ids, view

Builder = Callable[[Canvas], list[Panel]]


def forward_panels(output_title: str) -> Builder:
    """``x`` → ``f(x)``, following the current cell."""

    def build(cv: Canvas) -> list[Panel]:
        _, x, out, _, _ = layer_ids(cv)
        index = cv.step.index
        return [
            Panel("input", "input", tuple(view(cv, x, index, "x"))),
            Panel("output", output_title, tuple(view(cv, out, index, "out")), row=1),
        ]

    return build


def backward_panels(
    read_title: str, local_title: str, dx_title: str, reads_output: bool
) -> Builder:
    """``g`` and the cell ``f′`` is computed from (``x``, or ``y`` for tanh/sigmoid) → ``dx``."""

    def build(cv: Canvas) -> list[Panel]:
        _, x, out, gout, gin = layer_ids(cv)
        index = cv.step.index
        read, name = (out, "y") if reads_output else (x, "x")
        return [
            Panel("grad", "gradient arriving", tuple(view(cv, gout, index, "g"))),
            Panel("input", read_title, tuple(view(cv, read, index, name))),
            Panel("local", "f′", tuple(cv.operand_grids(cv.step.operands["local"], local_title))),
            Panel("dx", dx_title, tuple(view(cv, gin, index, "dx")), row=1),
        ]

    return build
