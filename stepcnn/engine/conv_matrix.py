"""A convolution is a fully connected layer with tied, sparse weights: its matrix.

For a conv2d layer with ``weight (F, C, kh, kw)`` on an input ``(C, H, W)``:

- ``M`` has one row per output cell ``(f, r, c)`` and one column per input cell ``(ch, y, x)``
  of the *unpadded* input, both in row-major order, so that
  ``M @ x.ravel() + repeat(b, Ho·Wo) == conv2d(x).ravel()``;
- ``tie[row, col]`` is the flat index of the filter weight ``W[f, ch, i, j]`` the entry is, or
  −1 where the output cell does not read the input cell (a structural zero; a window cell on
  the padding is no connection either).

The same weight sits in many rows (*shared weights*); each row has at most ``C·kh·kw`` non-zero
entries (*sparse connectivity*). Backward is a regular layer's backward on ``M``:
``dx = Mᵀ·g``, and ``dW[f,c,i,j]`` is the sum of ``g ⊗ x`` over the entries tied to it.

:func:`im2col` / :func:`col2im` give the other classic matrix form: one column of the patch
matrix per output position, ``out = W_row · X_col + b``.
"""

from functools import cache
from typing import NamedTuple

import numpy as np

from stepcnn.engine.shapes import output_hw
from stepcnn.engine.types import Array, IntArray, Pair
from stepcnn.engine.windows import pad_hw, sliding_windows

Shape3 = tuple[int, int, int]
Shape4 = tuple[int, int, int, int]


@cache
def conv2d_tie(weight_shape: Shape4, input_shape: Shape3, stride: Pair, padding: Pair) -> IntArray:
    """The ``tie`` array alone (it depends on the geometry only; cached, read-only)."""
    f_count, c_count, kh, kw = weight_shape
    ch_in, h, w = input_shape
    assert ch_in == c_count, "weight and input disagree on the number of channels"
    (sh, sw), (ph, pw) = stride, padding
    ho, wo = output_hw(h, w, (kh, kw), stride, padding)
    f, r, c, ch, i, j = np.ix_(
        range(f_count), range(ho), range(wo), range(c_count), range(kh), range(kw)
    )
    y = r * sh + i - ph
    x = c * sw + j - pw
    row = (f * ho + r) * wo + c
    col = (ch * h + y) * w + x
    weight = ((f * c_count + ch) * kh + i) * kw + j
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    full = np.broadcast_shapes(row.shape, col.shape, inside.shape)
    row_b, col_b, w_b, in_b = (np.broadcast_to(a, full) for a in (row, col, weight, inside))
    tie = np.full((f_count * ho * wo, c_count * h * w), -1, dtype=np.intp)
    tie[row_b[in_b], col_b[in_b]] = w_b[in_b]
    tie.setflags(write=False)
    return tie


def conv2d_as_matrix(
    weight: Array, input_shape: Shape3, stride: Pair = (1, 1), padding: Pair = (0, 0)
) -> tuple[Array, IntArray]:
    """``(M, tie)`` of a conv2d layer (see the module docstring)."""
    shape4: Shape4 = (
        int(weight.shape[0]),
        int(weight.shape[1]),
        int(weight.shape[2]),
        int(weight.shape[3]),
    )
    tie = conv2d_tie(shape4, input_shape, stride, padding)
    matrix: Array = np.where(tie >= 0, weight.ravel()[tie], 0.0)
    return matrix, tie


def conv2d_as_matrix_naive(
    weight: Array, input_shape: Shape3, stride: Pair = (1, 1), padding: Pair = (0, 0)
) -> tuple[Array, IntArray]:
    """Loop form of :func:`conv2d_as_matrix`: every output cell, every weight of its filter."""
    f_count, c_count, kh, kw = weight.shape
    _, h, w = input_shape
    (sh, sw), (ph, pw) = stride, padding
    ho, wo = output_hw(h, w, (kh, kw), stride, padding)
    matrix = np.zeros((f_count * ho * wo, c_count * h * w))
    tie = np.full(matrix.shape, -1, dtype=np.intp)
    for f in range(f_count):
        for r in range(ho):
            for c in range(wo):
                row = f * ho * wo + r * wo + c
                for ch in range(c_count):
                    for i in range(kh):
                        for j in range(kw):
                            y, x = r * sh + i - ph, c * sw + j - pw
                            if 0 <= y < h and 0 <= x < w:  # else: padding, no connection
                                col = ch * h * w + y * w + x
                                matrix[row, col] = weight[f, ch, i, j]
                                tie[row, col] = ((f * c_count + ch) * kh + i) * kw + j
    return matrix, tie


class ParameterCounts(NamedTuple):
    """Parameters of three layers with the same input and output shapes."""

    conv: int  # this conv layer: F·C·kh·kw weights + F biases
    local: int  # the same connections untied (locally connected): one weight per entry + bias
    dense: int  # fully connected: every output reads every input, + one bias per output


def parameter_counts(
    weight_shape: Shape4, input_shape: Shape3, stride: Pair = (1, 1), padding: Pair = (0, 0)
) -> ParameterCounts:
    tie = conv2d_tie(weight_shape, input_shape, stride, padding)
    outputs, inputs = tie.shape
    f_count = weight_shape[0]
    return ParameterCounts(
        conv=int(np.prod(weight_shape)) + f_count,
        local=int(np.count_nonzero(tie >= 0)) + outputs,
        dense=outputs * inputs + outputs,
    )


def im2col(x: Array, kernel: Pair, stride: Pair = (1, 1), padding: Pair = (0, 0)) -> Array:
    """The patch matrix of one sample ``x (C, H, W)``: ``(C·kh·kw, Ho·Wo)``, column ``r·Wo + c``
    the padded patch under output cell (r, c), flattened (c, i, j) row-major."""
    windows = sliding_windows(pad_hw(x[None], padding), kernel, stride)[0]  # (C, Ho, Wo, kh, kw)
    c_count, ho, wo, kh, kw = windows.shape
    cols: Array = windows.transpose(0, 3, 4, 1, 2).reshape(c_count * kh * kw, ho * wo)
    return cols


def col2im(
    cols: Array, input_shape: Shape3, kernel: Pair, stride: Pair = (1, 1), padding: Pair = (0, 0)
) -> Array:
    """The adjoint of :func:`im2col`: every patch entry added back into the input cell it came
    from (entries on the padding dropped). ``col2im(W_rowᵀ · dout)`` is conv2d's ``dx``."""
    c_count, h, w = input_shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    ho, wo = output_hw(h, w, kernel, stride, padding)
    patches = cols.reshape(c_count, kh, kw, ho, wo)
    xp = np.zeros((c_count, h + 2 * ph, w + 2 * pw))
    for i in range(kh):
        for j in range(kw):
            xp[:, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw] += patches[
                :, i, j
            ]
    out: Array = xp[:, ph : ph + h, pw : pw + w]
    return out
