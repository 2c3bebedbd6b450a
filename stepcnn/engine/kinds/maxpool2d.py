"""2-D max pooling (PyTorch's ``max_pool2d``, no padding, floor mode).

Shapes: x ``(N, C, H, W)`` → out ``(N, C, H_out, W_out)`` with

    H_out = floor((H − kh) / sh) + 1,   W_out = floor((W − kw) / sw) + 1.

``out[n, c, r, s]`` is the largest value of the window ``x[n, c, r·sh : r·sh+kh, s·sw : s·sw+kw]``.
A tie goes to the first cell of the window in row-major order. In backward the whole gradient
of an output cell goes to that winning cell; every other cell of the window gets nothing.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, Pool2d
from stepcnn.engine.types import Array, IntArray, Pair
from stepcnn.engine.windows import scatter_add, sliding_windows, window_cells, window_positions


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
    """Vectorised max pooling over the ``kh·kw`` strided slices, one per window offset
    ``t = i·kw + j`` (slice ``t`` holds cell ``t`` of every window).

    The maximum is the running ``np.maximum`` of the slices; the winner is then the first
    offset whose slice equals it, found by going from the last offset to the first, so a tie
    goes to the first cell, as in the loop form. Both are arithmetic, with no branch per
    element. ``np.maximum`` lets a NaN through, so a NaN in any window shows in ``out``, and
    then the general path over the window views decides (:func:`_first_max`).
    """
    kh, kw = kernel
    ho, wo = (x.shape[2] - kh) // stride[0] + 1, (x.shape[3] - kw) // stride[1] + 1
    cells = _offset_cells((ho, wo), kernel, stride)
    slices = [np.ascontiguousarray(x[:, :, rows, cols]) for rows, cols in cells]
    out = np.maximum(slices[0], slices[1]) if len(slices) > 1 else slices[0].copy()
    for v in slices[2:]:
        np.maximum(out, v, out=out)
    if np.isnan(out).any():
        windows = sliding_windows(x, kernel, stride)  # (N, C, Ho, Wo, kh, kw)
        argmax = _first_max(windows)
        flat = windows.reshape(*windows.shape[:4], -1)
        out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
        return out, PoolCache(x.shape, kernel, stride, argmax)
    small = np.int8 if len(slices) <= 127 else np.intp  # fewer bytes to move
    argmax = np.full(out.shape, len(slices) - 1, dtype=small)
    for t in range(len(slices) - 2, -1, -1):
        argmax -= (slices[t] == out) * (argmax - small(t))  # t where slice t holds the max
    return out, PoolCache(x.shape, kernel, stride, argmax.astype(np.intp))


@lru_cache(maxsize=32)
def _offset_cells(out_hw: Pair, kernel: Pair, stride: Pair) -> tuple[tuple[slice, slice], ...]:
    """The cells of window offset ``t`` in every window, for ``t = 0 … kh·kw − 1``."""
    kh, kw = kernel
    return tuple(window_cells(out_hw, t // kw, t % kw, stride) for t in range(kh * kw))


def winner_coordinates(cache: PoolCache) -> tuple[IntArray, IntArray]:
    """Input-map row and column of every window's winner, each shaped ``(N, C, Ho, Wo)``."""
    _, kw = cache.kernel
    sh, sw = cache.stride
    ho, wo = cache.argmax.shape[2], cache.argmax.shape[3]
    rows = np.arange(ho)[:, None] * sh + cache.argmax // kw
    cols = np.arange(wo)[None, :] * sw + cache.argmax % kw
    return rows, cols


def maxpool2d_backward(dout: Array, cache: PoolCache) -> tuple[Array, None, None]:
    """Route each output gradient to its window's winner (adding where windows overlap).

    The winner of window ``(n, c, r, s)`` is the flat input position ``origin(n, c, r, s) +
    offset(argmax)``; one ``bincount`` adds every gradient at its winner's position, in the
    loop form's order.
    """
    positions = (
        _window_origins(cache.x_shape, cache.kernel, cache.stride)
        + _offsets(cache.x_shape, cache.kernel)[cache.argmax]
    )
    return scatter_add(positions.ravel(), dout, cache.x_shape), None, None


@lru_cache(maxsize=32)
def _window_origins(shape: tuple[int, ...], kernel: Pair, stride: Pair) -> IntArray:
    """Flat position of each window's first cell, ``(N, C, Ho, Wo)``; once per geometry."""
    table: IntArray = np.ascontiguousarray(window_positions(shape, kernel, stride)[..., 0, 0])
    table.setflags(write=False)
    return table


@lru_cache(maxsize=32)
def _offsets(shape: tuple[int, ...], kernel: Pair) -> IntArray:
    """Flat distance of window cell ``t = i·kw + j`` from the window's first cell."""
    kh, kw = kernel
    table: IntArray = (np.arange(kh)[:, None] * shape[3] + np.arange(kw)[None, :]).ravel()
    table.setflags(write=False)
    return table


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
