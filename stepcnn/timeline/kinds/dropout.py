"""dropout steps: one per element, forward (kept and scaled by 1/(1 − p), or dropped) and
backward (the gradient passes, scaled alike, through the kept units only)."""

import numpy as np

from stepcnn.engine.kinds.dropout import Dropout, DropoutCache
from stepcnn.timeline.numbers import idx, num, paren
from stepcnn.timeline.ops.base import Op, OpContext, OutputForward, StepBody
from stepcnn.timeline.ops.elementwise import ElementwiseBackward, Local
from stepcnn.timeline.step import Region


def _p(ctx: OpContext) -> float:
    assert isinstance(ctx.spec, Dropout)
    return ctx.spec.p


def _scale_text(ctx: OpContext) -> str:
    p = _p(ctx)
    return "0 (p = 1)" if p >= 1 else f"1/(1 − {num(p)})"


class DropoutForward(OutputForward):
    name = "dropout.forward"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        cache: DropoutCache = ctx.cache
        x = float(ctx.lr.input[index])
        kept = bool(cache.mask[index])
        value = float(ctx.lr.output[index])
        if kept:
            scaled = num(float(cache.scaled[index]))
            verdict = f"kept: out{idx(index)} = x·{_scale_text(ctx)} = {num(x)}·{scaled}"
        else:
            verdict = f"dropped: out{idx(index)} = x·0 = {paren(x)}·0"
        return StepBody(
            value=value,
            equation=f"mask{idx(index)} = {int(kept)} — {verdict} = {num(value)}",
            operands={
                "mask": cache.mask[index[0]],
                "input": np.array([x]),
                "kept": np.array([float(kept)]),
                "output": np.array([value]),
            },
            reads=(Region(ctx.input_id, index),),
            writes=(Region(ctx.output_id, index),),
        )


class DropoutBackward(ElementwiseBackward):
    name = "dropout.backward"

    def local(self, ctx: OpContext, index: tuple[int, ...]) -> Local:
        cache: DropoutCache = ctx.cache
        kept = bool(cache.mask[index])
        scaled = float(cache.scaled[index])
        if kept:
            return Local(scaled, "mask/(1 − p)", num(scaled), "kept: the gradient passes, scaled")
        return Local(0.0, "mask/(1 − p)", "0", "dropped: no gradient reaches x")


OPS: dict[str, Op] = {"forward": DropoutForward(), "backward": DropoutBackward()}
