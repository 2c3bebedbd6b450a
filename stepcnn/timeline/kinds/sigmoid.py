"""sigmoid steps: forward ``1/(1 + e^−x)``; backward ``g·y·(1 − y)`` with its numbers."""

from stepcnn.timeline.numbers import num, paren
from stepcnn.timeline.ops.base import Op, OpContext
from stepcnn.timeline.ops.elementwise import ElementwiseBackward, ElementwiseForward, Local


class SigmoidForward(ElementwiseForward):
    name = "sigmoid.forward"

    def expression(self, ctx: OpContext, x: float) -> str:
        return f"1/(1 + e^−{paren(x)})"


class SigmoidBackward(ElementwiseBackward):
    name = "sigmoid.backward"
    uses_output = True

    def local(self, ctx: OpContext, index: tuple[int, ...]) -> Local:
        y = float(ctx.lr.output[index])
        return Local(y * (1.0 - y), "y·(1 − y)", f"{num(y)}·(1 − {num(y)})", "")


OPS: dict[str, Op] = {"forward": SigmoidForward(), "backward": SigmoidBackward()}
