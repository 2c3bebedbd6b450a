"""adaptive_avgpool2d steps: the mean of each output cell's window (PyTorch's window rule)
forward; g/(window size) to every window cell backward."""

import numpy as np

from stepcnn.engine.kinds.adaptive_avgpool2d import (
    AdaptiveAvgPool2d,
    adaptive_avgpool2d_backward,
    window_bounds,
)
from stepcnn.timeline.kinds._window_mean import share_step
from stepcnn.timeline.numbers import idx, num
from stepcnn.timeline.ops.base import (
    NO_HISTORY,
    History,
    InputGradientBackward,
    Op,
    OpContext,
    OutputForward,
    StepBody,
    prefix_mask,
)
from stepcnn.timeline.step import Partial, Region, TensorId


def window(ctx: OpContext, index: tuple[int, ...]) -> tuple[slice, slice, int]:
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


class AdaptiveAvgPoolForward(OutputForward):
    name = "adaptive_avgpool2d.forward"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        n, c, _, _ = index
        rows, cols, count = window(ctx, index)
        cells = ctx.lr.input[n, c, rows, cols]
        value = float(ctx.lr.output[index])
        return StepBody(
            value=value,
            equation=(
                f"window {_rule(rows, cols, index, ctx)};  out{idx(index)} = Σ/{count} = "
                f"{num(float(cells.sum()))}/{count} = {num(value)}"
            ),
            operands={"window": cells, "share": np.full(cells.shape, 1.0 / count)},
            reads=(Region(ctx.input_id, (n, c, rows, cols)),),
            writes=(Region(ctx.output_id, index),),
        )


class AdaptiveAvgPoolBackward(InputGradientBackward):
    name = "adaptive_avgpool2d.backward"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        rows, cols, count = window(ctx, index)
        return share_step(ctx, index, rows, cols, count)

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        dout = ctx.lr.grad_output
        with np.errstate(all="ignore"):
            dx, _, _ = adaptive_avgpool2d_backward(
                np.where(prefix_mask(dout.shape, local), dout, 0.0), ctx.cache
            )
        return {ctx.grad_input_id: Partial(dx)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.grad_input_id:
            return None
        assert isinstance(ctx.spec, AdaptiveAvgPool2d)
        n, c, y, x = cell
        _, _, h, w = ctx.lr.input.shape
        ho, wo = ctx.spec.output_size
        dout = ctx.lr.grad_output
        channels = dout.shape[1]
        steps, shares = [], []
        for r in range(ho):
            r0, r1 = window_bounds(h, ho, r)
            if not r0 <= y < r1:
                continue
            for s in range(wo):
                c0, c1 = window_bounds(w, wo, s)
                if c0 <= x < c1:
                    steps.append(((n * channels + c) * ho + r) * wo + s)
                    shares.append(dout[n, c, r, s] / ((r1 - r0) * (c1 - c0)))
        if not steps:
            return NO_HISTORY
        with np.errstate(all="ignore"):
            return np.array(steps, dtype=np.intp), np.cumsum(shares)


OPS: dict[str, Op] = {
    "forward": AdaptiveAvgPoolForward(),
    "backward": AdaptiveAvgPoolBackward(),
}
