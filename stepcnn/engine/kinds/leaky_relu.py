"""Leaky ReLU, element-wise: ``out = x`` where ``x > 0``, else ``negative_slope · x``.

Shapes: any; ``out`` and ``dx`` have the shape of ``x``. As PyTorch's ``leaky_relu``: at exactly
0 the output is 0 and the gradient is scaled by the slope; a NaN input gives NaN forward and the
slope's share of the gradient backward. Unlike ReLU, a negative input still lets
``negative_slope`` of the gradient through, so the unit can recover.

    dx = dout · (1 if x > 0 else negative_slope)
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, ShapeKeeping
from stepcnn.engine.types import Array


class LeakyReluCache(NamedTuple):
    x: Array
    negative_slope: float


def leaky_relu_forward(x: Array, negative_slope: float = 0.01) -> tuple[Array, LeakyReluCache]:
    """``out = x if x > 0 else negative_slope · x``."""
    return np.where(x > 0, x, negative_slope * x), LeakyReluCache(x, negative_slope)


def leaky_relu_backward(dout: Array, cache: LeakyReluCache) -> tuple[Array, None, None]:
    """``dx = dout · (1 if x > 0 else negative_slope)``; no parameters."""
    return np.where(cache.x > 0, dout, cache.negative_slope * dout), None, None


def leaky_relu_forward_naive(
    x: Array, negative_slope: float = 0.01
) -> tuple[Array, LeakyReluCache]:
    """Loop form of :func:`leaky_relu_forward`."""
    out = np.empty_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = v if v > 0 else negative_slope * v
    return out, LeakyReluCache(x, negative_slope)


def leaky_relu_backward_naive(dout: Array, cache: LeakyReluCache) -> tuple[Array, None, None]:
    """Loop form of :func:`leaky_relu_backward`."""
    dx = np.empty_like(dout)
    for i, v in np.ndenumerate(cache.x):
        dx[i] = dout[i] if v > 0 else cache.negative_slope * dout[i]
    return dx, None, None


@dataclass(frozen=True)
class LeakyReLU(ShapeKeeping):
    """``leaky_relu``: any shape, element-wise, with ``negative_slope`` (default 0.01)."""

    negative_slope: float = 0.01
    type: ClassVar[str] = "leaky_relu"

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return leaky_relu_forward(x, self.negative_slope)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return leaky_relu_backward(dout, cache)


LAYER = LeakyReLU
