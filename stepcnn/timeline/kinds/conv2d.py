"""conv2d steps: one per output cell (forward) and one per output-gradient cell (backward)."""

import numpy as np

from stepcnn.engine.kinds.conv2d import Conv2d, ConvCache, conv2d_backward
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import dot_terms, idx, num
from stepcnn.timeline.ops.base import (
    NO_HISTORY,
    History,
    Op,
    OpContext,
    OutputForward,
    ParameterBackward,
    StepBody,
    prefix_blocks,
    prefix_mask,
)
from stepcnn.timeline.ops.update import ParamUpdate
from stepcnn.timeline.step import Region, TensorId


def _geometry(ctx: OpContext) -> tuple[ConvCache, Conv2d]:
    assert isinstance(ctx.spec, Conv2d)
    return ctx.cache, ctx.spec


def _window(spec: Conv2d, h: int, w: int, r: int, c: int) -> tuple[slice, slice]:
    """The input cells (unpadded coordinates, clipped to the map) under output cell (r, c)."""
    (kh, kw), (sh, sw), (ph, pw) = spec.kernel_size, spec.stride, spec.padding
    top, left = r * sh - ph, c * sw - pw
    return slice(max(top, 0), min(top + kh, h)), slice(max(left, 0), min(left + kw, w))


def _patch(cache: ConvCache, spec: Conv2d, n: int, r: int, c: int) -> Array:
    """The padded input patch ``(C, kh, kw)`` under output cell (r, c) of sample n."""
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    return cache.xp[n, :, r * sh : r * sh + kh, c * sw : c * sw + kw]


class ConvForward(OutputForward):
    name = "conv2d.forward"

    def equation(self, ctx: OpContext, index: tuple[int, ...]) -> tuple[float, str]:
        """The step's value and equation alone (what ``trace`` prints)."""
        cache, spec = _geometry(ctx)
        n, f, r, c = index
        params = ctx.lr.params
        assert params is not None
        patch = _patch(cache, spec, n, r, c)
        value = float(ctx.lr.output[index])
        equation = (
            f"out{idx(index)} = "
            f"{dot_terms(patch.ravel().tolist(), params.weight[f].ravel().tolist())}"
            f" + b {num(float(params.bias[f]))} = {num(value)}"
        )
        return value, equation

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        cache, spec = _geometry(ctx)
        n, f, r, c = index
        params = ctx.lr.params
        assert params is not None
        patch = _patch(cache, spec, n, r, c)
        weights = params.weight[f]
        bias = float(params.bias[f])
        h, w = ctx.lr.input.shape[2:]
        rows, cols = _window(spec, h, w, r, c)
        value, equation = self.equation(ctx, index)
        return StepBody(
            value=value,
            equation=equation,
            operands={
                "patch": patch,
                "filter": weights,
                "products": patch * weights,
                "bias": np.array([bias]),
            },
            reads=(
                Region(ctx.input_id, (n, slice(None), rows, cols)),
                Region(ctx.tid("weight"), (f,)),
                Region(ctx.tid("bias"), (f,)),
            ),
            writes=(Region(ctx.output_id, index),),
        )


