"""The engine's quick paths (issue 14) give the loop forms' numbers in the cases they special-case.

Each vectorised kernel has branches chosen for speed — contiguous slices that could alias the
input, whole-map col2im that needs finite weights, branch-free ReLU and max-pool forms with
their fallbacks, the first layer's input gradient computed only when read. Each test here
compares such a branch with the loop form (or the plain definition), never with itself.
"""

import numpy as np
import pytest

from stepcnn.engine.allocator import keep_freed_memory
from stepcnn.engine.kinds.avgpool2d import (
    avgpool2d_backward,
    avgpool2d_backward_naive,
    avgpool2d_forward,
    avgpool2d_forward_naive,
)
from stepcnn.engine.kinds.conv2d import (
    Conv2d,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
)
from stepcnn.engine.kinds.flatten import Flatten
from stepcnn.engine.kinds.linear import Linear, linear_backward_naive, linear_forward_naive
from stepcnn.engine.kinds.maxpool2d import (
    maxpool2d_backward,
    maxpool2d_backward_naive,
    maxpool2d_forward,
    maxpool2d_forward_naive,
)
from stepcnn.engine.kinds.relu import SELECT_BELOW, ReLU, relu_backward, relu_forward
from stepcnn.engine.kinds.tanh import Tanh
from stepcnn.engine.layers import Params
from stepcnn.engine.network import train_iteration
from stepcnn.engine.optim import SGD

# (kernel, stride): a kh×1 window at stride 1 makes the first offset's slice a contiguous
# view of the input, which a pooling kernel must copy before adding into it.
POOL_GEOMETRIES = [((2, 1), (1, 1)), ((1, 1), (1, 1)), ((3, 1), (1, 1)), ((2, 2), (2, 2))]


@pytest.mark.parametrize("shape", [(1, 1, 6, 5), (2, 3, 6, 5)])
@pytest.mark.parametrize(("kernel", "stride"), POOL_GEOMETRIES)
def test_pooling_leaves_its_input_alone_and_equals_loops(
    shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int]
) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    before = x.copy()
    for forward, naive in (
        (avgpool2d_forward, avgpool2d_forward_naive),
        (maxpool2d_forward, maxpool2d_forward_naive),
    ):
        out, _ = forward(x, kernel, stride)
        np.testing.assert_array_equal(x, before)
        np.testing.assert_allclose(out, naive(before, kernel, stride)[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kernel", "stride"), [((2, 2), (2, 2)), ((2, 3), (3, 3))])
def test_avgpool_backward_without_overlap_equals_loops(
    kernel: tuple[int, int], stride: tuple[int, int]
) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 2, 7, 8))
    out, cache = avgpool2d_forward(x, kernel, stride)
    dout = rng.normal(size=out.shape)
    np.testing.assert_allclose(
        avgpool2d_backward(dout, cache)[0],
        avgpool2d_backward_naive(dout, cache)[0],
        rtol=1e-12,
        atol=1e-15,
    )


def test_maxpool_nan_anywhere_in_a_large_map_takes_the_general_path() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 4, 10, 10))
    x[1, 2, 3, 4] = np.nan  # the window (1, 2, 1, 2) holds it, not as its first cell
    x[0, 0, 0, 0] = np.nan  # …and as the first cell of window (0, 0, 0, 0)
    out, cache = maxpool2d_forward(x, (2, 2), (2, 2))
    out_n, cache_n = maxpool2d_forward_naive(x, (2, 2), (2, 2))
    np.testing.assert_array_equal(out, out_n)  # NaN == NaN for assert_array_equal
    np.testing.assert_array_equal(cache.argmax, cache_n.argmax)
    dout = rng.normal(size=out.shape)
    np.testing.assert_array_equal(
        maxpool2d_backward(dout, cache)[0], maxpool2d_backward_naive(dout, cache_n)[0]
    )


def test_relu_backward_on_a_large_tensor_blocks_with_positive_zero() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(4, 8, 16, 16))
    assert x.size > SELECT_BELOW  # the branch-free form
    x.flat[::7] = 0.0  # blocked at exactly 0
    x.flat[5] = np.nan  # passes
    dout = rng.normal(size=x.shape)
    _, cache = relu_forward(x)
    dx, _, _ = relu_backward(dout, cache)
    want = np.where(x <= 0, 0.0, dout)
    np.testing.assert_array_equal(dx, want)
    assert not np.signbit(dx[x <= 0]).any()  # +0.0, never −0.0
    assert dx.flat[5] == dout.flat[5]


