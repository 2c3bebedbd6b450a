"""SGD update steps: one per conv2d filter or linear output neuron, W[o] ← W[o] − η·dW[o]."""

import numpy as np

from stepcnn.engine.layers import Layer
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import num, paren
from stepcnn.timeline.ops.base import History, OpContext, StepBody, one_step
from stepcnn.timeline.step import Partial, Region, TensorId


class ParamUpdate:
    """``layer.update``: slice ``o`` of the weight (a filter or a row) and bias ``o``."""

    phase = "update"
    has_values = False

    def __init__(self, kind: str) -> None:
        self.name = f"{kind}.update"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        assert spec is not None
        shapes = spec.param_shapes()
        assert shapes is not None
        return (shapes[1][0],)

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "weight"), TensorId(layer, "bias"))

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        (o,) = index
        before, grads, after = ctx.lr.params, ctx.lr.grads, ctx.lr.params_after
        assert before is not None and grads is not None and after is not None
        eta = ctx.learning_rate
        # The example is the weight that moves most (a zero gradient would show nothing).
        with np.errstate(invalid="ignore"):
            magnitude = np.nan_to_num(np.abs(grads.weight[o]), nan=np.inf)
        cell = np.unravel_index(int(np.argmax(magnitude)), magnitude.shape)
        w0, g0, w1 = (float(a[o][cell]) for a in (before.weight, grads.weight, after.weight))
        b0, gb, b1 = float(before.bias[o]), float(grads.bias[o]), float(after.bias[o])
        where = "[" + ",".join(str(int(i)) for i in cell) + "]"
        equation = (
            f"W[{o}] ← W[{o}] − η·dW[{o}]  (η = {num(eta)}; e.g. W[{o}]{where}: "
            f"{num(w0)} − {num(eta)}·{paren(g0)} = {num(w1)});  "
            f"b[{o}] ← {num(b0)} − {num(eta)}·{paren(gb)} = {num(b1)}"
        )
        return StepBody(
            value=None,
            equation=equation,
            operands={
                "weight_before": before.weight[o],
                "grad_weight": grads.weight[o],
                "weight_after": after.weight[o],
                "bias_before": np.array([b0]),
                "grad_bias": np.array([gb]),
                "bias_after": np.array([b1]),
                "learning_rate": np.array([eta]),
            },
            reads=(
                Region(ctx.tid("grad_weight"), (o,)),
                Region(ctx.tid("grad_bias"), (o,)),
            ),
            writes=(Region(ctx.tid("weight"), (o,)), Region(ctx.tid("bias"), (o,))),
        )

    def values(self, ctx: OpContext) -> Array:
        assert ctx.lr.params is not None
        return np.full(ctx.lr.params.bias.shape[0], np.nan)

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        after = ctx.lr.params_after
        assert after is not None
        weights = np.isfinite(after.weight).reshape(after.weight.shape[0], -1).all(axis=1)
        return ~(weights & np.isfinite(after.bias))

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        before, after = ctx.lr.params, ctx.lr.params_after
        assert before is not None and after is not None
        rows = np.arange(before.bias.shape[0]) <= local
        shape = (-1,) + (1,) * (before.weight.ndim - 1)
        return {
            ctx.tid("weight"): Partial(np.where(rows.reshape(shape), after.weight, before.weight)),
            ctx.tid("bias"): Partial(np.where(rows, after.bias, before.bias)),
        }

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        after = ctx.lr.params_after
        assert after is not None
        if tensor == ctx.tid("weight"):
            return one_step(cell[0], float(after.weight[cell]))
        if tensor == ctx.tid("bias"):
            return one_step(cell[0], float(after.bias[cell]))
        return None
