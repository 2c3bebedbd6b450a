"""The numpy engine: loop form == vectorised form, finite differences, hand-computed cases.

Expected numbers in the hand-computed tests are worked out in the comments beside them; the
gradient tests compare against centred finite differences in float64, never against the
engine's own output.
"""

import math

import numpy as np
import pytest

from stepcnn.engine import (
    conv2d_backward,
    conv2d_forward,
    conv_output_size,
    cross_entropy,
    flatten_backward,
    flatten_forward,
    linear_backward,
    linear_forward,
    maxpool2d_backward,
    maxpool2d_forward,
    mse,
    relu_backward,
    relu_forward,
    sgd_update,
)
from stepcnn.engine.kinds.conv2d import Conv2d, conv2d_backward_naive, conv2d_forward_naive
from stepcnn.engine.kinds.flatten import Flatten, flatten_backward_naive, flatten_forward_naive
from stepcnn.engine.kinds.linear import Linear, linear_backward_naive, linear_forward_naive
from stepcnn.engine.kinds.maxpool2d import (
    MaxPool2d,
    maxpool2d_backward_naive,
    maxpool2d_forward_naive,
)
from stepcnn.engine.kinds.relu import ReLU, relu_backward_naive, relu_forward_naive
from stepcnn.engine.layers import Params, shapes_through
from stepcnn.engine.losses import cross_entropy_backward, mse_backward
from stepcnn.engine.network import train_iteration
from stepcnn.engine.optim import SGD
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

EPS = 1e-6


def numeric_grad(f, a: np.ndarray) -> np.ndarray:
    """Centred finite differences of the scalar ``f()`` with respect to ``a`` (nudged in place)."""
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + EPS
        plus = f()
        a[idx] = old - EPS
        minus = f()
        a[idx] = old
        grad[idx] = (plus - minus) / (2 * EPS)
    return grad


def assert_grad(analytic: np.ndarray, numeric: np.ndarray) -> None:
    assert analytic.shape == numeric.shape
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# ---- configurations ----------------------------------------------------------------------

# (batch, c_in, c_out, H, W, kh, kw, sh, sw, ph, pw)
CONV_CASES = [
    (1, 1, 1, 3, 3, 2, 2, 1, 1, 0, 0),
    (2, 3, 4, 7, 6, 3, 2, 2, 1, 1, 0),  # rectangular kernel, stride on rows, padding on rows
    (3, 2, 3, 8, 9, 3, 3, 2, 3, 1, 2),  # different strides and paddings per axis
    (2, 1, 2, 5, 5, 5, 5, 1, 1, 0, 0),  # kernel covers the whole input
    (1, 2, 2, 6, 4, 1, 3, 3, 1, 0, 1),  # 1×3 kernel, stride leaves the last rows unread
    (2, 2, 2, 4, 4, 2, 2, 3, 3, 2, 2),  # stride larger than the kernel, wide padding
]


