"""relu steps: one per element, forward (max(0, x)) and backward (pass or block)."""

import numpy as np

from stepcnn.timeline.numbers import idx, num
from stepcnn.timeline.ops.base import (
    GradientBackward,
    History,
    OpContext,
    OutputForward,
    StepBody,
    one_step,
)
from stepcnn.timeline.step import Partial, Region, TensorId


class ReluForward(OutputForward):
    name = "relu.forward"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        x = float(ctx.lr.input[index])
        value = float(ctx.lr.output[index])
        return StepBody(
            value=value,
            equation=f"out{idx(index)} = max(0, {num(x)}) = {num(value)}",
            operands={"input": np.array([x]), "output": np.array([value])},
            reads=(Region(ctx.input_id, index),),
            writes=(Region(ctx.output_id, index),),
        )


class ReluBackward(GradientBackward):
    name = "relu.backward"

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "grad_input"),)

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        g = float(ctx.lr.grad_output[index])
        x = float(ctx.lr.input[index])
        dx = float(ctx.lr.grad_input[index])
        passed = not x <= 0  # NaN passes, as in PyTorch
        verdict = f"passes (x = {num(x)} > 0)" if passed else f"blocked (x = {num(x)} ≤ 0)"
        return StepBody(
            value=g,
            equation=(
                f"dx{idx(index)} = g·[x > 0] = {num(g)}·{int(passed)} = {num(dx)}  — {verdict}"
            ),
            operands={
                "grad": np.array([g]),
                "input": np.array([x]),
                "mask": np.array([1.0 if passed else 0.0]),
                "grad_input": np.array([dx]),
            },
            reads=(Region(ctx.grad_output_id, index), Region(ctx.input_id, index)),
            writes=(Region(ctx.grad_input_id, index),),
        )

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {ctx.grad_input_id: Partial.prefix(ctx.lr.grad_input, local)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.grad_input_id:
            return None
        dx = ctx.lr.grad_input
        return one_step(int(np.ravel_multi_index(cell, dx.shape)), float(dx[cell]))
