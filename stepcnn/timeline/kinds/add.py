"""add steps: one per element, forward (``a + b``) and backward (the gradient passes to each
input unchanged)."""

import numpy as np

from stepcnn.timeline.numbers import idx, num, paren
from stepcnn.timeline.ops.base import (
    CellwiseBackward,
    Op,
    OpContext,
    OutputForward,
    StepBody,
)
from stepcnn.timeline.step import Region


class AddForward(OutputForward):
    """``out[i] = x₁[i] + x₂[i] + …``."""

    name = "add.forward"

    def equation(self, ctx: OpContext, index: tuple[int, ...]) -> tuple[float, str]:
        terms = [float(x[index]) for x in ctx.lr.inputs]
        value = float(ctx.lr.output[index])
        written = " + ".join(paren(t) for t in terms)
        return value, f"out{idx(index)} = {written} = {num(value)}"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        value, equation = self.equation(ctx, index)
        return StepBody(
            value=value,
            equation=equation,
            operands={
                "inputs": np.array([float(x[index]) for x in ctx.lr.inputs]),
                "output": np.array([value]),
            },
            reads=tuple(Region(tid, index) for tid in ctx.input_ids),
            writes=(Region(ctx.output_id, index),),
        )


class AddBackward(CellwiseBackward):
    """``dxₖ[i] = g[i]`` for every input ``k``: ``∂out/∂xₖ = 1``."""

    name = "add.backward"

    def equation(self, ctx: OpContext, index: tuple[int, ...]) -> tuple[float, str]:
        g = float(ctx.lr.grad_output[index])
        count = len(ctx.lr.inputs)
        each = "both inputs" if count == 2 else f"each of the {count} inputs"
        return g, f"dx{idx(index)} = g·1 = {num(g)}  — to {each} (∂out/∂x = 1)"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        g, equation = self.equation(ctx, index)
        return StepBody(
            value=g,
            equation=equation,
            operands={"grad": np.array([g]), "grad_input": np.array([g])},
            reads=(Region(ctx.grad_output_id, index),),
            writes=(Region(ctx.grad_input_id, index),),
        )


OPS: dict[str, Op] = {"forward": AddForward(), "backward": AddBackward()}