def _random_conv_cases(count: int, seed: int) -> list[tuple[int, ...]]:
    rng = np.random.default_rng(seed)
    cases: list[tuple[int, ...]] = []
    while len(cases) < count:
        n, cin, cout = (int(v) for v in rng.integers(1, 4, size=3))
        h, w = (int(v) for v in rng.integers(1, 9, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
        sh, sw = (int(v) for v in rng.integers(1, 4, size=2))
        ph, pw = (int(v) for v in rng.integers(0, 3, size=2))
        if h + 2 * ph >= kh and w + 2 * pw >= kw:
            cases.append((n, cin, cout, h, w, kh, kw, sh, sw, ph, pw))
    return cases


# (batch, C, H, W, kh, kw, sh, sw)
POOL_CASES = [
    (1, 1, 4, 4, 2, 2, 2, 2),
    (2, 3, 5, 7, 2, 3, 1, 2),  # overlapping windows along rows
    (2, 2, 6, 6, 3, 3, 2, 2),  # overlapping windows both ways
    (1, 2, 5, 5, 2, 2, 3, 3),  # stride larger than the window: cells nobody reads
    (3, 1, 7, 5, 3, 1, 2, 1),  # rectangular window
    (2, 2, 5, 5, 2, 2, 2, 2),  # floor mode: the last row and column are dropped
]


def _random_pool_cases(count: int, seed: int) -> list[tuple[int, ...]]:
    rng = np.random.default_rng(seed)
    cases: list[tuple[int, ...]] = []
    while len(cases) < count:
        n, c = (int(v) for v in rng.integers(1, 4, size=2))
        h, w = (int(v) for v in rng.integers(1, 9, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        sh, sw = (int(v) for v in rng.integers(1, 4, size=2))
        if h >= kh and w >= kw:
            cases.append((n, c, h, w, kh, kw, sh, sw))
    return cases


def _conv_data(case: tuple[int, ...], seed: int) -> tuple[np.ndarray, ...]:
    n, cin, cout, h, w, kh, kw, sh, sw, ph, pw = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, cin, h, w))
    wt = rng.normal(size=(cout, cin, kh, kw))
    b = rng.normal(size=cout)
    ho = (h + 2 * ph - kh) // sh + 1
    wo = (w + 2 * pw - kw) // sw + 1
    dout = rng.normal(size=(n, cout, ho, wo))
    return x, wt, b, dout


# ---- loop form == vectorised form --------------------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES + _random_conv_cases(24, seed=11))
def test_conv2d_vectorised_equals_loops(case: tuple[int, ...]) -> None:
    n, _, cout, h, w, kh, kw, sh, sw, ph, pw = case
    x, wt, b, dout = _conv_data(case, seed=sum(case))
    stride, padding = (sh, sw), (ph, pw)
    out, cache = conv2d_forward(x, wt, b, stride, padding)
    out_n, cache_n = conv2d_forward_naive(x, wt, b, stride, padding)
    assert out.shape == (n, cout, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
    np.testing.assert_allclose(out, out_n, rtol=1e-12, atol=1e-12)
    dx, dw, db = conv2d_backward(dout, cache)
    dx_n, dw_n, db_n = conv2d_backward_naive(dout, cache_n)
    assert dx.shape == x.shape and dw.shape == wt.shape and db.shape == b.shape
    np.testing.assert_allclose(dx, dx_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, dw_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, db_n, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", POOL_CASES + _random_pool_cases(24, seed=12))
@pytest.mark.parametrize("ties", [False, True])
def test_maxpool2d_vectorised_equals_loops(case: tuple[int, ...], ties: bool) -> None:
    n, c, h, w, kh, kw, sh, sw = case
    rng = np.random.default_rng(sum(case) + ties)
    # With ties: values from {0, 1, 2} so most windows hold equal maxima.
    x = (
        rng.integers(0, 3, size=(n, c, h, w)).astype(float)
        if ties
        else rng.normal(size=(n, c, h, w))
    )
    out, cache = maxpool2d_forward(x, (kh, kw), (sh, sw))
    out_n, cache_n = maxpool2d_forward_naive(x, (kh, kw), (sh, sw))
    assert out.shape == (n, c, (h - kh) // sh + 1, (w - kw) // sw + 1)
    np.testing.assert_array_equal(out, out_n)
    np.testing.assert_array_equal(cache.argmax, cache_n.argmax)
    dout = rng.normal(size=out.shape)
    dx, dw, db = maxpool2d_backward(dout, cache)
    dx_n, _, _ = maxpool2d_backward_naive(dout, cache_n)
    assert dw is None and db is None
    np.testing.assert_allclose(dx, dx_n, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 5), (3, 2, 4, 4), (2, 7)])
def test_relu_vectorised_equals_loops(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape))
    x = rng.normal(size=shape)
    x.flat[::3] = 0.0  # exact zeros, where the gradient must be blocked
    dout = rng.normal(size=shape)
    out, cache = relu_forward(x)
    out_n, cache_n = relu_forward_naive(x)
    np.testing.assert_array_equal(out, out_n)
    np.testing.assert_array_equal(out, np.maximum(x, 0.0))
    np.testing.assert_array_equal(
        relu_backward(dout, cache)[0], relu_backward_naive(dout, cache_n)[0]
    )


@pytest.mark.parametrize(("n", "fin", "fout"), [(1, 1, 1), (2, 5, 3), (4, 8, 6)])
def test_linear_vectorised_equals_loops(n: int, fin: int, fout: int) -> None:
    rng = np.random.default_rng(n * 100 + fin * 10 + fout)
    x, w, b = rng.normal(size=(n, fin)), rng.normal(size=(fout, fin)), rng.normal(size=fout)
    dout = rng.normal(size=(n, fout))
    out, cache = linear_forward(x, w, b)
    out_n, cache_n = linear_forward_naive(x, w, b)
    np.testing.assert_allclose(out, out_n, rtol=1e-12, atol=1e-12)
    for got, want in zip(
        linear_backward(dout, cache), linear_backward_naive(dout, cache_n), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 4, 5), (3, 2, 1, 6)])
