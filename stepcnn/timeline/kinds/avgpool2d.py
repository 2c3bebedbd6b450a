"""avgpool2d steps: the mean of each window (forward); g/(kh·kw) to every window cell (backward)."""

from typing import Any

import numpy as np

from stepcnn.engine.kinds.avgpool2d import AvgPool2d, avgpool2d_backward
from stepcnn.engine.types import Array
from stepcnn.timeline.kinds._window_mean import Window, WindowMeanBackward, WindowMeanForward
from stepcnn.timeline.numbers import idx, num
from stepcnn.timeline.ops.base import NO_HISTORY, History, Op, OpContext
from stepcnn.timeline.step import TensorId


def _window(ctx: OpContext, index: tuple[int, ...]) -> Window:
    """The window's input rows and columns, and its cell count kh·kw."""
    assert isinstance(ctx.spec, AvgPool2d)
    _, _, r, s = index
    (kh, kw), (sh, sw) = ctx.spec.kernel_size, ctx.spec.stride
    return slice(r * sh, r * sh + kh), slice(s * sw, s * sw + kw), kh * kw


def _sum_text(values: list[float]) -> str:
    """``a + b − c``: a negative term after the first is written as a subtraction."""
    text = num(values[0])
    for v in values[1:]:
        text += f" − {num(-v)}" if v < 0 else f" + {num(v)}"
    return text


class AvgPoolForward(WindowMeanForward):
    name = "avgpool2d.forward"

    def window(self, ctx: OpContext, index: tuple[int, ...]) -> Window:
        return _window(ctx, index)

    def mean_text(
        self, ctx: OpContext, index: tuple[int, ...], window: Window, cells: Array, value: float
    ) -> str:
        listed = _sum_text(cells.ravel()[:16].tolist())
        if cells.size > 16:
            listed += " + …"
        return f"out{idx(index)} = ({listed}) / {window[2]} = {num(value)}"


class AvgPoolBackward(WindowMeanBackward):
    name = "avgpool2d.backward"

    def window(self, ctx: OpContext, index: tuple[int, ...]) -> Window:
        return _window(ctx, index)

    def engine_backward(self, dout: Array, cache: Any) -> tuple[Array, None, None]:
        return avgpool2d_backward(dout, cache)

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.grad_input_id:
            return None
        assert isinstance(ctx.spec, AvgPool2d)
        n, c, y, x = cell
        (kh, kw), (sh, sw) = ctx.spec.kernel_size, ctx.spec.stride
        dout = ctx.lr.grad_output
        _, channels, ho, wo = dout.shape
        # Windows r cover row y when r·sh ≤ y ≤ r·sh + kh − 1.
        rows = np.arange(max(0, -(-(y - kh + 1) // sh)), min(ho - 1, y // sh) + 1)
        cols = np.arange(max(0, -(-(x - kw + 1) // sw)), min(wo - 1, x // sw) + 1)
        if rows.size == 0 or cols.size == 0:
            return NO_HISTORY
        local = ((n * channels + c) * ho + rows[:, None]) * wo + cols[None, :]
        shares = dout[n, c][rows[:, None], cols[None, :]] / (kh * kw)
        return local.ravel().astype(np.intp), np.cumsum(shares.ravel())


OPS: dict[str, Op] = {"forward": AvgPoolForward(), "backward": AvgPoolBackward()}
