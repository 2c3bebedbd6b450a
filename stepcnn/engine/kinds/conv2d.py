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
from stepcnn.engine.windows import (
    col2im,
    im2col,
    map_col2im,
    pad_hw,
    sliding_windows,
)

WHOLE_MAP_COLUMNS = 1.5
"""The whole-map ``dx`` multiplies every map cell, window or not; past this many cells per
window the per-sample product and ``col2im`` are quicker (measured: ``benchmarks/README.md``)."""


class ConvCache(NamedTuple):
    """What backward needs: the padded input, its windows, the weights and the geometry.

    ``cols`` is the patch matrices forward built (one per sample, see :func:`im2col`);
    backward builds them again when it is ``None``.
    """

    xp: Array
    windows: Array
    w: Array
    stride: Pair
    padding: Pair
    cols: Array | None = None


def conv2d_forward(
    x: Array, w: Array, b: Array, stride: Pair = (1, 1), padding: Pair = (0, 0)
) -> tuple[Array, ConvCache]:
    """Vectorised convolution: im2col (one copy of the patches), then one BLAS matrix product
    per sample.

    ``out[n, f] = W_row[f] · X_col[n] + b[f]`` with ``W_row = w.reshape(C_out, C_in·kh·kw)``
    and ``X_col[n] (C_in·kh·kw, H_out·W_out)`` the patches of sample ``n``, one per column.
    ``W_row @ X_col`` with ``X_col (N, C_in·kh·kw, H_out·W_out)`` gives ``(N, C_out,
    H_out·W_out)``: the output is already in NCHW order.
    """
    n_filters, _, kh, kw = w.shape
    xp = pad_hw(x, padding)
    windows = sliding_windows(xp, (kh, kw), stride)  # (N, C, Ho, Wo, kh, kw)
    n_batch, _, ho, wo = windows.shape[:4]
    cols = im2col(windows)  # (N, C·kh·kw, Ho·Wo)
    rows = np.matmul(w.reshape(n_filters, -1), cols)  # (N, C_out, Ho·Wo)
    rows += b[:, None]
    return rows.reshape(n_batch, n_filters, ho, wo), ConvCache(
        xp, windows, w, stride, padding, cols
    )


def conv2d_backward(dout: Array, cache: ConvCache) -> tuple[Array, Array, Array]:
    """Gradients of the convolution.

    ``dout (N, C_out, H_out, W_out)`` → ``dx (N, C_in, H, W)``, ``dw (C_out, C_in, kh, kw)``,
    ``db (C_out,)``:

        dw[f] = Σ_{n,r,c} dout[n,f,r,c] · patch(n, r, c)      (shared weights add up)
        db[f] = Σ_{n,r,c} dout[n,f,r,c]
        dxpad[n, :, window(r, c)] += Σ_f dout[n,f,r,c] · w[f]

    As matrices, per sample: ``dW_row = Σ_n dout_row[n] · X_col[n]ᵀ`` and
    ``dx[n] = col2im(W_rowᵀ · dout_row[n])``.
    """
    dw, db = conv2d_param_grads(dout, cache)
    return conv2d_input_grad(dout, cache), dw, db


def conv2d_param_grads(dout: Array, cache: ConvCache) -> tuple[Array, Array]:
    """``(dw, db)`` of :func:`conv2d_backward` alone.

    ``dW_row = Σ_n dout_row[n] · X_col[n]ᵀ`` is computed either so or transposed,
    ``dW_rowᵀ = Σ_n X_col[n] · dout_row[n]ᵀ`` (the same sums of the same products), whichever
    :func:`_transposed_is_quicker` says BLAS runs quicker for the shapes.
    """
    n_batch, n_filters = dout.shape[:2]
    cols = im2col(cache.windows) if cache.cols is None else cache.cols
    drows = dout.reshape(n_batch, n_filters, -1)  # (N, C_out, Ho·Wo)
    if _transposed_is_quicker(n_filters, cols.shape[1], cols.shape[2]):
        drows_t = np.ascontiguousarray(drows.transpose(0, 2, 1))  # (N, Ho·Wo, C_out)
        dw_rows = _sum_over_samples(np.matmul(cols, drows_t)).T  # (C_out, C·kh·kw)
    else:
        dw_rows = _sum_over_samples(np.matmul(drows, cols.transpose(0, 2, 1)))
    return dw_rows.reshape(cache.w.shape), dout.sum(axis=(0, 2, 3))