def test_flatten_vectorised_equals_loops(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=shape)
    out, cache = flatten_forward(x)
    out_n, cache_n = flatten_forward_naive(x)
    np.testing.assert_array_equal(out, out_n)
    dout = rng.normal(size=out.shape)
    np.testing.assert_array_equal(
        flatten_backward(dout, cache)[0], flatten_backward_naive(dout, cache_n)[0]
    )


# ---- finite differences, layer by layer --------------------------------------------------


@pytest.mark.parametrize("case", [CONV_CASES[1], CONV_CASES[2], CONV_CASES[5]])
def test_conv2d_gradients_match_finite_differences(case: tuple[int, ...]) -> None:
    x, wt, b, r = _conv_data(case, seed=7)
    stride, padding = (case[7], case[8]), (case[9], case[10])

    def f() -> float:
        return float(np.sum(conv2d_forward(x, wt, b, stride, padding)[0] * r))

    _, cache = conv2d_forward(x, wt, b, stride, padding)
    dx, dw, db = conv2d_backward(r, cache)
    assert_grad(dx, numeric_grad(f, x))
    assert_grad(dw, numeric_grad(f, wt))
    assert_grad(db, numeric_grad(f, b))


@pytest.mark.parametrize("case", [POOL_CASES[1], POOL_CASES[2], POOL_CASES[3], POOL_CASES[4]])
def test_maxpool2d_gradient_matches_finite_differences(case: tuple[int, ...]) -> None:
    n, c, h, w, kh, kw, sh, sw = case
    rng = np.random.default_rng(3)
    # Distinct values 0.1 apart: a nudge of 1e-6 never changes a window's winner.
    x = rng.permutation(n * c * h * w).reshape(n, c, h, w) * 0.1
    out, cache = maxpool2d_forward(x, (kh, kw), (sh, sw))
    r = rng.normal(size=out.shape)

    def f() -> float:
        return float(np.sum(maxpool2d_forward(x, (kh, kw), (sh, sw))[0] * r))

    assert_grad(maxpool2d_backward(r, cache)[0], numeric_grad(f, x))


def test_relu_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(4)
    # Kept at least 0.1 away from the kink at 0.
    x = rng.choice([-1.0, 1.0], size=(2, 3, 4, 4)) * (0.1 + np.abs(rng.normal(size=(2, 3, 4, 4))))
    r = rng.normal(size=x.shape)

    def f() -> float:
        return float(np.sum(relu_forward(x)[0] * r))

    assert_grad(relu_backward(r, relu_forward(x)[1])[0], numeric_grad(f, x))


def test_linear_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(3, 6)), rng.normal(size=(4, 6)), rng.normal(size=4)
    r = rng.normal(size=(3, 4))

    def f() -> float:
        return float(np.sum(linear_forward(x, w, b)[0] * r))

    dx, dw, db = linear_backward(r, linear_forward(x, w, b)[1])
    assert_grad(dx, numeric_grad(f, x))
    assert_grad(dw, numeric_grad(f, w))
    assert_grad(db, numeric_grad(f, b))


def test_flatten_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 2, 4))
    r = rng.normal(size=(2, 24))

    def f() -> float:
        return float(np.sum(flatten_forward(x)[0] * r))

    dx, dw, db = flatten_backward(r, flatten_forward(x)[1])
    assert dw is None and db is None
    assert_grad(dx, numeric_grad(f, x))


def test_cross_entropy_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(8)
    scores = rng.normal(size=(4, 5)) * 3
    labels = np.array([0, 4, 2, 2], dtype=np.intp)

    def f() -> float:
        return cross_entropy(scores, labels)[0]

    assert_grad(cross_entropy_backward(cross_entropy(scores, labels)[1]), numeric_grad(f, scores))


