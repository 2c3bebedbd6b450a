"""Flatten: ``(N, C, H, W)`` → ``(N, C·H·W)`` in C,H,W row-major order (as ``torch.flatten(x, 1)``).

Feature ``k`` of the output is input cell ``(c, h, w)`` with ``k = (c·H + h)·W + w``.
Backward is the inverse reshape.
"""

import math
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, Shape
from stepcnn.engine.types import Array


class FlattenCache(NamedTuple):
    x_shape: tuple[int, ...]


def flatten_forward(x: Array) -> tuple[Array, FlattenCache]:
    """Reshape each sample to one row."""
    return x.reshape(x.shape[0], -1), FlattenCache(x.shape)


def flatten_backward(dout: Array, cache: FlattenCache) -> tuple[Array, None, None]:
    """Reshape the gradient rows back to the input's shape."""
    return dout.reshape(cache.x_shape), None, None


def flatten_forward_naive(x: Array) -> tuple[Array, FlattenCache]:
    """Loop form of :func:`flatten_forward`: feature ``(c·H + h)·W + w`` is cell (c, h, w)."""
    n_batch, channels, h, w = x.shape
    out = np.zeros((n_batch, channels * h * w))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(h):
                for s in range(w):
                    out[n, (c * h + r) * w + s] = x[n, c, r, s]
    return out, FlattenCache(x.shape)


def flatten_backward_naive(dout: Array, cache: FlattenCache) -> tuple[Array, None, None]:
    """Loop form of :func:`flatten_backward`: each gradient goes back to its cell."""
    n_batch, channels, h, w = cache.x_shape
    dx = np.zeros(cache.x_shape)
    for n in range(n_batch):
        for c in range(channels):
            for r in range(h):
                for s in range(w):
                    dx[n, c, r, s] = dout[n, (c * h + r) * w + s]
    return dx, None, None


@dataclass(frozen=True)
class Flatten:
    """``flatten``: ``(C, H, W)`` → ``(C·H·W,)``."""

    type: ClassVar[str] = "flatten"
    trainable: ClassVar[bool] = False

    def output_shape(self, input_shape: Shape) -> Shape:
        return (math.prod(input_shape),)

    def param_shapes(self) -> None:
        return None

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return flatten_forward(x)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return flatten_backward(dout, cache)


LAYER = Flatten