def test_relu_backward_with_an_infinite_gradient_is_zero_where_blocked() -> None:
    x = -np.ones((2, 4, 30, 30))  # every unit blocked
    x[0, 0, 0, 0] = 1.0
    dout = np.ones_like(x)
    dout[1, 1, 1, 1] = np.inf  # blocked: must give 0, not ∞·0 = NaN
    dout[0, 0, 0, 0] = -np.inf  # passes
    dx, _, _ = relu_backward(dout, relu_forward(x)[1])
    assert dx[1, 1, 1, 1] == 0.0 and dx[0, 0, 0, 0] == -np.inf
    assert np.count_nonzero(dx) == 1


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_conv_input_gradient_with_non_finite_weights_equals_loops(bad: float) -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2, 2, 6, 6))
    w = rng.normal(size=(3, 2, 3, 3))
    w[1, 0, 2, 2] = bad  # the whole-map form would spread it through its zero columns
    b = rng.normal(size=3)
    dout = rng.normal(size=(2, 3, 6, 6))
    with np.errstate(all="ignore"):  # as in training: IEEE results, no warnings
        out, cache = conv2d_forward(x, w, b, (1, 1), (1, 1))
        out_n, cache_n = conv2d_forward_naive(x, w, b, (1, 1), (1, 1))
        dx = conv2d_backward(dout, cache)[0]
        dx_n = conv2d_backward_naive(dout, cache_n)[0]
    np.testing.assert_array_equal(np.isnan(out), np.isnan(out_n))
    np.testing.assert_array_equal(np.isnan(dx), np.isnan(dx_n))
    finite = np.isfinite(dx_n)
    np.testing.assert_allclose(dx[finite], dx_n[finite], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_conv_input_gradient_on_a_map_the_whole_map_form_takes_with_non_finite_weights(
    bad: float,
) -> None:
    rng = np.random.default_rng(12)
    x = rng.normal(size=(2, 2, 10, 10))  # padded 12×12 = 144 cells for 100 windows
    w = rng.normal(size=(3, 2, 3, 3))
    w[2, 1, 0, 1] = bad
    b = rng.normal(size=3)
    dout = rng.normal(size=(2, 3, 10, 10))
    with np.errstate(all="ignore"):
        _, cache = conv2d_forward(x, w, b, (1, 1), (1, 1))
        _, cache_n = conv2d_forward_naive(x, w, b, (1, 1), (1, 1))
        dx = conv2d_backward(dout, cache)[0]
        dx_n = conv2d_backward_naive(dout, cache_n)[0]
    np.testing.assert_array_equal(np.isnan(dx), np.isnan(dx_n))
    finite = np.isfinite(dx_n)
    np.testing.assert_allclose(dx[finite], dx_n[finite], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("size", "padding"), [(14, 0), (6, 1)])  # 196 / 100, 64 / 36 cells
def test_conv_input_gradient_on_small_maps_equals_loops(size: int, padding: int) -> None:
    rng = np.random.default_rng(14)
    x = rng.normal(size=(3, 2, size, size))
    w = rng.normal(size=(4, 2, 5 if padding == 0 else 3, 5 if padding == 0 else 3))
    b = rng.normal(size=4)
    out, cache = conv2d_forward(x, w, b, (1, 1), (padding, padding))
    dout = rng.normal(size=out.shape)
    got = conv2d_backward(dout, cache)
    want = conv2d_backward_naive(dout, conv2d_forward_naive(x, w, b, (1, 1), (padding, padding))[1])
    for g, e in zip(got, want, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_conv_whole_map_input_gradient_equals_loops_with_padding_and_batch() -> None:
    rng = np.random.default_rng(13)
    x = rng.normal(size=(5, 3, 9, 7))
    w = rng.normal(size=(4, 3, 3, 2))
    b = rng.normal(size=4)
    out, cache = conv2d_forward(x, w, b, (1, 1), (2, 1))
    dout = rng.normal(size=out.shape)
    got = conv2d_backward(dout, cache)
    want = conv2d_backward_naive(dout, conv2d_forward_naive(x, w, b, (1, 1), (2, 1))[1])
    for g, e in zip(got, want, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("first", ["conv2d", "linear"])
@pytest.mark.parametrize("batch", [1, 3])
def test_first_layer_input_gradient_is_computed_when_read(first: str, batch: int) -> None:
    rng = np.random.default_rng(17 + batch)
    if first == "conv2d":
        layers: tuple = (Conv2d(2, 3, (3, 3), (1, 1), (1, 1)), Tanh(), Flatten(), Linear(48, 4))
        x = rng.normal(size=(batch, 2, 4, 4))
        params: tuple = (
            Params(rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)),
            None,
            None,
            Params(rng.normal(size=(4, 48)), rng.normal(size=4)),
        )
    else:
        layers = (Linear(6, 5), ReLU(), Linear(5, 4))
        x = rng.normal(size=(batch, 6))
        params = (
            Params(rng.normal(size=(5, 6)), rng.normal(size=5)),
            None,
            Params(rng.normal(size=(4, 5)), rng.normal(size=4)),
        )
    y = rng.integers(0, 4, batch)
    rec = train_iteration(layers, params, x, y, "cross_entropy", SGD(0.1))
    first_record = rec.layers[0]
    dx, dw, db = layers[0].backward(first_record.grad_output, first_record.cache)
    assert first_record.grads is not None
    np.testing.assert_array_equal(first_record.grads.weight, dw)  # the same function
    np.testing.assert_array_equal(first_record.grads.bias, db)
    # Against the loop form: dL/dx of the batch, first read here.
    if first == "conv2d":
        naive_cache = conv2d_forward_naive(x, params[0].weight, params[0].bias, (1, 1), (1, 1))[1]
        dx_n = conv2d_backward_naive(first_record.grad_output, naive_cache)[0]
    else:
        naive_cache = linear_forward_naive(x, params[0].weight, params[0].bias)[1]
        dx_n = linear_backward_naive(first_record.grad_output, naive_cache)[0]
    np.testing.assert_allclose(first_record.grad_input, dx_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(first_record.grad_input, dx)
    assert first_record.grad_input is first_record.grad_input  # computed once, then kept
    # Later layers' input gradients are the next layer's output gradients, as before.
    np.testing.assert_array_equal(rec.layers[1].grad_input, first_record.grad_output)


def test_allocator_policy_is_set_once() -> None:
    first = keep_freed_memory()
    assert isinstance(first, bool)
    assert keep_freed_memory() == first
