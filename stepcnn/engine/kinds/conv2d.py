"""2-D convolution (cross-correlation, as PyTorch's ``conv2d``).

Shapes
------
x: ``(N, C_in, H, W)``, weight: ``(C_out, C_in, kh, kw)`` (OIHW), bias: ``(C_out,)``,
out: ``(N, C_out, H_out, W_out)`` with

    H_out = floor((H + 2·ph − kh) / sh) + 1,   W_out = floor((W + 2·pw − kw) / sw) + 1.

Each output cell is one dot product of a filter with the input patch under it:

    out[n, f, r, c] = b[f] + Σ_{ch, i, j} w[f, ch, i, j] · xpad[n, ch, r·sh + i, c·sw + j]

The same ``w[f]`` is used at every position (r, c): *shared weights*. Each output cell reads
only its ``C_in×kh×kw`` patch: *sparse connectivity*. In backward, every position therefore adds
its contribution ``dout[n, f, r, c] · patch`` into the same ``dw[f]``.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, Shape
from stepcnn.engine.shapes import output_hw
from stepcnn.engine.types import Array, Pair
from stepcnn.engine.windows import pad_hw, sliding_windows


class ConvCache(NamedTuple):
    """What backward needs: the padded input, its windows, the weights and the geometry."""

    xp: Array
    windows: Array
    w: Array
    stride: Pair
    padding: Pair


def conv2d_forward(
    x: Array, w: Array, b: Array, stride: Pair = (1, 1), padding: Pair = (0, 0)
) -> tuple[Array, ConvCache]:
    """Vectorised convolution: one matrix product over all patches (im2col as a view)."""
    kernel = (w.shape[2], w.shape[3])
    xp = pad_hw(x, padding)
    windows = sliding_windows(xp, kernel, stride)  # (N, C, Ho, Wo, kh, kw)
    out = np.einsum("nchwij,fcij->nfhw", windows, w, optimize=True) + b[None, :, None, None]
    return out, ConvCache(xp, windows, w, stride, padding)


def conv2d_backward(dout: Array, cache: ConvCache) -> tuple[Array, Array, Array]:
    """Gradients of the convolution.

    ``dout (N, C_out, H_out, W_out)`` → ``dx (N, C_in, H, W)``, ``dw (C_out, C_in, kh, kw)``,
    ``db (C_out,)``:

        dw[f] = Σ_{n,r,c} dout[n,f,r,c] · patch(n, r, c)      (shared weights add up)
        db[f] = Σ_{n,r,c} dout[n,f,r,c]
        dxpad[n, :, window(r, c)] += Σ_f dout[n,f,r,c] · w[f]
    """
    xp, windows, w, (sh, sw), (ph, pw) = cache
    _, _, kh, kw = w.shape
    ho, wo = dout.shape[2], dout.shape[3]
    dw = np.einsum("nfhw,nchwij->fcij", dout, windows, optimize=True)
    db = dout.sum(axis=(0, 2, 3))
    dxp = np.zeros_like(xp)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + sh * (ho - 1) + 1, sh)
            cols = slice(j, j + sw * (wo - 1) + 1, sw)
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, i, j])
    h, wd = xp.shape[2] - 2 * ph, xp.shape[3] - 2 * pw
    dx = dxp[:, :, ph : ph + h, pw : pw + wd]
    return dx, dw, db


def conv2d_forward_naive(
    x: Array, w: Array, b: Array, stride: Pair = (1, 1), padding: Pair = (0, 0)
) -> tuple[Array, ConvCache]:
    """Loop form of :func:`conv2d_forward`: one output cell at a time."""
    n_batch, _, _, _ = x.shape
    n_filters, _, kh, kw = w.shape
    sh, sw = stride
    xp = pad_hw(x, padding)
    ho = (xp.shape[2] - kh) // sh + 1
    wo = (xp.shape[3] - kw) // sw + 1
    out = np.zeros((n_batch, n_filters, ho, wo))
    for n in range(n_batch):
        for f in range(n_filters):
            for r in range(ho):
                for c in range(wo):
                    patch = xp[n, :, r * sh : r * sh + kh, c * sw : c * sw + kw]
                    out[n, f, r, c] = np.sum(patch * w[f]) + b[f]
    return out, ConvCache(xp, sliding_windows(xp, (kh, kw), stride), w, stride, padding)


def conv2d_backward_naive(dout: Array, cache: ConvCache) -> tuple[Array, Array, Array]:
    """Loop form of :func:`conv2d_backward`: one output-gradient cell at a time."""
    xp, _, w, (sh, sw), (ph, pw) = cache
    n_batch, n_filters, ho, wo = dout.shape
    _, _, kh, kw = w.shape
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros(n_filters)
    for n in range(n_batch):
        for f in range(n_filters):
            for r in range(ho):
                for c in range(wo):
                    g = dout[n, f, r, c]
                    window = (slice(r * sh, r * sh + kh), slice(c * sw, c * sw + kw))
                    dw[f] += g * xp[n, :, window[0], window[1]]
                    db[f] += g
                    dxp[n, :, window[0], window[1]] += g * w[f]
    h, wd = xp.shape[2] - 2 * ph, xp.shape[3] - 2 * pw
    return dxp[:, :, ph : ph + h, pw : pw + wd], dw, db


@dataclass(frozen=True)
class Conv2d:
    """``conv2d``: ``(C_in, H, W)`` → ``(out_channels, H_out, W_out)``."""

    in_channels: int
    out_channels: int
    kernel_size: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    type: ClassVar[str] = "conv2d"
    trainable: ClassVar[bool] = True

    def output_shape(self, input_shape: Shape) -> Shape:
        _, h, w = input_shape
        ho, wo = output_hw(h, w, self.kernel_size, self.stride, self.padding)
        return (self.out_channels, ho, wo)

    def param_shapes(self) -> tuple[Shape, Shape]:
        return (self.out_channels, self.in_channels, *self.kernel_size), (self.out_channels,)

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        assert params is not None
        return conv2d_forward(x, params.weight, params.bias, self.stride, self.padding)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return conv2d_backward(dout, cache)


LAYER = Conv2d
