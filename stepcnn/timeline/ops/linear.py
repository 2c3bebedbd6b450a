"""linear steps: one per output neuron per sample, forward and backward."""

import numpy as np

from stepcnn.engine.layers import Layer
from stepcnn.engine.linear import linear_backward
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import dot_terms, idx, num
from stepcnn.timeline.ops.base import History, OpContext, StepBody, ValueOp, one_step
from stepcnn.timeline.step import Partial, Region, TensorId


class LinearForward(ValueOp):
    name = "linear.forward"
    phase = "forward"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return (batch, *out_shape)

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "output"),)

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        n, o = index
        params = ctx.lr.params
        assert params is not None
        x, row, bias = ctx.lr.input[n], params.weight[o], float(params.bias[o])
        value = float(ctx.lr.output[index])
        return StepBody(
            value=value,
            equation=(
                f"out{idx(index)} = W[{o}]·x[{n}] + b[{o}] = "
                f"{dot_terms(row.tolist(), x.tolist())} + {num(bias)} = {num(value)}"
            ),
            operands={"input": x, "row": row, "products": row * x, "bias": np.array([bias])},
            reads=(
                Region(ctx.input_id, (n,)),
                Region(ctx.tid("weight"), (o,)),
                Region(ctx.tid("bias"), (o,)),
            ),
            writes=(Region(ctx.output_id, index),),
        )

    def values(self, ctx: OpContext) -> Array:
        return ctx.lr.output.ravel()

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {ctx.output_id: Partial.prefix(ctx.lr.output, local)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.output_id:
            return None
        out = ctx.lr.output
        return one_step(int(np.ravel_multi_index(cell, out.shape)), float(out[cell]))


class LinearBackward(ValueOp):
    name = "linear.backward"
    phase = "backward"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return (batch, *out_shape)

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return tuple(TensorId(layer, t) for t in ("grad_weight", "grad_bias", "grad_input"))

    def _masked(self, ctx: OpContext, local: int) -> Array:
        dout = ctx.lr.grad_output
        mask = (np.arange(dout.size) <= local).reshape(dout.shape)
        return np.where(mask, dout, 0.0)

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        n, o = index
        params = ctx.lr.params
        assert params is not None
        dout = ctx.lr.grad_output
        g = float(dout[index])
        x, row = ctx.lr.input[n], params.weight[o]
        local = n * dout.shape[1] + o
        with np.errstate(all="ignore"):
            dw_after = self._masked(ctx, local)[:, o] @ ctx.lr.input
            dw_before = self._masked(ctx, local - 1)[:, o] @ ctx.lr.input
        return StepBody(
            value=g,
            equation=(
                f"g = dL/dout{idx(index)} = {num(g)}:  dW[{o}] += g·x[{n}];  "
                f"db[{o}] += g;  dx[{n}] += g·W[{o}]"
            ),
            operands={
                "grad": np.array([g]),
                "input": x,
                "row": row,
                "dw_contribution": g * x,
                "dx_contribution": g * row,
                "dw_before": dw_before,
                "dw_after": dw_after,
            },
            reads=(
                Region(ctx.grad_output_id, index),
                Region(ctx.input_id, (n,)),
                Region(ctx.tid("weight"), (o,)),
            ),
            writes=(
                Region(ctx.tid("grad_weight"), (o,)),
                Region(ctx.tid("grad_bias"), (o,)),
                Region(ctx.grad_input_id, (n,)),
            ),
        )

    def values(self, ctx: OpContext) -> Array:
        return ctx.lr.grad_output.ravel()

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        with np.errstate(all="ignore"):
            dx, dw, db = linear_backward(self._masked(ctx, local), ctx.cache)
        return {
            ctx.tid("grad_weight"): Partial(dw),
            ctx.tid("grad_bias"): Partial(db),
            ctx.grad_input_id: Partial(dx),
        }

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        dout = ctx.lr.grad_output
        n_batch, outs = dout.shape
        params = ctx.lr.params
        assert params is not None
        with np.errstate(all="ignore"):
            if tensor == ctx.tid("grad_weight"):
                o, i = cell
                steps = np.arange(n_batch) * outs + o
                return steps, np.cumsum(dout[:, o] * ctx.lr.input[:, i])
            if tensor == ctx.tid("grad_bias"):
                (o,) = cell
                return np.arange(n_batch) * outs + o, np.cumsum(dout[:, o])
            if tensor == ctx.grad_input_id:
                n, i = cell
                steps = n * outs + np.arange(outs)
                return steps, np.cumsum(dout[n] * params.weight[:, i])
        return None
