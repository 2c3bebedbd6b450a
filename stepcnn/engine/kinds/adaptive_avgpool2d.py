"""Adaptive 2-D average pooling (PyTorch's ``AdaptiveAvgPool2d(output_size)``).

Shapes: x ``(N, C, H, W)`` → out ``(N, C, Ho, Wo)`` for any ``H ≥ 1``, ``W ≥ 1``: the window of
output row ``r`` is input rows ``floor(r·H/Ho) ≤ i < ceil((r + 1)·H/Ho)`` (columns likewise),
so the windows cover the whole map and may differ in size by one (or overlap, for Ho > H/2).
``out[n, c, r, s]`` is the mean of its window; ``output_size = 1`` is global average pooling.
Backward sends ``g / (window size)`` to every cell of the window, adding where windows overlap.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, Shape
from stepcnn.engine.types import Array, Pair


def window_bounds(size: int, out: int, r: int) -> tuple[int, int]:
    """PyTorch's rule: ``[floor(r·size/out), ceil((r + 1)·size/out))``."""
    return (r * size) // out, -(-((r + 1) * size) // out)


def windows(h: int, w: int, out: Pair) -> Iterator[tuple[int, int, slice, slice, int]]:
    """Every output cell ``(r, s)`` of an ``h × w`` map pooled to ``out``, with its window's
    rows, its columns and its size."""
    ho, wo = out
    for r in range(ho):
        r0, r1 = window_bounds(h, ho, r)
        for s in range(wo):
            c0, c1 = window_bounds(w, wo, s)
            yield r, s, slice(r0, r1), slice(c0, c1), (r1 - r0) * (c1 - c0)


class AdaptiveAvgPoolCache(NamedTuple):
    x_shape: tuple[int, ...]
    output_size: Pair


def _tiles(h: int, w: int, out: Pair) -> Pair | None:
    """The window ``(kh, kw)`` when the windows tile the map (``H`` a multiple of ``Ho``, and
    ``W`` of ``Wo``: equal windows side by side, as global average pooling's one), else None."""
    ho, wo = out
    return (h // ho, w // wo) if h % ho == 0 and w % wo == 0 else None


def adaptive_avgpool2d_forward(x: Array, output_size: Pair) -> tuple[Array, AdaptiveAvgPoolCache]:
    """Each output cell's window mean, over the batch and channels at once (windows that tile
    the map: as a reshape, ``(N, C, Ho, kh, Wo, kw)`` summed over the window's axes)."""
    n_batch, channels, h, w = x.shape
    ho, wo = output_size
    tiles = _tiles(h, w, output_size)
    if tiles is not None:
        kh, kw = tiles
        out = x.reshape(n_batch, channels, ho, kh, wo, kw).sum(axis=(3, 5)) / (kh * kw)
        return out, AdaptiveAvgPoolCache(x.shape, output_size)
    out = np.zeros((n_batch, channels, ho, wo))
    for r, s, rows, cols, size in windows(h, w, output_size):
        out[:, :, r, s] = x[:, :, rows, cols].sum(axis=(2, 3)) / size
    return out, AdaptiveAvgPoolCache(x.shape, output_size)


def adaptive_avgpool2d_backward(
    dout: Array, cache: AdaptiveAvgPoolCache
) -> tuple[Array, None, None]:
    """``dx[window(r, s)] += dout[r, s] / (window size)`` for every window (windows that tile
    the map: each cell gets its one share, broadcast over its window)."""
    n_batch, channels, h, w = cache.x_shape
    ho, wo = cache.output_size
    tiles = _tiles(h, w, cache.output_size)
    if tiles is not None:
        kh, kw = tiles
        dx = np.empty(cache.x_shape)
        dx.reshape(n_batch, channels, ho, kh, wo, kw)[...] = (dout / (kh * kw))[
            :, :, :, None, :, None
        ]
        return dx, None, None
    dx = np.zeros(cache.x_shape)
    for r, s, rows, cols, size in windows(h, w, cache.output_size):
        dx[:, :, rows, cols] += (dout[:, :, r, s] / size)[:, :, None, None]
    return dx, None, None


def adaptive_avgpool2d_forward_naive(
    x: Array, output_size: Pair
) -> tuple[Array, AdaptiveAvgPoolCache]:
    """Loop form of :func:`adaptive_avgpool2d_forward`."""
    n_batch, channels, h, w = x.shape
    ho, wo = output_size
    out = np.zeros((n_batch, channels, ho, wo))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                r0, r1 = window_bounds(h, ho, r)
                for s in range(wo):
                    c0, c1 = window_bounds(w, wo, s)
                    total = 0.0
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            total += x[n, c, i, j]
                    out[n, c, r, s] = total / ((r1 - r0) * (c1 - c0))
    return out, AdaptiveAvgPoolCache(x.shape, output_size)


def adaptive_avgpool2d_backward_naive(
    dout: Array, cache: AdaptiveAvgPoolCache
) -> tuple[Array, None, None]:
    """Loop form of :func:`adaptive_avgpool2d_backward`."""
    _, _, h, w = cache.x_shape
    ho, wo = cache.output_size
    dx = np.zeros(cache.x_shape)
    for (n, c, r, s), g in np.ndenumerate(dout):
        r0, r1 = window_bounds(h, ho, r)
        c0, c1 = window_bounds(w, wo, s)
        for i in range(r0, r1):
            for j in range(c0, c1):
                dx[n, c, i, j] += g / ((r1 - r0) * (c1 - c0))
    return dx, None, None


@dataclass(frozen=True)
class AdaptiveAvgPool2d:
    """``adaptive_avgpool2d``: ``(C, H, W)`` → ``(C, Ho, Wo)``, ``output_size = (Ho, Wo)``."""

    output_size: Pair
    type: ClassVar[str] = "adaptive_avgpool2d"
    trainable: ClassVar[bool] = False

    def output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], *self.output_size)

    def param_shapes(self) -> None:
        return None

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return adaptive_avgpool2d_forward(x, self.output_size)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return adaptive_avgpool2d_backward(dout, cache)


LAYER = AdaptiveAvgPool2d