def _transposed_is_quicker(n_filters: int, patch_size: int, positions: int) -> bool:
    """Whether ``dW_rowᵀ`` is the quicker product for ``n_filters`` rows of ``dout``,
    ``patch_size = C·kh·kw`` and ``positions = Ho·Wo`` (measured on OpenBLAS, one thread:
    ``benchmarks/README.md``).

    ``dout_row[n] · X_col[n]ᵀ`` reads the large patch matrix transposed; with long patches
    (≥ 100 entries) and under 100³ multiply-adds per sample — where OpenBLAS takes its
    small-matrix kernels — the transposed product, which reads both operands as stored, is
    1.3–1.7× quicker (e.g. LeNet's second convolution: 16 filters, 150-entry patches, 100
    positions). Elsewhere the plain product is as quick or quicker.
    """
    return patch_size >= 100 and n_filters * patch_size * positions <= 100**3


def conv2d_input_grad(dout: Array, cache: ConvCache) -> Array:
    """``dx`` of :func:`conv2d_backward` alone.

    At stride 1 with at most :data:`WHOLE_MAP_COLUMNS` times as many map cells as windows
    (``Hp·Wp ≤ 1.5·Ho·Wo``), :func:`_input_gradient_whole_maps`; otherwise — strides, or
    small maps where most cells start no window (LeNet's second convolution: 196 cells, 100
    windows) — one product per sample and :func:`col2im` (the same sums, in the same order).
    """
    xp, w, stride, (ph, pw) = cache.xp, cache.w, cache.stride, cache.padding
    n_filters, _, kh, kw = w.shape
    cells, windows = xp.shape[2] * xp.shape[3], dout.shape[2] * dout.shape[3]
    if stride == (1, 1) and cells <= WHOLE_MAP_COLUMNS * windows and np.isfinite(w).all():
        dxp = _input_gradient_whole_maps(dout, w, xp.shape)
    else:
        drows = dout.reshape(dout.shape[0], n_filters, -1)
        dcols = np.matmul(w.reshape(n_filters, -1).T, drows)  # (N, C_in·kh·kw, Ho·Wo)
        dxp = col2im(dcols, xp.shape, (kh, kw), stride)
    h, wd = xp.shape[2] - 2 * ph, xp.shape[3] - 2 * pw
    return dxp[:, :, ph : ph + h, pw : pw + wd]


def _input_gradient_whole_maps(dout: Array, w: Array, shape: tuple[int, ...]) -> Array:
    """``dxpad`` at stride 1 as one matrix product and ``kh·kw`` contiguous adds.

    The output gradient is laid on the padded input's grid, ``G (C_out, N·Hp·Wp)``: cell
    ``(y, x)`` of sample ``n`` holds ``dout[n, :, y, x]`` where a window starts there and 0
    where none does (past the bottom or right edge). Then
    ``(W_(i,j,c) rows)ᵀ · G`` — the weights with rows ordered ``(i, j, c)`` — is every window's
    contribution to each of its cells, which :func:`map_col2im` adds in place. The zeros add
    nothing because the weights are finite (the caller checks).
    """
    n_batch, n_filters, ho, wo = dout.shape
    _, channels, kh, kw = w.shape
    grid = np.zeros((n_filters, n_batch, shape[2], shape[3]))
    grid[:, :, :ho, :wo] = dout.transpose(1, 0, 2, 3)
    w_ijc = w.transpose(0, 2, 3, 1).reshape(n_filters, kh * kw * channels)
    dcols = w_ijc.T @ grid.reshape(n_filters, -1)  # (kh·kw·C_in, N·Hp·Wp)
    return map_col2im(dcols, shape, (kh, kw))


def _sum_over_samples(per_sample: Array) -> Array:
    """``Σ_n per_sample[n]``, added in sample order."""
    total: Array = per_sample[0] if per_sample.shape[0] == 1 else per_sample.sum(axis=0)
    return total


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
    xp, _, w, (sh, sw), (ph, pw) = cache[:5]
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

    def param_grads(self, dout: Array, cache: Any) -> tuple[Array, Array]:
        """``(dw, db)`` without ``dx``: what training needs of the first layer."""
        return conv2d_param_grads(dout, cache)


LAYER = Conv2d
