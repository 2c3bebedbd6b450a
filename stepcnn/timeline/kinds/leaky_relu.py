"""leaky_relu steps: forward ``x`` or ``slope·x``; backward ``g`` or ``slope·g``."""

from stepcnn.engine.kinds.leaky_relu import LeakyReLU
from stepcnn.timeline.numbers import num, paren
from stepcnn.timeline.ops.base import Op, OpContext
from stepcnn.timeline.ops.elementwise import ElementwiseBackward, ElementwiseForward, Local


def _slope(ctx: OpContext) -> float:
    assert isinstance(ctx.spec, LeakyReLU)
    return ctx.spec.negative_slope


class LeakyReluForward(ElementwiseForward):
    name = "leaky_relu.forward"

    def expression(self, ctx: OpContext, x: float) -> str:
        if x > 0:
            return f"x = {num(x)} (x > 0)"
        return f"{num(_slope(ctx))}·{paren(x)} (x ≤ 0)"


class LeakyReluBackward(ElementwiseBackward):
    name = "leaky_relu.backward"

    def local(self, ctx: OpContext, index: tuple[int, ...]) -> Local:
        x, slope = float(ctx.lr.input[index]), _slope(ctx)
        if x > 0:
            return Local(1.0, "1", "1", f"passes (x = {num(x)} > 0)")
        return Local(slope, "slope", num(slope), f"scaled (x = {num(x)} ≤ 0)")


OPS: dict[str, Op] = {"forward": LeakyReluForward(), "backward": LeakyReluBackward()}
