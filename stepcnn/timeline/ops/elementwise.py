"""Element-wise activations: one step per element, forward ``y = f(x)`` and backward
``dx = g · f′`` — the local derivative written out with its numbers.

A kind says only what is its own: the expression of its forward (``max(0, x)``,
``tanh(x)``) and its local derivative at one element (value, formula, numbers, remark).
"""

from typing import NamedTuple

import numpy as np

from stepcnn.timeline.numbers import idx, num
from stepcnn.timeline.ops.base import (
    CellwiseBackward,
    OpContext,
    OutputForward,
    StepBody,
)
from stepcnn.timeline.step import Region


class Local(NamedTuple):
    """The local derivative ``f′`` at one element, as the backward step writes it."""

    value: float
    formula: str  # e.g. "(1 − y²)"
    numbers: str  # e.g. "(1 − 0.25)"
    remark: str = ""  # e.g. "passes (x = 0.5 > 0)"


class ElementwiseForward(OutputForward):
    """``out[i] = f(x[i])``."""

    def expression(self, ctx: OpContext, x: float) -> str:
        """``f`` applied to the number ``x``, written out: ``max(0, 0.5)``."""
        raise NotImplementedError

    def equation(self, ctx: OpContext, index: tuple[int, ...]) -> tuple[float, str]:
        """The step's value and equation alone (what ``trace`` prints)."""
        x = float(ctx.lr.input[index])
        value = float(ctx.lr.output[index])
        return value, f"out{idx(index)} = {self.expression(ctx, x)} = {num(value)}"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        x = float(ctx.lr.input[index])
        value = float(ctx.lr.output[index])
        return StepBody(
            value=value,
            equation=f"out{idx(index)} = {self.expression(ctx, x)} = {num(value)}",
            operands={"input": np.array([x]), "output": np.array([value])},
            reads=(Region(ctx.input_id, index),),
            writes=(Region(ctx.output_id, index),),
        )


class ElementwiseBackward(CellwiseBackward):
    """``dx[i] = g[i] · f′(x[i])``; ``uses_output``: f′ is computed from y (tanh, sigmoid)."""

    uses_output = False

    def local(self, ctx: OpContext, index: tuple[int, ...]) -> Local:
        raise NotImplementedError

    def _equation(self, ctx: OpContext, index: tuple[int, ...], g: float, dx: float) -> str:
        local = self.local(ctx, index)
        remark = f"  — {local.remark}" if local.remark else ""
        return f"dx{idx(index)} = g·{local.formula} = {num(g)}·{local.numbers} = {num(dx)}{remark}"

    def equation(self, ctx: OpContext, index: tuple[int, ...]) -> tuple[float, str]:
        """The step's value and equation alone (what ``trace`` prints)."""
        g = float(ctx.lr.grad_output[index])
        return g, self._equation(ctx, index, g, float(ctx.lr.grad_input[index]))

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        g = float(ctx.lr.grad_output[index])
        x = float(ctx.lr.input[index])
        y = float(ctx.lr.output[index])
        dx = float(ctx.lr.grad_input[index])
        local = self.local(ctx, index)
        return StepBody(
            value=g,
            equation=self._equation(ctx, index, g, dx),
            operands={
                "grad": np.array([g]),
                "input": np.array([x]),
                "output": np.array([y]),
                "local": np.array([local.value]),
                "grad_input": np.array([dx]),
            },
            reads=(
                Region(ctx.grad_output_id, index),
                Region(ctx.output_id if self.uses_output else ctx.input_id, index),
            ),
            writes=(Region(ctx.grad_input_id, index),),
        )

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        """g is non-finite, or the dx it writes is: a finite g times f′ at a NaN input
        (tanh, sigmoid) is NaN."""
        g, dx = ctx.lr.grad_output.ravel(), ctx.lr.grad_input.ravel()
        return np.asarray(~np.isfinite(g) | ~np.isfinite(dx))