@pytest.mark.parametrize("shape", [(3, 4), (2, 2, 3, 3)])
def test_mse_gradient_matches_finite_differences(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(9)
    prediction, target = rng.normal(size=shape), rng.normal(size=shape)

    def f() -> float:
        return mse(prediction, target)[0]

    assert_grad(mse_backward(mse(prediction, target)[1]), numeric_grad(f, prediction))


# ---- finite differences, a whole network ---------------------------------------------------


def _forward_loss(layers, params, x, y, loss: str) -> float:
    """The loss by chaining the layers' forward passes (independent of train_iteration)."""
    out = x
    for layer, p in zip(layers, params, strict=True):
        out, _ = layer.forward(out, p)
    return cross_entropy(out, y)[0] if loss == "cross_entropy" else mse(out, y)[0]


def _random_params(layers, seed: int) -> tuple[Params | None, ...]:
    rng = np.random.default_rng(seed)
    result = []
    for layer in layers:
        shapes = layer.param_shapes()
        if shapes is None:
            result.append(None)
        else:
            result.append(Params(rng.normal(size=shapes[0]), rng.normal(size=shapes[1]) * 0.1))
    return tuple(result)


def _check_network(layers, x, y, loss: str, seed: int) -> None:
    params = _random_params(layers, seed)
    before = [None if p is None else (p.weight.copy(), p.bias.copy()) for p in params]
    lr = 0.05
    record = train_iteration(layers, params, x, y, loss, SGD(lr))

    def f() -> float:
        return _forward_loss(layers, params, x, y, loss)

    assert record.loss == pytest.approx(f(), rel=1e-12)
    for layer_record, p, saved in zip(record.layers, params, before, strict=True):
        if p is None:
            assert layer_record.grads is None and layer_record.params_after is None
            continue
        assert layer_record.grads is not None and layer_record.params_after is not None
        assert_grad(layer_record.grads.weight, numeric_grad(f, p.weight))
        assert_grad(layer_record.grads.bias, numeric_grad(f, p.bias))
        # SGD, all gradients first, then p ← p − lr·g; the old arrays are left untouched.
        np.testing.assert_array_equal(p.weight, saved[0])
        np.testing.assert_array_equal(p.bias, saved[1])
        np.testing.assert_allclose(
            layer_record.params_after.weight, saved[0] - lr * layer_record.grads.weight, rtol=1e-15
        )
        np.testing.assert_allclose(
            layer_record.params_after.bias, saved[1] - lr * layer_record.grads.bias, rtol=1e-15
        )
    assert_grad(record.layers[0].grad_input, numeric_grad(f, x))
    # Each layer's output feeds the next; each layer's grad_input is the previous grad_output.
    for a, b in zip(record.layers, record.layers[1:], strict=False):
        np.testing.assert_array_equal(a.output, b.input)
        np.testing.assert_array_equal(a.grad_output, b.grad_input)


def test_whole_network_cross_entropy_matches_finite_differences() -> None:
    layers = (
        Conv2d(2, 3, (3, 2), (1, 1), (1, 0)),
        ReLU(),
        MaxPool2d((2, 2), (2, 2)),
        Flatten(),
        Linear(18, 3),
    )
    # By hand: conv H (6 + 2·1 − 3)/1 + 1 = 6, W (5 − 2)/1 + 1 = 4 → 3×6×4; pool 2×2/2 → 3×3×2;
    # flatten 18; linear 3.
    assert shapes_through(layers, (2, 6, 5)) == [
        (2, 6, 5),
        (3, 6, 4),
        (3, 6, 4),
        (3, 3, 2),
        (18,),
        (3,),
    ]
    rng = np.random.default_rng(21)
    x = rng.normal(size=(2, 2, 6, 5))
    y = np.array([0, 2], dtype=np.intp)
    _check_network(layers, x, y, "cross_entropy", seed=22)


def test_whole_network_mse_matches_finite_differences() -> None:
    layers = (
        Conv2d(1, 2, (3, 3), (1, 1), (1, 1)),
        ReLU(),
        MaxPool2d((2, 2), (1, 1)),
        Conv2d(2, 1, (2, 2)),
    )
    # By hand: 1×5×5 → conv pad 1: 2×5×5 → pool 2/1: 2×4×4 → conv 2×2: 1×3×3.
    assert shapes_through(layers, (1, 5, 5))[-1] == (1, 3, 3)
    rng = np.random.default_rng(31)
    x = rng.normal(size=(2, 1, 5, 5))
    y = rng.normal(size=(2, 1, 3, 3))
    _check_network(layers, x, y, "mse", seed=32)


def test_whole_network_mse_with_linear_head() -> None:
    layers = (Conv2d(1, 2, (2, 2), (2, 2)), ReLU(), Flatten(), Linear(8, 2))
    rng = np.random.default_rng(41)
    x = rng.normal(size=(3, 1, 4, 4))
    y = rng.normal(size=(3, 2))
    _check_network(layers, x, y, "mse", seed=42)


# ---- hand-computed cases -----------------------------------------------------------------


def test_conv2d_by_hand_3x3_input_2x2_filter() -> None:
    x = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])[None, None]
    w = np.array([[1.0, 2], [3, 4]])[None, None]
    b = np.array([0.5])
    out, cache = conv2d_forward(x, w, b)
    # Cross-correlation (no flip):
    #   out[r, c] = 1·x[r,c] + 2·x[r,c+1] + 3·x[r+1,c] + 4·x[r+1,c+1] + 0.5
    #   out[0,0] = 1 + 4 + 12 + 20 = 37     out[0,1] = 2 + 6 + 15 + 24 = 47
    #   out[1,0] = 4 + 10 + 21 + 32 = 67    out[1,1] = 5 + 12 + 24 + 36 = 77
    np.testing.assert_allclose(out[0, 0], [[37.5, 47.5], [67.5, 77.5]])
    dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), cache)
    # dw[i, j] = Σ_{r,c} x[r+i, c+j]: dw[0,0] = 1+2+4+5 = 12, dw[0,1] = 2+3+5+6 = 16,
    #   dw[1,0] = 4+5+7+8 = 24, dw[1,1] = 5+6+8+9 = 28;   db = 4 positions · 1 = 4.
    np.testing.assert_allclose(dw[0, 0], [[12, 16], [24, 28]])
    np.testing.assert_allclose(db, [4])
    # dx: the filter stamped at each of the 4 positions and added up:
    #   corners get one weight each, edges two, the centre all four (1+2+3+4 = 10).
    np.testing.assert_allclose(dx[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])


