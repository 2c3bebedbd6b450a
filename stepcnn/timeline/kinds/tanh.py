"""tanh steps: forward ``tanh(x)``; backward ``g·(1 − y²)`` with its numbers."""

from stepcnn.timeline.numbers import num, paren
from stepcnn.timeline.ops.base import Op, OpContext
from stepcnn.timeline.ops.elementwise import ElementwiseBackward, ElementwiseForward, Local


class TanhForward(ElementwiseForward):
    name = "tanh.forward"

    def expression(self, ctx: OpContext, x: float) -> str:
        return f"tanh({num(x)})"


class TanhBackward(ElementwiseBackward):
    name = "tanh.backward"
    uses_output = True

    def local(self, ctx: OpContext, index: tuple[int, ...]) -> Local:
        y = float(ctx.lr.output[index])
        return Local(1.0 - y * y, "(1 − y²)", f"(1 − {paren(y)}²)", f"y = {num(y)}")


OPS: dict[str, Op] = {"forward": TanhForward(), "backward": TanhBackward()}
