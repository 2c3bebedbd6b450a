"""The steps of a fork: a tensor several layers read gets the sum of their gradients.

One step per element of the forked tensor (a layer's output), at the start of that layer's
backward: ``dL/dx[i] = g₁[i] + g₂[i] + …``, each ``gₖ`` the ``grad_input`` of one reader, in
the order backward delivers them (:mod:`stepcnn.engine.graph`). The sum is the layer's
``grad_output``, which its own backward steps then read.
"""

import numpy as np

from stepcnn.engine.graph import FORK_OP, Use
from stepcnn.engine.layers import Layer
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import idx, num, paren
from stepcnn.timeline.ops.base import History, OpContext, StepBody, ValueOp, cell_step
from stepcnn.timeline.step import Partial, Region, TensorId

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def g_name(k: int) -> str:
    """``g₁``, ``g₂``, … (``k`` from 0)."""
    return "g" + str(k + 1).translate(SUBSCRIPTS)


def reader_label(ctx: OpContext, use: Use) -> str:
    """A reader as the equation names it: ``t (layer 1)``, or ``add (layer 2)`` unnamed."""
    graph = ctx.record.graph
    assert graph is not None
    name = graph.names[use.reader] if use.reader < len(graph.names) else None
    if name is None and use.reader < len(ctx.layers):
        name = ctx.layers[use.reader].type
    return f"{name} (layer {use.reader})" if name is not None else f"layer {use.reader}"


class ForkBackward(ValueOp):
    """``dL/dx = g₁ + g₂ + …`` element by element: the gradients a fork's readers sent."""

    name = FORK_OP
    phase = "backward"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return (batch, *out_shape)

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "grad_output"),)

    def uses(self, ctx: OpContext) -> tuple[Use, ...]:
        assert ctx.record.graph is not None and ctx.layer is not None
        return ctx.record.graph.uses(ctx.layer)

    def arriving(self, ctx: OpContext) -> list[tuple[TensorId, Array]]:
        """Each reader's gradient: its tensor id and its values, in the order they add."""
        return [
            (TensorId(u.reader, "grad_input"), ctx.record.layers[u.reader].grad_input)
            for u in self.uses(ctx)
        ]

    def equation(self, ctx: OpContext, index: tuple[int, ...]) -> tuple[float, str]:
        """The step's value (the sum) and its equation alone (what ``trace`` prints)."""
        terms = [float(g[index]) for _, g in self.arriving(ctx)]
        total = float(ctx.lr.grad_output[index])
        names = " + ".join(g_name(k) for k in range(len(terms)))
        numbers = " + ".join(paren(t) for t in terms)
        sources = ", ".join(
            f"{g_name(k)} from {reader_label(ctx, u)}" for k, u in enumerate(self.uses(ctx))
        )
        return total, f"dL/dout{idx(index)} = {names} = {numbers} = {num(total)}  ({sources})"

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        arriving = self.arriving(ctx)
        terms = np.array([float(g[index]) for _, g in arriving])
        total, equation = self.equation(ctx, index)
        return StepBody(
            value=total,
            equation=equation,
            operands={"grads": terms, "sum": np.array([total])},
            reads=tuple(Region(tid, index) for tid, _ in arriving),
            writes=(Region(ctx.tid("grad_output"), index),),
        )

    def values(self, ctx: OpContext) -> Array:
        return ctx.lr.grad_output.ravel()

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        """The sum is not finite, or one of the gradients it adds is not."""
        bad = ~np.isfinite(ctx.lr.grad_output)
        for _, g in self.arriving(ctx):
            bad = bad | ~np.isfinite(g)
        return np.asarray(bad.ravel())

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {ctx.tid("grad_output"): Partial.prefix(ctx.lr.grad_output, local)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.tid("grad_output"):
            return None
        total = ctx.lr.grad_output
        return cell_step(total, cell)


FORK = ForkBackward()