def test_conv2d_by_hand_rectangular_kernel_is_not_flipped() -> None:
    x = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])[None, None]
    w = np.array([[[[1.0, -1.0]]]])  # kh = 1, kw = 2
    out, _ = conv2d_forward(x, w, np.zeros(1))
    # out[r, c] = x[r, c] − x[r, c+1] = −1 everywhere, on a 3×2 map (a flipped kernel gives +1).
    np.testing.assert_array_equal(out[0, 0], -np.ones((3, 2)))


def test_conv2d_by_hand_stride_and_padding() -> None:
    x = np.array([[1.0, 2], [3, 4]])[None, None]
    w = np.ones((1, 1, 2, 2))
    out, cache = conv2d_forward(x, w, np.zeros(1), stride=(2, 2), padding=(1, 1))
    # Padded: [[0,0,0,0],[0,1,2,0],[0,3,4,0],[0,0,0,0]]; H_out = (2 + 2 − 2)/2 + 1 = 2.
    # The four 2×2 windows at stride 2 each hold one input cell and three zeros → out = x.
    np.testing.assert_array_equal(out, x)
    dx, _, _ = conv2d_backward(np.array([[[[10.0, 20], [30, 40]]]]), cache)
    # Each input cell is read by exactly one window with weight 1: dx = dout (padding dropped).
    np.testing.assert_array_equal(dx[0, 0], [[10, 20], [30, 40]])


def test_conv2d_by_hand_channels_follow_oihw() -> None:
    x = np.stack([np.ones((2, 2)), 2 * np.ones((2, 2))])[None]  # channel 0 = 1s, channel 1 = 2s
    w = np.array([[[[1.0]], [[10.0]]], [[[-1.0]], [[0.0]]]])  # (out 2, in 2, 1, 1)
    out, _ = conv2d_forward(x, w, np.array([0.0, 3.0]))
    # Filter 0: 1·1 + 10·2 = 21.  Filter 1: −1·1 + 0·2 + 3 = 2.
    np.testing.assert_array_equal(out[0, 0], np.full((2, 2), 21.0))
    np.testing.assert_array_equal(out[0, 1], np.full((2, 2), 2.0))


