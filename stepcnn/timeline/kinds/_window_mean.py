"""The backward step of the kinds whose output is a window's mean (avgpool2d,
adaptive_avgpool2d): g/(window size) to every cell of the window."""

import numpy as np

from stepcnn.timeline.numbers import idx, num
from stepcnn.timeline.ops.base import OpContext, StepBody
from stepcnn.timeline.step import Region


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
