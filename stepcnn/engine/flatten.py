"""Flatten: ``(N, C, H, W)`` → ``(N, C·H·W)`` in C,H,W row-major order (as ``torch.flatten(x, 1)``).

Feature ``k`` of the output is input cell ``(c, h, w)`` with ``k = (c·H + h)·W + w``.
Backward is the inverse reshape.
"""

from typing import NamedTuple

from stepcnn.engine.types import Array


class FlattenCache(NamedTuple):
    x_shape: tuple[int, ...]


def flatten_forward(x: Array) -> tuple[Array, FlattenCache]:
    """Reshape each sample to one row."""
    return x.reshape(x.shape[0], -1), FlattenCache(x.shape)


def flatten_backward(dout: Array, cache: FlattenCache) -> tuple[Array, None, None]:
    """Reshape the gradient rows back to the input's shape."""
    return dout.reshape(cache.x_shape), None, None
