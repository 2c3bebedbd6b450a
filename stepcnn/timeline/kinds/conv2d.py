"""conv2d steps: one per output cell (forward) and one per output-gradient cell (backward)."""

from collections.abc import Callable

import numpy as np

from stepcnn.engine.kinds.conv2d import Conv2d, ConvCache, conv2d_backward
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import TERMS_SHOWN, dot_terms, idx, num, paren
from stepcnn.timeline.ops.base import (
    NO_HISTORY,
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


def _written(values: Array, write: Callable[[float], str]) -> np.ndarray:
    """``values`` as an object array of their written forms, each distinct value written once."""
    distinct, where = np.unique(values, return_inverse=True)
    texts = np.array([write(v) for v in distinct.tolist()], dtype=object)
    return texts[where.reshape(values.shape)]


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

    def equations(self, ctx: OpContext, first: int, stop: int) -> list[tuple[float, str]]:
        """:meth:`equation` of the segment's steps ``first … stop − 1`` at once (``trace``):
        every input value and weight is written once, and the terms of all the steps are
        put together as arrays of strings."""
        cache, spec = _geometry(ctx)
        params = ctx.lr.params
        assert params is not None
        out = ctx.lr.output
        (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
        channels = cache.xp.shape[1]
        n, f, r, c = np.unravel_index(np.arange(first, stop), out.shape)
        # The terms written out: the first TERMS_SHOWN of the patch (C, kh, kw), row-major.
        terms = channels * kh * kw
        ch, i, j = np.unravel_index(np.arange(min(terms, TERMS_SHOWN)), (channels, kh, kw))
        xs = _written(cache.xp, num)[
            n[:, None], ch, r[:, None] * sh + i, c[:, None] * sw + j
        ]  # (steps, terms shown)
        ws = _written(params.weight, paren)[f[:, None], ch, i, j]
        products = "(" + xs + "·" + ws + ")"
        sums = products[:, 0]
        for t in range(1, products.shape[1]):
            sums = sums + " + " + products[:, t]
        more = f" + … {terms - TERMS_SHOWN} more" if terms > TERMS_SHOWN else ""
        biases = [num(b) for b in params.bias.tolist()]
        values = out.ravel()[first:stop].tolist()
        return [
            (
                value,
                f"out[{nn},{ff},{rr},{cc}] = {terms_text}{more} + b {biases[ff]} = {num(value)}",
            )
            for nn, ff, rr, cc, terms_text, value in zip(
                n.tolist(), f.tolist(), r.tolist(), c.tolist(), sums.tolist(), values, strict=True
            )
        ]

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

    def equations(self, ctx: OpContext, first: int, stop: int) -> list[tuple[float, str]]:
        """:meth:`equation` of the segment's steps ``first … stop − 1`` at once (``trace``):
        the ``db`` running sums add the same blocks in the same order as :meth:`_bias_sum`
        (the same floats), the blocks before the current row summed once per row."""
        _, spec = _geometry(ctx)
        dout = ctx.lr.grad_output
        ho, wo = dout.shape[2:]
        (kh, kw), (sh, sw), (ph, pw) = spec.kernel_size, spec.stride, spec.padding
        h, w = ctx.lr.input.shape[2:]
        spans = [
            [f"{max(o * s - p, 0)}:{min(o * s - p + k, size)}" for o in range(count)]
            for count, s, p, k, size in ((ho, sh, ph, kh, h), (wo, sw, pw, kw, w))
        ]
        row_sums: dict[tuple[int, int, int], float] = {}
        cells = np.unravel_index(np.arange(first, stop), dout.shape)
        result = []
        for n, f, r, c in zip(*(axis.tolist() for axis in cells), strict=True):
            before = row_sums.get((f, n, r))
            if before is None:  # the blocks of _bias_sum that end before row r
                before = 0.0
                if n:
                    before += float(dout[0:n, f, 0:ho, 0:wo].sum())
                if r:
                    before += float(dout[n : n + 1, f, 0:r, 0:wo].sum())
                row_sums[(f, n, r)] = before
            db_after = before + float(dout[n : n + 1, f, r : r + 1, 0 : c + 1].sum())
            g = float(dout[n, f, r, c])
            result.append(
                (
                    g,
                    f"g = dL/dout[{n},{f},{r},{c}] = {num(g)}:  dW[{f}] += g·patch;  "
                    f"db[{f}] += g → {num(db_after)};  "
                    f"dx[{n},:,{spans[0][r]},{spans[1][c]}] += g·W[{f}]",
                )
            )
        return result

    def _term_bounds(self, ctx: OpContext) -> tuple[Array, Array]:
        params = ctx.lr.params
        assert params is not None
        patch_max = np.abs(ctx.cache.windows).max(axis=(1, 4, 5))  # (N, Ho, Wo)
        w_max = np.abs(params.weight).reshape(params.weight.shape[0], -1).max(axis=1)
        return patch_max[:, None], w_max[None, :, None, None]

    def _engine_backward(self, dout: Array, cache: ConvCache) -> tuple[Array, Array, Array]:
        return conv2d_backward(dout, cache)

    def _finite_inputs(self, cache: ConvCache) -> bool:
        return bool(np.isfinite(cache.xp).all() and np.isfinite(cache.w).all())

    def _prefix_by_blocks(self, ctx: OpContext, local: int) -> tuple[Array, Array, Array]:
        cache: ConvCache = ctx.cache
        dout = ctx.lr.grad_output
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
        # Filter f's steps run in (n, r, c) row-major order.
        upto = int(np.ravel_multi_index((n, r, c), (dout.shape[0], *dout.shape[2:])))
        with np.errstate(all="ignore"):
            dw_after, db_after = self._filter_sums(ctx, f, upto)
            dw_before = self._filter_sums(ctx, f, upto - 1)[0]
        h, w = ctx.lr.input.shape[2:]
        rows, cols = _window(spec, h, w, r, c)
        return self._body(
            ctx,
            index,
            self._equation(ctx, index, db_after),
            ("patch", _patch(cache, spec, n, r, c), (n, slice(None), rows, cols)),
            ("filter", params.weight[f], f),
            (dw_before, dw_after),
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