def test_maxpool2d_tie_goes_to_first_cell_in_row_major_order() -> None:
    # Window [[5, 5], [5, 1]]: three 5s; the first in row-major order is (0, 0).
    x = np.array([[5.0, 5], [5, 1]])[None, None]
    out, cache = maxpool2d_forward(x, (2, 2), (2, 2))
    assert out[0, 0, 0, 0] == 5
    dx, _, _ = maxpool2d_backward(np.full((1, 1, 1, 1), 7.0), cache)
    np.testing.assert_array_equal(dx[0, 0], [[7, 0], [0, 0]])
    # Window [[1, 3], [3, 2]]: the 3 at (0, 1) comes before the 3 at (1, 0).
    _, cache = maxpool2d_forward(np.array([[1.0, 3], [3, 2]])[None, None], (2, 2), (2, 2))
    dx, _, _ = maxpool2d_backward(np.full((1, 1, 1, 1), 7.0), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0, 7], [0, 0]])


def test_maxpool2d_overlapping_windows_add_gradients() -> None:
    x = np.array([[1.0, 9, 2], [3, 4, 5], [0, 1, 2]])[None, None]
    out, cache = maxpool2d_forward(x, (2, 2), (1, 1))
    # Windows: {1,9,3,4} → 9, {9,2,4,5} → 9, {3,4,0,1} → 4, {4,5,1,2} → 5.
    np.testing.assert_array_equal(out[0, 0], [[9, 9], [4, 5]])
    dx, _, _ = maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    # The 9 wins two windows and gets 1 + 1; the 4 and the 5 get 1 each.
    np.testing.assert_array_equal(dx[0, 0], [[0, 2, 0], [0, 1, 1], [0, 0, 0]])


def test_relu_by_hand_gradient_at_zero_is_zero() -> None:
    x = np.array([[-1.0, 0.0, 2.0]])
    out, cache = relu_forward(x)
    np.testing.assert_array_equal(out, [[0, 0, 2]])
    dx, dw, db = relu_backward(np.array([[5.0, 5.0, 5.0]]), cache)
    np.testing.assert_array_equal(dx, [[0, 0, 5]])  # blocked at −1 and at exactly 0
    assert dw is None and db is None


def test_relu_nan_passes_like_pytorch() -> None:
    out, cache = relu_forward(np.array([np.nan, -2.0]))
    assert np.isnan(out[0]) and out[1] == 0
    dx, _, _ = relu_backward(np.array([3.0, 3.0]), cache)
    np.testing.assert_array_equal(dx, [3.0, 0.0])


def test_linear_by_hand() -> None:
    x = np.array([[1.0, 2.0]])
    w = np.array([[1.0, 0], [0, 1], [1, 1]])  # [out][in]
    b = np.array([0.0, 1, -1])
    out, cache = linear_forward(x, w, b)
    # [1·1 + 0·2 + 0, 0·1 + 1·2 + 1, 1·1 + 1·2 − 1] = [1, 3, 2]
    np.testing.assert_array_equal(out, [[1, 3, 2]])
    dx, dw, db = linear_backward(np.ones((1, 3)), cache)
    # dx = Σ_o W[o] = [2, 2];  dW[o] = g·x = [1, 2] per row;  db = [1, 1, 1]
    np.testing.assert_array_equal(dx, [[2, 2]])
    np.testing.assert_array_equal(dw, [[1, 2], [1, 2], [1, 2]])
    np.testing.assert_array_equal(db, [1, 1, 1])


def test_flatten_is_c_h_w_row_major() -> None:
    x = np.array([[[[100 * c + 10 * h + w for w in range(2)] for h in range(2)] for c in range(2)]])
    x = x.astype(float)
    out, cache = flatten_forward(x)
    # Feature k = (c·H + h)·W + w holds x[c, h, w] = 100c + 10h + w.
    np.testing.assert_array_equal(out, [[0, 1, 10, 11, 100, 101, 110, 111]])
    dx, _, _ = flatten_backward(out * 2, cache)
    np.testing.assert_array_equal(dx, 2 * x)


def test_cross_entropy_by_hand() -> None:
    # Sample 0: scores [0, 0], label 0 → p = [1/2, 1/2], loss ln 2, grad p − onehot = [−1/2, 1/2].
    # Sample 1: scores [ln 3, 0], label 1 → p = [3/4, 1/4], loss −ln(1/4) = ln 4,
    #   grad = [3/4, 1/4 − 1] = [3/4, −3/4].
    # Mean over the batch of 2: loss (ln 2 + ln 4)/2 = 1.5·ln 2; grads halved.
    scores = np.array([[0.0, 0.0], [math.log(3), 0.0]])
    loss, cache = cross_entropy(scores, np.array([0, 1], dtype=np.intp))
    assert loss == pytest.approx(1.5 * math.log(2), rel=1e-14)
    np.testing.assert_allclose(cache.probs, [[0.5, 0.5], [0.75, 0.25]], rtol=1e-14)
    np.testing.assert_allclose(
        cross_entropy_backward(cache), [[-0.25, 0.25], [0.375, -0.375]], rtol=1e-14
    )


