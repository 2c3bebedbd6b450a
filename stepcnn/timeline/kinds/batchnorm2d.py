"""batchnorm2d steps: one per output element forward (its channel's μ, σ², xˆ, γxˆ + β) and one
per output-gradient element backward (the three terms of dx, the shares of dγ and dβ)."""

import numpy as np

from stepcnn.engine.kinds.batchnorm2d import BatchNorm2d, BatchNormCache
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import idx, num, paren
from stepcnn.timeline.ops.base import (
    GradientBackward,
    History,
    Op,
    OpContext,
    OutputForward,
    StepBody,
    cell_step,
    prefix_mask,
)
from stepcnn.timeline.ops.update import ParamUpdate
from stepcnn.timeline.step import Partial, Region, TensorId


def _eps(ctx: OpContext) -> float:
    assert isinstance(ctx.spec, BatchNorm2d)
    return ctx.spec.eps


class BatchNormForward(OutputForward):
    name = "batchnorm2d.forward"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        _n, c, _, _ = index
        cache: BatchNormCache = ctx.cache
        params = ctx.lr.params
        assert params is not None
        x = float(ctx.lr.input[index])
        mean, var, x_hat = float(cache.mean[c]), float(cache.var[c]), float(cache.x_hat[index])
        gamma, beta = float(params.weight[c]), float(params.bias[c])
        value = float(ctx.lr.output[index])
        m = ctx.lr.input.size // ctx.lr.input.shape[1]
        return StepBody(
            value=value,
            equation=(
                f"channel {c} (m = {m} values): μ = {num(mean)}, σ² = {num(var)};  "
                f"xˆ = (x − μ)/√(σ² + ε) = ({num(x)} − {paren(mean)})/√({num(var)} + "
                f"{num(_eps(ctx))}) = {num(x_hat)};  out{idx(index)} = γ·xˆ + β = "
                f"{num(gamma)}·{paren(x_hat)} + {paren(beta)} = {num(value)}"
            ),
            operands={
                "channel": ctx.lr.input[:, c],
                "input": np.array([x]),
                "mean": np.array([mean]),
                "var": np.array([var]),
                "x_hat": np.array([x_hat]),
                "gamma": np.array([gamma]),
                "beta": np.array([beta]),
                "output": np.array([value]),
            },
            reads=(
                Region(ctx.input_id, (slice(None), c)),  # μ and σ² read the whole channel
                Region(ctx.tid("weight"), (c,)),
                Region(ctx.tid("bias"), (c,)),
            ),
            writes=(Region(ctx.output_id, index),),
        )


class BatchNormBackward(GradientBackward):
    """Step ``(n, c, h, w)``: ``dx = γ/σ·(g − mean(g) − xˆ·mean(g·xˆ))`` for its element (the
    channel means are over the whole channel's gradient), and ``dβ[c] += g``,
    ``dγ[c] += g·xˆ``."""

    name = "batchnorm2d.backward"

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return tuple(TensorId(layer, t) for t in ("grad_weight", "grad_bias", "grad_input"))

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        _n, c, _, _ = index
        cache: BatchNormCache = ctx.cache
        dout = ctx.lr.grad_output
        g = float(dout[index])
        x_hat = float(cache.x_hat[index])
        m = dout.size // dout.shape[1]
        grads = ctx.lr.grads
        assert grads is not None
        mean_g, mean_gx = float(grads.bias[c]) / m, float(grads.weight[c]) / m
        scale = float(cache.gamma[c] * cache.inv_std[c])
        dx = float(ctx.lr.grad_input[index])
        local = int(np.ravel_multi_index(index, dout.shape))
        in_channel = prefix_mask(dout.shape, local)[:, c]
        with np.errstate(all="ignore"):
            dbeta_after = float(dout[:, c][in_channel].sum())
            dgamma_after = float((dout[:, c] * cache.x_hat[:, c])[in_channel].sum())
        terms = (g, -mean_g, -x_hat * mean_gx)
        return StepBody(
            value=g,
            equation=(
                f"g = dL/dout{idx(index)} = {num(g)}:  dx = γ/σ·(g − mean(g) − xˆ·mean(g·xˆ)) = "
                f"{num(scale)}·({num(g)} − {paren(mean_g)} − {paren(x_hat)}·{paren(mean_gx)}) "
                f"= {num(dx)};  dβ[{c}] += g → {num(dbeta_after)};  dγ[{c}] += g·xˆ = "
                f"{num(g)}·{paren(x_hat)} → {num(dgamma_after)}"
            ),
            operands={
                "grad": np.array([g]),
                "grad_channel": dout[:, c],
                "x_hat": np.array([x_hat]),
                "mean_g": np.array([mean_g]),
                "mean_gx": np.array([mean_gx]),
                "scale": np.array([scale]),
                "terms": np.array(terms),
                "grad_input": np.array([dx]),
                "dgamma_after": np.array([dgamma_after]),
                "dbeta_after": np.array([dbeta_after]),
            },
            reads=(
                Region(ctx.grad_output_id, (slice(None), c)),  # the channel's means
                Region(ctx.input_id, index),
            ),
            writes=(
                Region(ctx.grad_input_id, index),
                Region(ctx.tid("grad_weight"), (c,)),
                Region(ctx.tid("grad_bias"), (c,)),
            ),
        )

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        g, dx = ctx.lr.grad_output.ravel(), ctx.lr.grad_input.ravel()
        return np.asarray(~np.isfinite(g) | ~np.isfinite(dx))

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        cache: BatchNormCache = ctx.cache
        dout = ctx.lr.grad_output
        done = prefix_mask(dout.shape, local)
        with np.errstate(all="ignore"):
            dbeta = np.where(done, dout, 0.0).sum(axis=(0, 2, 3))
            dgamma = np.where(done, dout * cache.x_hat, 0.0).sum(axis=(0, 2, 3))
        return {
            ctx.tid("grad_weight"): Partial(dgamma),
            ctx.tid("grad_bias"): Partial(dbeta),
            ctx.grad_input_id: Partial.prefix(ctx.lr.grad_input, local),
        }

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        dout = ctx.lr.grad_output
        if tensor == ctx.grad_input_id:
            return cell_step(ctx.lr.grad_input, cell)  # (its shape is dout's)
        if tensor not in (ctx.tid("grad_weight"), ctx.tid("grad_bias")):
            return None
        (c,) = cell
        locals_ = np.arange(dout.size).reshape(dout.shape)[:, c].ravel()
        terms: Array = dout[:, c].ravel()
        if tensor == ctx.tid("grad_weight"):
            terms = terms * ctx.cache.x_hat[:, c].ravel()
        with np.errstate(all="ignore"):
            return locals_.astype(np.intp), np.cumsum(terms)


OPS: dict[str, Op] = {
    "forward": BatchNormForward(),
    "backward": BatchNormBackward(),
    "update": ParamUpdate("batchnorm2d"),
}
