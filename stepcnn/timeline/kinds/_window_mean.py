"""The steps of the kinds whose output is a window's mean (avgpool2d, adaptive_avgpool2d):
forward the window and its mean, backward g/(window size) to every cell of the window."""

from typing import Any

import numpy as np

from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import idx, num
from stepcnn.timeline.ops.base import (
    InputGradientBackward,
    OpContext,
    OutputForward,
    StepBody,
    prefix_mask,
)
from stepcnn.timeline.step import Partial, Region, TensorId

Window = tuple[slice, slice, int]
"""An output cell's window: its input rows, its columns and its cell count."""


def share_step(
    ctx: OpContext, index: tuple[int, ...], rows: slice, cols: slice, count: int
) -> StepBody:
    """Output-gradient element ``index`` sends ``g/count`` to every cell of its window."""
    n, c, _, _ = index
    g = float(ctx.lr.grad_output[index])
    window = ctx.lr.input[n, c, rows, cols]
    share = g / count
    return StepBody(
        value=g,
        equation=(
            f"g = dL/dout{idx(index)} = {num(g)} → every one of the {count} cells "
            f"dx[{n},{c},{rows.start}:{rows.stop},{cols.start}:{cols.stop}] += g/{count} "
            f"= {num(share)}"
        ),
        operands={
            "grad": np.array([g]),
            "window": window,
            "routed": np.full(window.shape, share),
        },
        reads=(Region(ctx.grad_output_id, index),),
        writes=(Region(ctx.grad_input_id, (n, c, rows, cols)),),
    )


class WindowMeanForward(OutputForward):
    """The forward op of a window-mean kind: a step per output cell, its window (from
    :meth:`window`) read and its mean written; the kind words the equation."""

    def window(self, ctx: OpContext, index: tuple[int, ...]) -> Window:
        raise NotImplementedError

    def mean_text(
        self, ctx: OpContext, index: tuple[int, ...], window: Window, cells: Array, value: float
    ) -> str:
        raise NotImplementedError

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        n, c, _, _ = index
        found = self.window(ctx, index)
        rows, cols, count = found
        cells = ctx.lr.input[n, c, rows, cols]
        value = float(ctx.lr.output[index])
        return StepBody(
            value=value,
            equation=self.mean_text(ctx, index, found, cells, value),
            operands={"window": cells, "share": np.full(cells.shape, 1.0 / count)},
            reads=(Region(ctx.input_id, (n, c, rows, cols)),),
            writes=(Region(ctx.output_id, index),),
        )


class WindowMeanBackward(InputGradientBackward):
    """The backward op of a window-mean kind: a step per output-gradient element (its window
    from :meth:`window`), dx so far from the kind's engine backward."""

    def window(self, ctx: OpContext, index: tuple[int, ...]) -> Window:
        raise NotImplementedError

    def engine_backward(self, dout: Array, cache: Any) -> tuple[Array, None, None]:
        raise NotImplementedError

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        return share_step(ctx, index, *self.window(ctx, index))

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        dout = ctx.lr.grad_output
        with np.errstate(all="ignore"):
            dx, _, _ = self.engine_backward(
                np.where(prefix_mask(dout.shape, local), dout, 0.0), ctx.cache
            )
        return {ctx.grad_input_id: Partial(dx)}
