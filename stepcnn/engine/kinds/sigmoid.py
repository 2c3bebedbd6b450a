"""Logistic sigmoid, element-wise: ``y = 1 / (1 + e^−x)``, squashing into (0, 1).

Shapes: any. Backward uses the output it kept: the local derivative is ``y·(1 − y)``, so

    dx = dout · y · (1 − y)

at most ``dout/4`` (at x = 0), and close to 0 where the unit saturates.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, ShapeKeeping
from stepcnn.engine.types import Array


class SigmoidCache(NamedTuple):
    y: Array  # the output: the derivative is computed from it


def sigmoid_forward(x: Array) -> tuple[Array, SigmoidCache]:
    """``y = 1 / (1 + e^−x)``, evaluated as ``e^x / (1 + e^x)`` for x < 0 (no overflow)."""
    z = np.exp(-np.abs(x))  # in (0, 1]
    y = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    y = np.where(np.isnan(x), x, y)
    return y, SigmoidCache(y)


def sigmoid_backward(dout: Array, cache: SigmoidCache) -> tuple[Array, None, None]:
    """``dx = dout · y · (1 − y)``."""
    y = cache.y
    return dout * y * (1.0 - y), None, None


def sigmoid_forward_naive(x: Array) -> tuple[Array, SigmoidCache]:
    """Loop form of :func:`sigmoid_forward`."""
    y = np.empty_like(x)
    for i, v in np.ndenumerate(x):
        if v >= 0:
            y[i] = 1.0 / (1.0 + np.exp(-v))
        elif v < 0:
            y[i] = np.exp(v) / (1.0 + np.exp(v))
        else:  # NaN
            y[i] = v
    return y, SigmoidCache(y)


def sigmoid_backward_naive(dout: Array, cache: SigmoidCache) -> tuple[Array, None, None]:
    """Loop form of :func:`sigmoid_backward`."""
    dx = np.empty_like(dout)
    for i, y in np.ndenumerate(cache.y):
        dx[i] = dout[i] * y * (1.0 - y)
    return dx, None, None


@dataclass(frozen=True)
class Sigmoid(ShapeKeeping):
    """``sigmoid``: any shape, element-wise."""

    type: ClassVar[str] = "sigmoid"

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return sigmoid_forward(x)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return sigmoid_backward(dout, cache)


LAYER = Sigmoid
