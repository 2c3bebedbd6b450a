"""relu steps: one per element, forward (max(0, x)) and backward (pass or block)."""

from stepcnn.timeline.numbers import num
from stepcnn.timeline.ops.base import Op, OpContext
from stepcnn.timeline.ops.elementwise import ElementwiseBackward, ElementwiseForward, Local


class ReluForward(ElementwiseForward):
    name = "relu.forward"

    def expression(self, ctx: OpContext, x: float) -> str:
        return f"max(0, {num(x)})"


class ReluBackward(ElementwiseBackward):
    name = "relu.backward"

    def local(self, ctx: OpContext, index: tuple[int, ...]) -> Local:
        x = float(ctx.lr.input[index])
        passed = not x <= 0  # NaN passes, as in PyTorch
        verdict = f"passes (x = {num(x)} > 0)" if passed else f"blocked (x = {num(x)} ≤ 0)"
        return Local(float(passed), "[x > 0]", str(int(passed)), verdict)


OPS: dict[str, Op] = {"forward": ReluForward(), "backward": ReluBackward()}
