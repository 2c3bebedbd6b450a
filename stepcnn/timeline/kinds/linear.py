"""linear steps: one per output neuron per sample, forward and backward."""

import numpy as np

from stepcnn.engine.kinds.linear import LinearCache, linear_backward
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import dot_terms, idx, num
from stepcnn.timeline.ops.base import (
    History,
    Op,
    OpContext,
    OutputForward,
    ParameterBackward,
    StepBody,
    prefix_blocks,
)
from stepcnn.timeline.ops.update import ParamUpdate
from stepcnn.timeline.step import Region, TensorId


class LinearForward(OutputForward):
    name = "linear.forward"

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


class LinearBackward(ParameterBackward):
    name = "linear.backward"

    def _term_bounds(self, ctx: OpContext) -> tuple[Array, Array]:
        params = ctx.lr.params
        assert params is not None
        x_max = np.abs(ctx.lr.input).max(axis=1)  # (N,)
        w_max = np.abs(params.weight).max(axis=1)  # (O,)
        return x_max[:, None], w_max[None, :]

    def _engine_backward(self, dout: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
        return linear_backward(dout, cache)

    def _finite_inputs(self, cache: LinearCache) -> bool:
        return bool(np.isfinite(cache.x).all() and np.isfinite(cache.w).all())

    def _prefix_by_blocks(self, ctx: OpContext, local: int) -> tuple[Array, Array, Array]:
        cache: LinearCache = ctx.cache
        dout = ctx.lr.grad_output
        dx, dw, db = np.zeros_like(cache.x), np.zeros_like(cache.w), np.zeros(dout.shape[1])
        for ns, js in prefix_blocks(dout.shape, local):
            dx_part, dw_part, db_part = linear_backward(
                dout[ns, js], LinearCache(cache.x[ns], cache.w[js])
            )
            dx[ns] += dx_part
            dw[js] += dw_part
            db[js] += db_part
        return dx, dw, db

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        n, o = index
        params = ctx.lr.params
        assert params is not None
        dout = ctx.lr.grad_output
        g = float(dout[index])
        with np.errstate(all="ignore"):  # row o is written by the steps (0…n, o)
            dw_after = dout[: n + 1, o] @ ctx.lr.input[: n + 1]
            dw_before = dout[:n, o] @ ctx.lr.input[:n]
        return self._body(
            ctx,
            index,
            f"g = dL/dout{idx(index)} = {num(g)}:  dW[{o}] += g·x[{n}];  "
            f"db[{o}] += g;  dx[{n}] += g·W[{o}]",
            ("input", ctx.lr.input[n], (n,)),
            ("row", params.weight[o], o),
            (dw_before, dw_after),
        )

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


OPS: dict[str, Op] = {
    "forward": LinearForward(),
    "backward": LinearBackward(),
    "update": ParamUpdate("linear"),
}
