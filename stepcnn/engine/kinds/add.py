"""Element-wise sum of several inputs of one shape: ``out = x₁ + x₂ + …`` (``torch.add``).

The merge of a residual block: ``out = x + F(x)``. Shapes: every input and ``out`` alike.
Backward: ``∂out/∂xₖ = 1``, so each input receives ``dout`` unchanged — and a tensor that is
also read elsewhere adds it to the gradients of its other readers (a fork, see
:mod:`stepcnn.engine.graph`): that is where a skip connection's gradient ``g₁ + g₂`` comes from.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.graph import sum_gradients
from stepcnn.engine.layers import Params, ShapeKeeping
from stepcnn.engine.types import Array


class AddCache(NamedTuple):
    inputs: int  # how many inputs were added


def add_forward(xs: Sequence[Array]) -> tuple[Array, AddCache]:
    """``out = x₁ + x₂ + …``, added left to right (one input: a copy of it)."""
    out = xs[0].copy() if len(xs) == 1 else sum_gradients(xs)  # the same additions, in order
    return out, AddCache(len(xs))


def add_backward(dout: Array, cache: AddCache) -> tuple[Array, None, None]:
    """``dxₖ = dout`` for every input ``k`` (one array: each input receives it); no parameters."""
    return dout, None, None


def add_forward_naive(xs: Sequence[Array]) -> tuple[Array, AddCache]:
    """Loop form of :func:`add_forward`."""
    out = np.zeros_like(xs[0])
    for i in np.ndindex(out.shape):
        s = xs[0][i]
        for x in xs[1:]:
            s = s + x[i]  # out[i] = x₁[i] + x₂[i] + …
        out[i] = s
    return out, AddCache(len(xs))


def add_backward_naive(dout: Array, cache: AddCache) -> tuple[Array, None, None]:
    """Loop form of :func:`add_backward`: each element's gradient passes on as it is."""
    dx = np.zeros_like(dout)
    for i, g in np.ndenumerate(dout):
        dx[i] = g  # dL/dxₖ[i] = dL/dout[i] · 1
    return dx, None, None


@dataclass(frozen=True)
class Add(ShapeKeeping):
    """``add``: the inputs named by ``from`` (two or more, one shape) → their sum."""

    type: ClassVar[str] = "add"

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        """A sum of one tensor (the engine calls :meth:`forward_inputs` with them all)."""
        return add_forward((x,))

    def forward_inputs(self, xs: tuple[Array, ...], params: Params | None) -> tuple[Array, Any]:
        return add_forward(xs)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return add_backward(dout, cache)


LAYER = Add
