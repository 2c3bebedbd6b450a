"""adaptive_avgpool2d steps: the mean of each output cell's window (PyTorch's window rule)
forward; g/(window size) to every window cell backward."""

from typing import Any

import numpy as np

from stepcnn.engine.kinds.adaptive_avgpool2d import (
    AdaptiveAvgPool2d,
    adaptive_avgpool2d_backward,
    window_bounds,
    windows,
)
from stepcnn.engine.types import Array
from stepcnn.timeline.kinds._window_mean import Window, WindowMeanBackward, WindowMeanForward
from stepcnn.timeline.numbers import idx, num
from stepcnn.timeline.ops.base import NO_HISTORY, History, Op, OpContext
from stepcnn.timeline.step import TensorId


def window(ctx: OpContext, index: tuple[int, ...]) -> Window:
    """The window's input rows and columns, and its cell count."""
    assert isinstance(ctx.spec, AdaptiveAvgPool2d)
    _, _, r, s = index
    _, _, h, w = ctx.lr.input.shape
    ho, wo = ctx.spec.output_size
    (r0, r1), (c0, c1) = window_bounds(h, ho, r), window_bounds(w, wo, s)
    return slice(r0, r1), slice(c0, c1), (r1 - r0) * (c1 - c0)


def _rule(rows: slice, cols: slice, index: tuple[int, ...], ctx: OpContext) -> str:
    assert isinstance(ctx.spec, AdaptiveAvgPool2d)
    _, _, r, s = index
    _, _, h, w = ctx.lr.input.shape
    ho, wo = ctx.spec.output_size
    return (
        f"rows ⌊{r}·{h}/{ho}⌋…⌈{r + 1}·{h}/{ho}⌉ = {rows.start}:{rows.stop}, "
        f"cols ⌊{s}·{w}/{wo}⌋…⌈{s + 1}·{w}/{wo}⌉ = {cols.start}:{cols.stop}"
    )


class AdaptiveAvgPoolForward(WindowMeanForward):
    name = "adaptive_avgpool2d.forward"

    def window(self, ctx: OpContext, index: tuple[int, ...]) -> Window:
        return window(ctx, index)

    def mean_text(
        self, ctx: OpContext, index: tuple[int, ...], window: Window, cells: Array, value: float
    ) -> str:
        rows, cols, count = window
        return (
            f"window {_rule(rows, cols, index, ctx)};  out{idx(index)} = Σ/{count} = "
            f"{num(float(cells.sum()))}/{count} = {num(value)}"
        )


class AdaptiveAvgPoolBackward(WindowMeanBackward):
    name = "adaptive_avgpool2d.backward"

    def window(self, ctx: OpContext, index: tuple[int, ...]) -> Window:
        return window(ctx, index)

    def engine_backward(self, dout: Array, cache: Any) -> tuple[Array, None, None]:
        return adaptive_avgpool2d_backward(dout, cache)

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.grad_input_id:
            return None
        assert isinstance(ctx.spec, AdaptiveAvgPool2d)
        n, c, y, x = cell
        _, _, h, w = ctx.lr.input.shape
        dout = ctx.lr.grad_output
        _, channels, ho, wo = dout.shape
        steps, shares = [], []
        for r, s, rows, cols, size in windows(h, w, ctx.spec.output_size):
            if rows.start <= y < rows.stop and cols.start <= x < cols.stop:
                steps.append(((n * channels + c) * ho + r) * wo + s)
                shares.append(dout[n, c, r, s] / size)
        if not steps:
            return NO_HISTORY
        with np.errstate(all="ignore"):
            return np.array(steps, dtype=np.intp), np.cumsum(shares)


OPS: dict[str, Op] = {
    "forward": AdaptiveAvgPoolForward(),
    "backward": AdaptiveAvgPoolBackward(),
}
