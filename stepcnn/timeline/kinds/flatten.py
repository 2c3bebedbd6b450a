"""flatten steps: the reshape, once forward and once backward."""

import math

import numpy as np

from stepcnn.engine.layers import Layer
from stepcnn.engine.types import Array
from stepcnn.timeline.ops.base import History, Op, OpContext, StepBody, one_step
from stepcnn.timeline.step import Partial, Region, TensorId


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)


class FlattenForward:
    name = "flatten.forward"
    has_values = False
    phase = "forward"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return ()

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "output"),)

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        x = ctx.lr.input
        if x.ndim == 4:
            _, _, h, w = x.shape
            rule = f"out[n, (c·{h} + h)·{w} + w] = x[n, c, h, w]"
        else:
            rule = "out = x (already flat)"
        equation = f"flatten: {_dims(x.shape[1:])} → {math.prod(x.shape[1:])} per sample;  {rule}"
        return StepBody(
            value=None,
            equation=equation,
            operands={},
            reads=(Region(ctx.input_id, (slice(None),)),),
            writes=(Region(ctx.output_id, (slice(None),)),),
        )

    def values(self, ctx: OpContext) -> Array:
        return np.full(1, np.nan)

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        return np.array([not np.isfinite(ctx.lr.output).all()])

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {ctx.output_id: Partial(ctx.lr.output)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.output_id:
            return None
        return one_step(0, float(ctx.lr.output[cell]))


class FlattenBackward:
    name = "flatten.backward"
    has_values = False
    phase = "backward"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return ()

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "grad_input"),)

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        dx = ctx.lr.grad_input
        equation = (
            f"unflatten the gradient: {math.prod(dx.shape[1:])} → {_dims(dx.shape[1:])} per sample;"
            "  dx[n, c, h, w] = g[n, (c·H + h)·W + w]"
            if dx.ndim == 4
            else "dx = g (already flat)"
        )
        return StepBody(
            value=None,
            equation=equation,
            operands={},
            reads=(Region(ctx.grad_output_id, (slice(None),)),),
            writes=(Region(ctx.grad_input_id, (slice(None),)),),
        )

    def values(self, ctx: OpContext) -> Array:
        return np.full(1, np.nan)

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        return np.array([not np.isfinite(ctx.lr.grad_input).all()])

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {ctx.grad_input_id: Partial(ctx.lr.grad_input)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.grad_input_id:
            return None
        return one_step(0, float(ctx.lr.grad_input[cell]))


OPS: dict[str, Op] = {"forward": FlattenForward(), "backward": FlattenBackward()}
