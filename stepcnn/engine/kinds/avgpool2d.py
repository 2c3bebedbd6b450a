"""2-D average pooling (PyTorch's ``AvgPool2d(k, s)``: no padding, floor mode).

Shapes: x ``(N, C, H, W)`` → out ``(N, C, H_out, W_out)`` with

    H_out = floor((H − kh) / sh) + 1,   W_out = floor((W − kw) / sw) + 1.

``out[n, c, r, s]`` is the mean of the window ``x[n, c, r·sh : r·sh+kh, s·sw : s·sw+kw]``.
Every cell of the window had the same share in it, so backward sends ``g / (kh·kw)`` to *every*
cell of the window (adding where windows overlap) — max pooling, in contrast, sends all of ``g``
to the one winner.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, Pool2d
from stepcnn.engine.types import Array, Pair
from stepcnn.engine.windows import window_cells


class AvgPoolCache(NamedTuple):
    x_shape: tuple[int, ...]
    kernel: Pair
    stride: Pair


def avgpool2d_forward(x: Array, kernel: Pair, stride: Pair) -> tuple[Array, AvgPoolCache]:
    """Vectorised average pooling: the ``kh·kw`` strided slices added up in window order."""
    kh, kw = kernel
    ho, wo = (x.shape[2] - kh) // stride[0] + 1, (x.shape[3] - kw) // stride[1] + 1
    rows, cols = window_cells((ho, wo), 0, 0, stride)
    total = x[:, :, rows, cols].copy()  # a copy: the adds below must not write into x
    for t in range(1, kh * kw):
        rows, cols = window_cells((ho, wo), t // kw, t % kw, stride)
        total += np.ascontiguousarray(x[:, :, rows, cols])  # contiguous adds are quicker
    total /= kh * kw
    return total, AvgPoolCache(x.shape, kernel, stride)


def avgpool2d_backward(dout: Array, cache: AvgPoolCache) -> tuple[Array, None, None]:
    """``dx[window(r, s)] += dout[r, s] / (kh·kw)`` for every window.

    Where windows do not overlap (stride ≥ kernel) every cell gets at most one share, so the
    shares are copied in rather than added (a quicker strided operation, the same numbers).
    """
    (kh, kw), stride = cache.kernel, cache.stride
    ho, wo = dout.shape[2], dout.shape[3]
    share = dout / (kh * kw)
    dx = np.zeros(cache.x_shape)
    overlap = stride[0] < kh or stride[1] < kw
    for t in range(kh * kw):
        rows, cols = window_cells((ho, wo), t // kw, t % kw, stride)
        if overlap:
            dx[:, :, rows, cols] += share
        else:
            dx[:, :, rows, cols] = share
    return dx, None, None


def avgpool2d_forward_naive(x: Array, kernel: Pair, stride: Pair) -> tuple[Array, AvgPoolCache]:
    """Loop form of :func:`avgpool2d_forward`."""
    n_batch, channels, h, w = x.shape
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n_batch, channels, ho, wo))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    total = 0.0
                    for i in range(kh):
                        for j in range(kw):
                            total += x[n, c, r * sh + i, s * sw + j]
                    out[n, c, r, s] = total / (kh * kw)
    return out, AvgPoolCache(x.shape, kernel, stride)


def avgpool2d_backward_naive(dout: Array, cache: AvgPoolCache) -> tuple[Array, None, None]:
    """Loop form of :func:`avgpool2d_backward`: each window cell gets ``g / (kh·kw)``."""
    (kh, kw), (sh, sw) = cache.kernel, cache.stride
    dx = np.zeros(cache.x_shape)
    for (n, c, r, s), g in np.ndenumerate(dout):
        for i in range(kh):
            for j in range(kw):
                dx[n, c, r * sh + i, s * sw + j] += g / (kh * kw)
    return dx, None, None


@dataclass(frozen=True)
class AvgPool2d(Pool2d):
    """``avgpool2d``: ``(C, H, W)`` → ``(C, H_out, W_out)``."""

    type: ClassVar[str] = "avgpool2d"

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return avgpool2d_forward(x, self.kernel_size, self.stride)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return avgpool2d_backward(dout, cache)


LAYER = AvgPool2d
