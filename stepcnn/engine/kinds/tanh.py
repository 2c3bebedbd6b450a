"""Hyperbolic tangent, element-wise: ``y = tanh(x)``, squashing into (−1, 1).

Shapes: any. Backward uses the output it kept: the local derivative is ``1 − y²``, so

    dx = dout · (1 − y²)

which is close to 0 where the unit saturates (|y| near 1): the gradient fades there.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, ShapeKeeping
from stepcnn.engine.types import Array


class TanhCache(NamedTuple):
    y: Array  # the output: the derivative is computed from it


def tanh_forward(x: Array) -> tuple[Array, TanhCache]:
    """``y = tanh(x)``."""
    y = np.tanh(x)
    return y, TanhCache(y)


def tanh_backward(dout: Array, cache: TanhCache) -> tuple[Array, None, None]:
    """``dx = dout · (1 − y²)``."""
    dx = cache.y * cache.y
    np.subtract(1.0, dx, out=dx)
    dx *= dout  # the same three operations, in place: no temporaries
    return dx, None, None


def tanh_forward_naive(x: Array) -> tuple[Array, TanhCache]:
    """Loop form of :func:`tanh_forward`: ``(e^x − e^−x) / (e^x + e^−x)``, one element at a
    time."""
    y = np.empty_like(x)
    for i, v in np.ndenumerate(x):
        y[i] = np.tanh(v)
    return y, TanhCache(y)


def tanh_backward_naive(dout: Array, cache: TanhCache) -> tuple[Array, None, None]:
    """Loop form of :func:`tanh_backward`."""
    dx = np.empty_like(dout)
    for i, y in np.ndenumerate(cache.y):
        dx[i] = dout[i] * (1.0 - y * y)
    return dx, None, None


@dataclass(frozen=True)
class Tanh(ShapeKeeping):
    """``tanh``: any shape, element-wise."""

    type: ClassVar[str] = "tanh"

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return tanh_forward(x)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return tanh_backward(dout, cache)


LAYER = Tanh
