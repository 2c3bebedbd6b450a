"""Rectified linear unit, element-wise: ``out = max(x, 0)``.

Shapes: any; ``out`` and ``dx`` have the shape of ``x``. The gradient passes where
``x > 0`` and is blocked where ``x ≤ 0`` — at exactly 0 it is blocked, and at a NaN input it
passes, both as in PyTorch.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, ShapeKeeping
from stepcnn.engine.types import Array

SELECT_BELOW = 1024
"""Tensors of at most this many elements take the selecting form in backward."""


class ReluCache(NamedTuple):
    x: Array


def relu_forward(x: Array) -> tuple[Array, ReluCache]:
    """``out = max(x, 0)`` (NaN stays NaN)."""
    out: Array = np.maximum(x, 0.0)  # (NaN propagates; −0 becomes +0)
    return out, ReluCache(x)


def relu_backward(dout: Array, cache: ReluCache) -> tuple[Array, None, None]:
    """``dx = dout · [x > 0]``; ReLU has no parameters.

    Large tensors go without a branch per element (which a random sign pattern would
    mispredict), as a select on the bits: ``keep`` is a 64-bit integer per element, all ones
    where the gradient passes and all zeros where it is blocked, and ``dx = dout AND keep``
    keeps ``dout``'s bits where it passes and gives all-zero bits, exactly ``+0.0``, where it
    is blocked — for any ``dout``, ∞ and NaN included (no ``∞ · 0``). ``keep`` is
    ``[x ≤ 0] − 1`` (1 − 1 = 0 where blocked, 0 − 1 = −1, every bit set, where it passes).
    Small tensors take the selecting form ``where(x ≤ 0, 0, dout)``.
    """
    blocked = cache.x <= 0  # NaN is not ≤ 0: its gradient passes
    if dout.size <= SELECT_BELOW or dout.dtype != np.float64:
        return np.where(blocked, 0.0, dout), None, None
    keep = blocked.view(np.int8).astype(np.int64)
    keep -= 1
    np.bitwise_and(dout.view(np.int64), keep, out=keep)
    dx: Array = keep.view(np.float64)
    return dx, None, None


def relu_forward_naive(x: Array) -> tuple[Array, ReluCache]:
    """Loop form of :func:`relu_forward`."""
    out = np.empty_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = v if (v > 0 or np.isnan(v)) else 0.0
    return out, ReluCache(x)


def relu_backward_naive(dout: Array, cache: ReluCache) -> tuple[Array, None, None]:
    """Loop form of :func:`relu_backward`."""
    dx = np.zeros_like(dout)
    for i, v in np.ndenumerate(cache.x):
        if not v <= 0:  # x > 0, or NaN
            dx[i] = dout[i]
    return dx, None, None


@dataclass(frozen=True)
class ReLU(ShapeKeeping):
    """``relu``: any shape, element-wise."""

    type: ClassVar[str] = "relu"

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return relu_forward(x)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return relu_backward(dout, cache)


LAYER = ReLU
