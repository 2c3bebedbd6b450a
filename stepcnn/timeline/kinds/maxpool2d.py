"""maxpool2d steps: which cell of each window wins (forward) and where its gradient goes."""

import numpy as np

from stepcnn.base.wording import count
from stepcnn.engine.kinds.maxpool2d import (
    MaxPool2d,
    PoolCache,
    maxpool2d_backward,
    winner_coordinates,
)
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import idx, num
from stepcnn.timeline.ops.base import (
    History,
    InputGradientBackward,
    Op,
    OpContext,
    OutputForward,
    StepBody,
)
from stepcnn.timeline.step import Partial, Region, TensorId


def _winner(ctx: OpContext, index: tuple[int, ...]) -> tuple[slice, slice, tuple[int, int], Array]:
    """The window's rows/cols, the winner's input coordinates and a one-hot winner mask."""
    assert isinstance(ctx.spec, MaxPool2d)
    cache: PoolCache = ctx.cache
    n, c, r, s = index
    (kh, kw), (sh, sw) = ctx.spec.kernel_size, ctx.spec.stride
    offset = int(cache.argmax[n, c, r, s])
    mask = np.zeros((kh, kw))
    mask[offset // kw, offset % kw] = 1.0
    rows, cols = slice(r * sh, r * sh + kh), slice(s * sw, s * sw + kw)
    return rows, cols, (r * sh + offset // kw, s * sw + offset % kw), mask


NEAR_TIE = 1e-12
"""Relative difference under which two window cells count as tied for the maximum."""


def tie_note(window: Array, winner: tuple[int, int], n: int, c: int, top: int, left: int) -> str:
    """``"; tie: x[…] = x[…] …"`` when another cell of the window ties with the winner (exactly,
    or within :data:`NEAR_TIE` relative): the routing then depends on the order of operations."""
    best = float(window[winner])
    if not np.isfinite(best):
        return ""
    scale = max(abs(best), np.finfo(float).tiny)
    close = np.abs(window - best) <= NEAR_TIE * scale
    close[winner] = False
    if not close.any():
        return ""
    i, j = (int(v) for v in np.argwhere(close)[0])
    other = idx((n, c, top + i, left + j))
    kind = "exact tie" if float(window[i, j]) == best else "near tie"
    return (
        f"  [{kind} with x{other}: the first maximum in row-major order wins here; another "
        "library, summing in another order, may route this gradient to the other cell]"
    )


class PoolForward(OutputForward):
    name = "maxpool2d.forward"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        n, c, _, _ = index
        rows, cols, (wy, wx), mask = _winner(ctx, index)
        window = ctx.lr.input[n, c, rows, cols]
        value = float(ctx.lr.output[index])
        listed = ", ".join(num(v) for v in window.ravel()[:16])
        if window.size > 16:
            listed += ", …"
        return StepBody(
            value=value,
            equation=(
                f"out{idx(index)} = max({listed}) = {num(value)}  ← x{idx((n, c, wy, wx))}"
                + tie_note(window, (wy - rows.start, wx - cols.start), n, c, rows.start, cols.start)
            ),
            operands={"window": window, "winner": mask},
            reads=(Region(ctx.input_id, (n, c, rows, cols)),),
            writes=(Region(ctx.output_id, index),),
        )


class PoolBackward(InputGradientBackward):
    name = "maxpool2d.backward"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        n, c, _, _ = index
        rows, cols, (wy, wx), mask = _winner(ctx, index)
        g = float(ctx.lr.grad_output[index])
        others = mask.size - 1
        rest = (
            f"the other {count(others, 'cell')} of the window get 0"
            if others
            else "the window has no other cell"
        )
        return StepBody(
            value=g,
            equation=(
                f"g = dL/dout{idx(index)} = {num(g)} → dx{idx((n, c, wy, wx))} += {num(g)} "
                f"(the winner); {rest}"
                + tie_note(
                    ctx.lr.input[n, c, rows, cols],
                    (wy - rows.start, wx - cols.start),
                    n,
                    c,
                    rows.start,
                    cols.start,
                )
            ),
            operands={
                "grad": np.array([g]),
                "window": ctx.lr.input[n, c, rows, cols],
                "winner": mask,
                "routed": g * mask,
            },
            reads=(Region(ctx.grad_output_id, index), Region(ctx.input_id, (n, c, rows, cols))),
            writes=(Region(ctx.grad_input_id, (n, c, wy, wx)),),
        )

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        dout = ctx.lr.grad_output
        mask = (np.arange(dout.size) <= local).reshape(dout.shape)
        dx, _, _ = maxpool2d_backward(np.where(mask, dout, 0.0), ctx.cache)
        return {ctx.grad_input_id: Partial(dx)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.grad_input_id:
            return None
        n, c, y, x = cell
        rows, cols = winner_coordinates(ctx.cache)
        dout = ctx.lr.grad_output
        hits = np.flatnonzero((rows[n, c] == y) & (cols[n, c] == x))
        _, channels, ho, wo = dout.shape
        steps = (n * channels + c) * ho * wo + hits
        return steps.astype(np.intp), np.cumsum(dout[n, c].ravel()[hits])


OPS: dict[str, Op] = {"forward": PoolForward(), "backward": PoolBackward()}
