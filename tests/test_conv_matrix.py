"""A conv layer as a matrix: M·x + b is the convolution, Mᵀ·g is dx, tied entries sum to dW.

Random geometries (stride 2, padding, several channels and filters); the references are the
engine's conv2d forward/backward (themselves proven against loops and finite differences in
test_engine_layers.py) and counts worked out by hand or by counting windows.
"""

import numpy as np
import pytest

from stepcnn.engine.conv_matrix import (
    col2im,
    conv2d_as_matrix,
    conv2d_as_matrix_naive,
    im2col,
    parameter_counts,
)
from stepcnn.engine.kinds.conv2d import conv2d_backward, conv2d_forward

# (N, C, H, W, F, kh, kw, sh, sw, ph, pw)
CASES = [
    (1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0),
    (2, 3, 7, 6, 4, 3, 2, 2, 2, 1, 1),
    (3, 2, 8, 8, 3, 3, 3, 2, 1, 2, 0),
    (1, 4, 5, 9, 2, 2, 4, 1, 3, 0, 2),
    (2, 1, 6, 6, 5, 1, 1, 2, 2, 1, 1),
    (2, 2, 9, 7, 3, 4, 3, 3, 2, 1, 1),
]


def _setup(case: tuple[int, ...], seed: int):  # type: ignore[no-untyped-def]
    n, c, h, w, f, kh, kw, sh, sw, ph, pw = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((f, c, kh, kw))
    bias = rng.standard_normal(f)
    return x, weight, bias, (sh, sw), (ph, pw)