def test_cross_entropy_is_stable_for_large_scores() -> None:
    scores = np.array([[1000.0, 0.0]])
    # p = softmax([1000, 0]) = [1, e^−1000]: label 0 → loss ≈ 0; label 1 → loss = 1000.
    assert cross_entropy(scores, np.array([0], dtype=np.intp))[0] == pytest.approx(0.0, abs=1e-300)
    assert cross_entropy(scores, np.array([1], dtype=np.intp))[0] == pytest.approx(1000.0)


def test_mse_by_hand() -> None:
    y = np.array([[1.0, 2], [3, 4]])
    t = np.array([[0.0, 2], [3, 6]])
    loss, cache = mse(y, t)
    # diff = [1, 0, 0, −2]; squares 1 + 0 + 0 + 4 = 5; mean over M = 4 elements → 1.25.
    assert loss == 1.25
    # dL/dy = 2·diff/M = [0.5, 0, 0, −1].
    np.testing.assert_array_equal(mse_backward(cache), [[0.5, 0], [0, -1]])


def test_sgd_update_by_hand() -> None:
    p = np.array([1.0, -2.0])
    g = np.array([0.5, -4.0])
    # p − lr·g = [1 − 0.05, −2 + 0.4] = [0.95, −1.6]
    np.testing.assert_allclose(sgd_update(p, g, 0.1), [0.95, -1.6], rtol=1e-15)
    np.testing.assert_array_equal(p, [1.0, -2.0])  # a new array; the old one is unchanged


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [
        (5, 3, 2, 1, 3),  # (5 + 2 − 3)/2 + 1 = 3
        (6, 3, 2, 0, 2),  # floor(3/2) + 1 = 2
        (4, 4, 1, 0, 1),  # the kernel covers everything: one position
        (3, 4, 1, 0, 0),  # does not fit
    ],
)
def test_conv_output_size_floor_mode(
    size: int, kernel: int, stride: int, padding: int, expected: int
) -> None:
    assert conv_output_size(size, kernel, stride, padding) == expected


# ---- training: which samples each iteration uses -----------------------------------------

SELECTION = """
title = "selection"
learning_rate = 0.5
loss = "cross_entropy"
batch_size = 2
iterations = 4
[[samples]]
input = [[0]]
label = 0
[[samples]]
input = [[1]]
label = 1
[[samples]]
input = [[2]]
label = 0
[[layers]]
type = "flatten"
[[layers]]
type = "linear"
out_features = 2
"""


def test_iteration_uses_samples_i_times_batch_plus_j_mod_s() -> None:
    scenario = parse_scenario(SELECTION, "selection.toml")
    run = TrainingRun(scenario)
    # (i·2 + j) mod 3 for j = 0, 1:  i=0 → 0, 1;  i=1 → 2, 0;  i=2 → 1, 2;  i=3 → 0, 1.
    expected = [(0, 1), (2, 0), (1, 2), (0, 1)]
    for i, samples in enumerate(expected):
        record = run.record(i)
        assert record.samples == samples
        # Sample s has the single input value s; the labels are 0, 1, 0.
        np.testing.assert_array_equal(record.x.reshape(-1), samples)
        np.testing.assert_array_equal(record.y, [(0, 1, 0)[s] for s in samples])
    with pytest.raises(IndexError):
        run.record(4)


def test_each_iteration_starts_from_the_previous_update() -> None:
    scenario = parse_scenario(SELECTION, "selection.toml")
    run = TrainingRun(scenario)
    first, second = run.record(0), run.record(1)
    after = first.layers[1].params_after
    used = second.layers[1].params
    assert after is not None and used is not None
    np.testing.assert_array_equal(used.weight, after.weight)
    np.testing.assert_array_equal(used.bias, after.bias)
    initial = scenario.initial_params[1]
    grads = first.layers[1].grads
    assert initial is not None and grads is not None
    np.testing.assert_allclose(after.weight, initial.weight - 0.5 * grads.weight, rtol=1e-15)
    assert not np.array_equal(after.weight, initial.weight)