class ConvBackward(ParameterBackward):
    name = "conv2d.backward"

    def _filter_sums(self, ctx: OpContext, f: int, upto: int) -> tuple[Array, float]:
        """dW[f] and db[f] once filter f's steps ``0…upto`` (row-major over n, r, c) have run."""
        dout, windows = ctx.lr.grad_output, ctx.cache.windows
        dw = np.zeros(windows.shape[1:2] + windows.shape[4:])
        db = 0.0
        for ns, rs, cs in prefix_blocks((dout.shape[0], *dout.shape[2:]), upto):
            g = dout[ns, f, rs, cs]
            dw += np.einsum("nhw,nchwij->cij", g, windows[ns, :, rs, cs])
            db += float(g.sum())
        return dw, db

    def _bias_sum(self, ctx: OpContext, f: int, upto: int) -> float:
        """db[f] once filter f's steps ``0…upto`` have run (as :meth:`_filter_sums` adds it)."""
        dout = ctx.lr.grad_output
        db = 0.0
        for ns, rs, cs in prefix_blocks((dout.shape[0], *dout.shape[2:]), upto):
            db += float(dout[ns, f, rs, cs].sum())
        return db

    def _equation(self, ctx: OpContext, index: tuple[int, ...], db_after: float) -> str:
        _, spec = _geometry(ctx)
        n, f, r, c = index
        h, w = ctx.lr.input.shape[2:]
        rows, cols = _window(spec, h, w, r, c)
        return (
            f"g = dL/dout{idx(index)} = {num(float(ctx.lr.grad_output[index]))}:  "
            f"dW[{f}] += g·patch;  db[{f}] += g → {num(db_after)};  "
            f"dx[{n},:,{rows.start}:{rows.stop},{cols.start}:{cols.stop}] += g·W[{f}]"
        )

    def equation(self, ctx: OpContext, index: tuple[int, ...]) -> tuple[float, str]:
        """The step's value and equation alone (what ``trace`` prints): no dW sums."""
        n, f, r, c = index
        dout = ctx.lr.grad_output
        upto = int(np.ravel_multi_index((n, r, c), (dout.shape[0], *dout.shape[2:])))
        with np.errstate(all="ignore"):
            db_after = self._bias_sum(ctx, f, upto)
        return float(dout[index]), self._equation(ctx, index, db_after)

    def _term_bounds(self, ctx: OpContext) -> tuple[Array, Array]:
        params = ctx.lr.params
        assert params is not None
        patch_max = np.abs(ctx.cache.windows).max(axis=(1, 4, 5))  # (N, Ho, Wo)
        w_max = np.abs(params.weight).reshape(params.weight.shape[0], -1).max(axis=1)
        return patch_max[:, None], w_max[None, :, None, None]

    def _prefix(self, ctx: OpContext, local: int) -> tuple[Array, Array, Array]:
        """dx, dW, db once steps ``0…local`` have run (summed over the steps run only)."""
        cache: ConvCache = ctx.cache
        dout = ctx.lr.grad_output
        if local >= dout.size - 1:
            return conv2d_backward(dout, cache)  # exactly the engine's gradients
        if np.isfinite(cache.xp).all() and np.isfinite(cache.w).all():
            # One pass with the later gradients zeroed: 0·x adds exactly nothing for finite x.
            return conv2d_backward(np.where(prefix_mask(dout.shape, local), dout, 0.0), cache)
        (kh, kw), (sh, sw) = cache.w.shape[2:], cache.stride
        dxp, dw, db = np.zeros_like(cache.xp), np.zeros_like(cache.w), np.zeros(dout.shape[1])
        for ns, fs, rs, cs in prefix_blocks(dout.shape, local):
            # The padded input rows/cols the block's windows cover, as a cache of their own.
            rows = slice(rs.start * sh, (rs.stop - 1) * sh + kh)
            cols = slice(cs.start * sw, (cs.stop - 1) * sw + kw)
            part = ConvCache(
                cache.xp[ns, :, rows, cols],
                cache.windows[ns, :, rs, cs],
                cache.w[fs],
                cache.stride,
                (0, 0),
            )
            dx_part, dw_part, db_part = conv2d_backward(dout[ns, fs, rs, cs], part)
            dxp[ns, :, rows, cols] += dx_part
            dw[fs] += dw_part
            db[fs] += db_part
        (ph, pw), (h, w) = cache.padding, ctx.lr.input.shape[2:]
        return dxp[:, :, ph : ph + h, pw : pw + w], dw, db

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        cache, spec = _geometry(ctx)
        n, f, r, c = index
        params = ctx.lr.params
        assert params is not None
        dout = ctx.lr.grad_output
        g = float(dout[index])
        patch = _patch(cache, spec, n, r, c)
        weights = params.weight[f]
        # Filter f's steps run in (n, r, c) row-major order.
        upto = int(np.ravel_multi_index((n, r, c), (dout.shape[0], *dout.shape[2:])))
        with np.errstate(all="ignore"):
            dw_after, db_after = self._filter_sums(ctx, f, upto)
            dw_before = self._filter_sums(ctx, f, upto - 1)[0]
        h, w = ctx.lr.input.shape[2:]
        rows, cols = _window(spec, h, w, r, c)
        equation = self._equation(ctx, index, db_after)
        return StepBody(
            value=g,
            equation=equation,
            operands={
                "grad": np.array([g]),
                "patch": patch,
                "filter": weights,
                "dw_contribution": g * patch,
                "dx_contribution": g * weights,
                "dw_before": dw_before,
                "dw_after": dw_after,
            },
            reads=(
                Region(ctx.grad_output_id, index),
                Region(ctx.input_id, (n, slice(None), rows, cols)),
                Region(ctx.tid("weight"), (f,)),
            ),
            writes=(
                Region(ctx.tid("grad_weight"), (f,)),
                Region(ctx.tid("grad_bias"), (f,)),
                Region(ctx.grad_input_id, (n, slice(None), rows, cols)),
            ),
        )

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        cache, spec = _geometry(ctx)
        dout = ctx.lr.grad_output
        n_batch, filters, ho, wo = dout.shape
        per_sample = filters * ho * wo
        with np.errstate(all="ignore"):
            if tensor == ctx.tid("grad_weight"):
                f, ch, i, j = cell
                contrib = dout[:, f] * cache.windows[:, ch, :, :, i, j]  # (N, Ho, Wo)
                steps = (
                    np.arange(n_batch)[:, None, None] * per_sample
                    + f * ho * wo
                    + np.arange(ho * wo).reshape(ho, wo)[None]
                ).ravel()
                return steps, np.cumsum(contrib.ravel())
            if tensor == ctx.tid("grad_bias"):
                (f,) = cell
                steps = (
                    np.arange(n_batch)[:, None] * per_sample
                    + f * ho * wo
                    + np.arange(ho * wo)[None]
                ).ravel()
                return steps, np.cumsum(dout[:, f].ravel())
            if tensor == ctx.grad_input_id:
                return self._dx_history(ctx, spec, cell)
        return None

    def _dx_history(self, ctx: OpContext, spec: Conv2d, cell: tuple[int, ...]) -> History:
        n, ch, y, x = cell
        dout = ctx.lr.grad_output
        params = ctx.lr.params
        assert params is not None
        _, filters, ho, wo = dout.shape
        (kh, kw), (sh, sw), (ph, pw) = spec.kernel_size, spec.stride, spec.padding
        py, px = y + ph, x + pw
        # Windows r cover padded row py when r·sh ≤ py ≤ r·sh + kh − 1.
        rows = list(range(max(0, -(-(py - kh + 1) // sh)), min(ho - 1, py // sh) + 1))
        cols = list(range(max(0, -(-(px - kw + 1) // sw)), min(wo - 1, px // sw) + 1))
        if not rows or not cols:
            return NO_HISTORY
        r_arr = np.array(rows)[:, None]
        s_arr = np.array(cols)[None, :]
        steps_list, contrib_list = [], []
        for f in range(filters):
            w_cells = params.weight[f, ch, py - r_arr * sh, px - s_arr * sw]
            contrib_list.append((dout[n, f][r_arr, s_arr] * w_cells).ravel())
            steps_list.append((n * filters * ho * wo + f * ho * wo + r_arr * wo + s_arr).ravel())
        return np.concatenate(steps_list), np.cumsum(np.concatenate(contrib_list))


OPS: dict[str, Op] = {
    "forward": ConvForward(),
    "backward": ConvBackward(),
    "update": ParamUpdate("conv2d"),
}