@pytest.mark.parametrize("case", CASES)
def test_matrix_times_input_plus_bias_is_the_convolution(case: tuple[int, ...]) -> None:
    x, weight, bias, stride, padding = _setup(case, 1)
    out, _ = conv2d_forward(x, weight, bias, stride, padding)
    m, _ = conv2d_as_matrix(weight, x.shape[1:], stride, padding)
    ho, wo = out.shape[2:]
    assert m.shape == (weight.shape[0] * ho * wo, int(np.prod(x.shape[1:])))
    for n in range(x.shape[0]):
        got = m @ x[n].ravel() + np.repeat(bias, ho * wo)
        np.testing.assert_allclose(got, out[n].ravel(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_loop_form_equals_vectorised(case: tuple[int, ...]) -> None:
    x, weight, _, stride, padding = _setup(case, 2)
    m, tie = conv2d_as_matrix(weight, x.shape[1:], stride, padding)
    m2, tie2 = conv2d_as_matrix_naive(weight, x.shape[1:], stride, padding)
    np.testing.assert_array_equal(tie, tie2)
    np.testing.assert_array_equal(m, m2)


@pytest.mark.parametrize("case", CASES)
def test_transpose_times_gradient_is_dx(case: tuple[int, ...]) -> None:
    x, weight, bias, stride, padding = _setup(case, 3)
    out, cache = conv2d_forward(x, weight, bias, stride, padding)
    g = np.random.default_rng(4).standard_normal(out.shape)
    dx, _, _ = conv2d_backward(g, cache)
    m, _ = conv2d_as_matrix(weight, x.shape[1:], stride, padding)
    for n in range(x.shape[0]):
        np.testing.assert_allclose(m.T @ g[n].ravel(), dx[n].ravel(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_tied_entries_of_g_outer_x_sum_to_dw(case: tuple[int, ...]) -> None:
    x, weight, bias, stride, padding = _setup(case, 5)
    out, cache = conv2d_forward(x, weight, bias, stride, padding)
    g = np.random.default_rng(6).standard_normal(out.shape)
    _, dw, _ = conv2d_backward(g, cache)
    _, tie = conv2d_as_matrix(weight, x.shape[1:], stride, padding)
    tied = tie >= 0
    sums = np.zeros(weight.size)
    for n in range(x.shape[0]):
        dm = np.outer(g[n].ravel(), x[n].ravel())  # a regular layer's dW for this sample
        np.add.at(sums, tie[tied], dm[tied])
    np.testing.assert_allclose(sums.reshape(weight.shape), dw, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_every_weight_appears_once_per_row_at_most(case: tuple[int, ...]) -> None:
    x, weight, _, stride, padding = _setup(case, 7)
    _, tie = conv2d_as_matrix(weight, x.shape[1:], stride, padding)
    f_count = weight.shape[0]
    per_filter = weight[0].size
    rows_per_filter = tie.shape[0] // f_count
    for row in range(tie.shape[0]):
        used = tie[row][tie[row] >= 0]
        assert len(set(used.tolist())) == used.size
        f = row // rows_per_filter  # a row only holds its own filter's weights
        assert ((used >= f * per_filter) & (used < (f + 1) * per_filter)).all()


def test_hand_computable_counts() -> None:
    # 1×5×5 input, one 3×3 filter, stride 1, no padding → 1×3×3 output, M is 9×25.
    # conv: 9 weights + 1 bias = 10; locally connected: 9 rows × 9 entries + 9 biases = 90;
    # fully connected: 9 × 25 + 9 = 234.
    assert parameter_counts((1, 1, 3, 3), (1, 5, 5), (1, 1), (0, 0)) == (10, 90, 234)
    # 1×4×4 input, one 2×2 filter → 3×3 output, M is 9×16: 4 + 1 = 5; 9·4 + 9 = 45; 9·16 + 9.
    assert parameter_counts((1, 1, 2, 2), (1, 4, 4), (1, 1), (0, 0)) == (5, 45, 153)


@pytest.mark.parametrize("case", CASES)
def test_counts_by_counting_windows(case: tuple[int, ...]) -> None:
    _, c, h, w, f, kh, kw, sh, sw, ph, pw = case
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    connections = 0
    for r in range(ho):
        for s in range(wo):
            rows = sum(1 for i in range(kh) if 0 <= r * sh + i - ph < h)
            cols = sum(1 for j in range(kw) if 0 <= s * sw + j - pw < w)
            connections += rows * cols * c * f
    counts = parameter_counts((f, c, kh, kw), (c, h, w), (sh, sw), (ph, pw))
    assert counts.conv == f * c * kh * kw + f
    assert counts.local == connections + f * ho * wo
    assert counts.dense == f * ho * wo * c * h * w + f * ho * wo


@pytest.mark.parametrize("case", CASES)
def test_im2col_product_is_the_convolution_and_col2im_gives_dx(case: tuple[int, ...]) -> None:
    x, weight, bias, stride, padding = _setup(case, 8)
    out, cache = conv2d_forward(x, weight, bias, stride, padding)
    g = np.random.default_rng(9).standard_normal(out.shape)
    dx, dw, _ = conv2d_backward(g, cache)
    kernel = weight.shape[2:]
    w_row = weight.reshape(weight.shape[0], -1)
    dw_sum = np.zeros_like(w_row)
    for n in range(x.shape[0]):
        cols = im2col(x[n], kernel, stride, padding)
        got = w_row @ cols + bias[:, None]
        np.testing.assert_allclose(got, out[n].reshape(out.shape[1], -1), rtol=1e-12, atol=1e-12)
        g_row = g[n].reshape(g.shape[1], -1)
        back = col2im(w_row.T @ g_row, x.shape[1:], kernel, stride, padding)
        np.testing.assert_allclose(back, dx[n], rtol=1e-12, atol=1e-12)
        dw_sum += g_row @ cols.T
    np.testing.assert_allclose(dw_sum.reshape(weight.shape), dw, rtol=1e-12, atol=1e-12)


def test_hand_computable_matrix_by_hand() -> None:
    # 1×3×3 input, filter [[1, 2], [3, 4]] → 2×2 output; row 1 is output cell (0, 1): it reads
    # input cells (0,1) (0,2) (1,1) (1,2) = columns 1, 2, 4, 5 with weights 1, 2, 3, 4.
    weight = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    m, tie = conv2d_as_matrix(weight, (1, 3, 3))
    assert m[1].tolist() == [0, 1, 2, 0, 3, 4, 0, 0, 0]
    assert tie[1].tolist() == [-1, 0, 1, -1, 2, 3, -1, -1, -1]
    # padding 1: output cell (0, 0) of the 4×4 output has three of its window cells on the
    # padding (no connection); only the bottom-right weight W[0,0,1,1] = 4 meets x[0,0,0].
    m, tie = conv2d_as_matrix(weight, (1, 3, 3), (1, 1), (1, 1))
    assert m.shape == (16, 9)
    assert m[0].tolist() == [4, 0, 0, 0, 0, 0, 0, 0, 0]
    assert tie[0].tolist() == [3, -1, -1, -1, -1, -1, -1, -1, -1]
