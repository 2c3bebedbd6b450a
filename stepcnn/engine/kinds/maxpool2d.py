"""2-D max pooling (PyTorch's ``max_pool2d``, no padding, floor mode).

Shapes: x ``(N, C, H, W)`` → out ``(N, C, H_out, W_out)`` with

    H_out = floor((H − kh) / sh) + 1,   W_out = floor((W − kw) / sw) + 1.

``out[n, c, r, s]`` is the largest value of the window ``x[n, c, r·sh : r·sh+kh, s·sw : s·sw+kw]``.
A tie goes to the first cell of the window in row-major order. In backward the whole gradient
of an output cell goes to that winning cell; every other cell of the window gets nothing.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, Pool2d
from stepcnn.engine.types import Array, IntArray, Pair
from stepcnn.engine.windows import sliding_windows


class PoolCache(NamedTuple):
    """The input shape, the geometry and, per output cell, the winner's offset in its window."""

    x_shape: tuple[int, ...]
    kernel: Pair
    stride: Pair
    argmax: IntArray  # (N, C, Ho, Wo): row-major offset i·kw + j of the winner


def _first_max(windows: Array) -> IntArray:
    """Row-major offset of the winner in each window; a NaN wins like in PyTorch."""
    flat = windows.reshape(*windows.shape[:4], -1)
    nan = np.isnan(flat)
    best: IntArray = np.argmax(np.where(nan, -np.inf, flat), axis=-1)
    # PyTorch replaces the running maximum by every NaN it meets, so the last NaN wins.
    has_nan = nan.any(axis=-1)
    if has_nan.any():
        last_nan = flat.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        best = np.where(has_nan, last_nan, best)
    return best


def maxpool2d_forward(x: Array, kernel: Pair, stride: Pair) -> tuple[Array, PoolCache]:
    """Vectorised max pooling over strided window views."""
    windows = sliding_windows(x, kernel, stride)  # (N, C, Ho, Wo, kh, kw)
    argmax = _first_max(windows)
    flat = windows.reshape(*windows.shape[:4], -1)
    out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    return out, PoolCache(x.shape, kernel, stride, argmax)


def winner_coordinates(cache: PoolCache) -> tuple[IntArray, IntArray]:
    """Input-map row and column of every window's winner, each shaped ``(N, C, Ho, Wo)``."""
    _, kw = cache.kernel
    sh, sw = cache.stride
    ho, wo = cache.argmax.shape[2], cache.argmax.shape[3]
    rows = np.arange(ho)[:, None] * sh + cache.argmax // kw
    cols = np.arange(wo)[None, :] * sw + cache.argmax % kw
    return rows, cols


def maxpool2d_backward(dout: Array, cache: PoolCache) -> tuple[Array, None, None]:
    """Route each output gradient to its window's winner (adding where windows overlap)."""
    n_batch, channels = dout.shape[0], dout.shape[1]
    rows, cols = winner_coordinates(cache)
    dx = np.zeros(cache.x_shape)
    n_idx = np.arange(n_batch)[:, None, None, None]
    c_idx = np.arange(channels)[None, :, None, None]
    np.add.at(dx, (n_idx, c_idx, rows, cols), dout)
    return dx, None, None


def maxpool2d_forward_naive(x: Array, kernel: Pair, stride: Pair) -> tuple[Array, PoolCache]:
    """Loop form of :func:`maxpool2d_forward`."""
    n_batch, channels, h, w = x.shape
    kh, kw = kernel
    sh, sw = stride
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n_batch, channels, ho, wo))
    argmax = np.zeros((n_batch, channels, ho, wo), dtype=np.intp)
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    best, best_at = -np.inf, 0
                    for i in range(kh):
                        for j in range(kw):
                            v = x[n, c, r * sh + i, s * sw + j]
                            if np.isnan(v) or (v > best and not np.isnan(best)):
                                best, best_at = v, i * kw + j
                    out[n, c, r, s] = best
                    argmax[n, c, r, s] = best_at
    return out, PoolCache(x.shape, kernel, stride, argmax)


def maxpool2d_backward_naive(dout: Array, cache: PoolCache) -> tuple[Array, None, None]:
    """Loop form of :func:`maxpool2d_backward`."""
    dx = np.zeros(cache.x_shape)
    kw = cache.kernel[1]
    sh, sw = cache.stride
    for (n, c, r, s), g in np.ndenumerate(dout):
        offset = int(cache.argmax[n, c, r, s])
        dx[n, c, r * sh + offset // kw, s * sw + offset % kw] += g
    return dx, None, None


@dataclass(frozen=True)
class MaxPool2d(Pool2d):
    """``maxpool2d``: ``(C, H, W)`` → ``(C, H_out, W_out)``."""

    type: ClassVar[str] = "maxpool2d"

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return maxpool2d_forward(x, self.kernel_size, self.stride)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return maxpool2d_backward(dout, cache)


LAYER = MaxPool2d
