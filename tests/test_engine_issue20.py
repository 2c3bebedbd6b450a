"""The kinds and optimizers of issue 20 — batchnorm2d, dropout, adaptive_avgpool2d, Adam,
RMSprop — without torch: loop form == vectorised form, centred finite differences,
hand-computed cases (worked out in the comments beside them), and the state an iteration
leaves (optimizer moments, running statistics, masks) recomputed bit-identically.
"""

import math

import numpy as np
import pytest
from test_engine_layers import assert_grad, numeric_grad

from stepcnn.engine.adam import Adam, adam_step, adam_step_naive
from stepcnn.engine.kinds.adaptive_avgpool2d import (
    AdaptiveAvgPool2d,
    adaptive_avgpool2d_backward,
    adaptive_avgpool2d_backward_naive,
    adaptive_avgpool2d_forward,
    adaptive_avgpool2d_forward_naive,
    window_bounds,
)
from stepcnn.engine.kinds.batchnorm2d import (
    BatchNorm2d,
    batchnorm2d_backward,
    batchnorm2d_backward_naive,
    batchnorm2d_forward,
    batchnorm2d_forward_naive,
)
from stepcnn.engine.kinds.dropout import (
    Dropout,
    dropout_backward,
    dropout_backward_naive,
    dropout_forward,
    dropout_forward_naive,
    dropout_mask,
    unit_uniform,
    unit_uniform_naive,
)
from stepcnn.engine.kinds.flatten import Flatten
from stepcnn.engine.kinds.linear import Linear
from stepcnn.engine.layers import Params
from stepcnn.engine.network import train_iteration
from stepcnn.engine.optim import SGD
from stepcnn.engine.rmsprop import RMSprop, rmsprop_step, rmsprop_step_naive

# ---- batchnorm2d -----------------------------------------------------------------------------

BN_SHAPES = [(1, 1, 2, 2), (2, 3, 3, 2), (3, 2, 1, 1), (2, 1, 4, 5), (1, 4, 3, 3)]


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm2d_vectorised_equals_loops(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=shape) * 3 + 1
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    out, cache = batchnorm2d_forward(x, gamma, beta, 1e-5)
    out_n, cache_n = batchnorm2d_forward_naive(x, gamma, beta, 1e-5)
    np.testing.assert_allclose(out, out_n, rtol=1e-12, atol=1e-13)
    dout = rng.normal(size=shape)
    for got, want in zip(
        batchnorm2d_backward(dout, cache), batchnorm2d_backward_naive(dout, cache_n), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm2d_gradients_match_finite_differences(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(7 + sum(shape))
    x = rng.normal(size=shape)
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    dout = rng.normal(size=shape)

    def loss() -> float:
        return float(np.sum(batchnorm2d_forward(x, gamma, beta, 1e-5)[0] * dout))

    dx, dgamma, dbeta = batchnorm2d_backward(dout, batchnorm2d_forward(x, gamma, beta, 1e-5)[1])
    assert_grad(dx, numeric_grad(loss, x))
    assert_grad(dgamma, numeric_grad(loss, gamma))
    assert_grad(dbeta, numeric_grad(loss, beta))


def test_batchnorm2d_by_hand() -> None:
    # One channel, x = [1, 2, 3, 6]: μ = 12/4 = 3, σ² = (4 + 1 + 0 + 9)/4 = 3.5,
    # x̂ = (x − 3)/√3.5; γ = 2, β = 0.5: out = 2·x̂ + 0.5.
    x = np.array([1.0, 2.0, 3.0, 6.0]).reshape(1, 1, 2, 2)
    out, cache = batchnorm2d_forward(x, np.array([2.0]), np.array([0.5]), 0.0)
    s = math.sqrt(3.5)
    np.testing.assert_allclose(cache.mean, [3.0])
    np.testing.assert_allclose(cache.var, [3.5])
    np.testing.assert_allclose(
        out.ravel(), [2 * (-2) / s + 0.5, 2 * (-1) / s + 0.5, 0.5, 2 * 3 / s + 0.5]
    )
    # g = [1, 0, 0, 0]: dβ = 1, dγ = x̂₀ = −2/s; mean(g) = 1/4, mean(g·x̂) = −2/(4s) = −1/(2s).
    # dx = γ/s·(g − 1/4 − x̂·(−1/(2s))) = (2/s)·(g − 1/4 + x̂/(2s)), x̂ = [−2, −1, 0, 3]/s.
    dout = np.array([1.0, 0.0, 0.0, 0.0]).reshape(1, 1, 2, 2)
    dx, dgamma, dbeta = batchnorm2d_backward(dout, cache)
    np.testing.assert_allclose(dbeta, [1.0])
    np.testing.assert_allclose(dgamma, [-2 / s])
    want = [
        (2 / s) * (g - 0.25 + xh / (2 * 3.5))
        for g, xh in zip([1, 0, 0, 0], [-2, -1, 0, 3], strict=True)
    ]
    np.testing.assert_allclose(dx.ravel(), want, rtol=1e-12)
    # The three terms of dx add to 0 over the channel: shifting every x alike changes nothing.
    assert abs(dx.sum()) < 1e-12


def test_batchnorm2d_running_statistics_by_hand() -> None:
    # x = [1, 2, 3, 6] (μ = 3, σ² = 3.5, unbiased 3.5·4/3 = 14/3), momentum 0.1, from (0, 1):
    # running_mean = 0.9·0 + 0.1·3 = 0.3; running_var = 0.9·1 + 0.1·14/3 = 0.9 + 0.4666… .
    layer = BatchNorm2d(1)
    x = np.array([1.0, 2.0, 3.0, 6.0]).reshape(1, 1, 2, 2)
    _, cache = layer.forward(x, Params(np.ones(1), np.zeros(1)))
    after = layer.update_buffers(None, x, cache)
    np.testing.assert_allclose(after["running_mean"], [0.3])
    np.testing.assert_allclose(after["running_var"], [0.9 + 1.4 / 3])
    again = layer.update_buffers(after, x, cache)  # 0.9·0.3 + 0.3 = 0.57
    np.testing.assert_allclose(again["running_mean"], [0.57])


def test_batchnorm2d_refuses_one_value_per_channel() -> None:
    assert BatchNorm2d(2).batch_problem(1, (2, 1, 1))
    assert not BatchNorm2d(2).batch_problem(2, (2, 1, 1))
    assert not BatchNorm2d(2).batch_problem(1, (2, 1, 2))


# ---- dropout ---------------------------------------------------------------------------------


def test_the_mask_stream_is_the_same_in_python_integers() -> None:
    for key in [(0, 0, 0), (42, 3, 17), (2**31, 1, 999)]:
        np.testing.assert_array_equal(unit_uniform(key, 50), unit_uniform_naive(key, 50))


def test_the_mask_depends_on_seed_layer_and_iteration_and_keeps_about_1_minus_p() -> None:
    masks = [
        dropout_mask((4, 250), 0.3, key) for key in [(1, 2, 3), (2, 2, 3), (1, 3, 3), (1, 2, 4)]
    ]
    for other in masks[1:]:
        assert not np.array_equal(masks[0], other)
    np.testing.assert_array_equal(masks[0], dropout_mask((4, 250), 0.3, (1, 2, 3)))
    assert 0.65 < masks[0].mean() < 0.75  # 1000 coins, kept with probability 0.7
    u = unit_uniform((5, 0, 0), 10_000)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.02


def test_dropout_by_hand_and_its_edge_cases() -> None:
    # mask [1, 0, 1], p = 0.5: out = x·mask/0.5 = [2, 0, −6]; dx = g·mask·2.
    x, mask = np.array([1.0, 5.0, -3.0]), np.array([1.0, 0.0, 1.0])
    out, cache = dropout_forward(x, 0.5, mask)
    np.testing.assert_array_equal(out, [2.0, 0.0, -6.0])
    np.testing.assert_array_equal(
        dropout_backward(np.array([1.0, 1.0, 0.5]), cache)[0], [2.0, 0.0, 1.0]
    )
    assert dropout_mask((3, 4), 0.0, (1, 1, 1)).all()  # p = 0: everything kept, out = x
    np.testing.assert_array_equal(Dropout(0.0, key=(1, 1, 1)).forward(x, None)[0], x)
    assert not dropout_mask((3, 4), 1.0, (1, 1, 1)).any()  # p = 1: everything dropped, out = 0
    np.testing.assert_array_equal(Dropout(1.0, key=(1, 1, 1)).forward(x, None)[0], [0.0, 0.0, 0.0])


def test_dropout_vectorised_equals_loops_and_finite_differences() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 4))
    mask = dropout_mask(x.shape, 0.4, (9, 1, 2))
    out, cache = dropout_forward(x, 0.4, mask)
    out_n, cache_n = dropout_forward_naive(x, 0.4, mask)
    np.testing.assert_array_equal(out, out_n)
    dout = rng.normal(size=x.shape)
    np.testing.assert_array_equal(
        dropout_backward(dout, cache)[0], dropout_backward_naive(dout, cache_n)[0]
    )
    assert_grad(
        dropout_backward(dout, cache)[0],
        numeric_grad(lambda: float(np.sum(dropout_forward(x, 0.4, mask)[0] * dout)), x),
    )


# ---- adaptive_avgpool2d ----------------------------------------------------------------------


def test_the_window_rule_is_pytorchs() -> None:
    # H = 5 into 3: [0·5/3, ⌈5/3⌉) = [0, 2), [⌊5/3⌋, ⌈10/3⌉) = [1, 4), [⌊10/3⌋, 5) = [3, 5).
    assert [window_bounds(5, 3, r) for r in range(3)] == [(0, 2), (1, 4), (3, 5)]
    assert [window_bounds(6, 3, r) for r in range(3)] == [(0, 2), (2, 4), (4, 6)]
    assert window_bounds(7, 1, 0) == (0, 7)  # global pooling
    assert [window_bounds(2, 3, r) for r in range(3)] == [(0, 1), (0, 2), (1, 2)]  # out > in


ADAPTIVE = [  # windows that tile the map (a reshape in the engine) and windows that do not
    ((1, 1, 4, 4), (1, 1)),
    ((2, 3, 5, 7), (3, 2)),
    ((1, 2, 6, 6), (3, 3)),
    ((2, 1, 2, 3), (3, 4)),
    ((2, 2, 4, 6), (2, 3)),
    ((1, 1, 3, 3), (3, 3)),
    ((2, 1, 6, 4), (3, 4)),
]


@pytest.mark.parametrize(("shape", "size"), ADAPTIVE)
def test_adaptive_avgpool2d_loops_and_finite_differences(
    shape: tuple[int, ...], size: tuple[int, int]
) -> None:
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=shape)
    out, cache = adaptive_avgpool2d_forward(x, size)
    np.testing.assert_allclose(out, adaptive_avgpool2d_forward_naive(x, size)[0], rtol=1e-13)
    dout = rng.normal(size=out.shape)
    dx = adaptive_avgpool2d_backward(dout, cache)[0]
    assert dx.flags.writeable and dx.shape == x.shape
    np.testing.assert_allclose(dx, adaptive_avgpool2d_backward_naive(dout, cache)[0], rtol=1e-13)
    assert_grad(
        dx, numeric_grad(lambda: float(np.sum(adaptive_avgpool2d_forward(x, size)[0] * dout)), x)
    )
    assert AdaptiveAvgPool2d(size).output_shape(shape[1:]) == (shape[1], *size)


def test_global_average_pooling_by_hand() -> None:
    x = np.array([1.0, 2.0, 3.0, 6.0]).reshape(1, 1, 2, 2)
    out, cache = adaptive_avgpool2d_forward(x, (1, 1))
    assert out.ravel().tolist() == [3.0]  # 12/4
    np.testing.assert_array_equal(
        adaptive_avgpool2d_backward(np.array([[[[2.0]]]]), cache)[0].ravel(), [0.5] * 4
    )


# ---- Adam and RMSprop ------------------------------------------------------------------------


def test_adam_by_hand() -> None:
    # η = 0.1, β = (0.9, 0.999), ε = 1e-8, W = 1, dW = 2.
    # t = 1: m = 0.1·2 = 0.2, v = 0.001·4 = 0.004; m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4:
    # W = 1 − 0.1·2/(2 + 1e-8) ≈ 0.9 (the first step is η·sign(g)).
    opt = Adam(0.1)
    w1, s1 = adam_step(np.array([1.0]), np.array([2.0]), None, 1, opt)
    np.testing.assert_allclose(s1["exp_avg"], [0.2])
    np.testing.assert_allclose(s1["exp_avg_sq"], [0.004])
    np.testing.assert_allclose(w1, [1 - 0.1 * 2 / (2 + 1e-8)], rtol=1e-14)
    # t = 2, dW = −1: m = 0.9·0.2 − 0.1 = 0.08, v = 0.999·0.004 + 0.001 = 0.004996;
    # m̂ = 0.08/0.19, v̂ = 0.004996/(1 − 0.999²) = 0.004996/0.001999.
    w2, s2 = adam_step(w1, np.array([-1.0]), s1, 2, opt)
    np.testing.assert_allclose(s2["exp_avg"], [0.08], rtol=1e-13)
    np.testing.assert_allclose(s2["exp_avg_sq"], [0.004996], rtol=1e-13)
    m_hat, v_hat = 0.08 / 0.19, 0.004996 / 0.001999
    np.testing.assert_allclose(w2, w1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rtol=1e-13)


def test_adam_weight_decay_is_l2_on_the_gradient() -> None:
    # λ = 0.5, W = 2, dW = 1: g = 1 + 0.5·2 = 2, m = 0.2, v = 0.004 (as above).
    _, state = adam_step(np.array([2.0]), np.array([1.0]), None, 1, Adam(0.1, weight_decay=0.5))
    np.testing.assert_allclose(state["exp_avg"], [0.2])
    np.testing.assert_allclose(state["exp_avg_sq"], [0.004])


def test_rmsprop_by_hand() -> None:
    # η = 0.01, α = 0.99, W = 1, dW = 2: s = 0.01·4 = 0.04, W = 1 − 0.01·2/(0.2 + 1e-8).
    w1, s1 = rmsprop_step(np.array([1.0]), np.array([2.0]), None, RMSprop(0.01))
    np.testing.assert_allclose(s1["square_avg"], [0.04])
    np.testing.assert_allclose(w1, [1 - 0.01 * 2 / (0.2 + 1e-8)], rtol=1e-14)
    # Next, dW = 1: s = 0.99·0.04 + 0.01 = 0.0496.
    _, s2 = rmsprop_step(w1, np.array([1.0]), s1, RMSprop(0.01))
    np.testing.assert_allclose(s2["square_avg"], [0.0496], rtol=1e-13)


@pytest.mark.parametrize("decay", [0.0, 0.05])
def test_optimizer_steps_equal_their_loops(decay: float) -> None:
    rng = np.random.default_rng(11)
    w, state_a, state_r = rng.normal(size=(3, 4)), None, None
    adam, rms = Adam(0.01, (0.8, 0.99), 1e-6, decay), RMSprop(0.02, 0.9, 1e-7, decay)
    for t in range(1, 5):
        g = rng.normal(size=w.shape)
        got = adam_step(w, g, state_a, t, adam)
        want = adam_step_naive(w, g, state_a, t, adam)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
        for name in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_allclose(got[1][name], want[1][name], rtol=1e-12)
        got_r, want_r = rmsprop_step(w, g, state_r, rms), rmsprop_step_naive(w, g, state_r, rms)
        np.testing.assert_allclose(got_r[0], want_r[0], rtol=1e-12)
        state_a, state_r = got[1], got_r[1]


def test_training_threads_the_optimizer_state_and_its_step_count() -> None:
    layers = (Flatten(), Linear(2, 1))
    params = (None, Params(np.array([[1.0, -1.0]]), np.array([0.0])))
    x, y = np.array([[[[1.0, 2.0]]]]), np.array([[0.0]])
    first = train_iteration(layers, params, x, y, "mse", Adam(0.1))
    lr1 = first.layers[1]
    assert lr1.opt_state is None and lr1.opt_state_after is not None
    assert lr1.opt_state_after.step == 1 and set(lr1.opt_state_after.buffers) == {
        "exp_avg",
        "exp_avg_sq",
    }
    assert first.layers[0].opt_state_after is None  # flatten: no parameters
    assert lr1.velocity is None and lr1.velocity_after is None  # (SGD's)
    second = train_iteration(
        layers,
        tuple(r.params_after for r in first.layers),
        x,
        y,
        "mse",
        Adam(0.1),
        1,
        (),
        tuple(r.opt_state_after for r in first.layers),
    )
    assert (
        second.layers[1].opt_state_after is not None and second.layers[1].opt_state_after.step == 2
    )
    # Plain SGD keeps no state; with momentum the velocity is the momentum_buffer.
    plain = train_iteration(layers, params, x, y, "mse", SGD(0.1))
    assert plain.layers[1].opt_state_after is None
    heavy = train_iteration(layers, params, x, y, "mse", SGD(0.1, 0.9))
    assert heavy.layers[1].velocity_after is not None


def test_training_keys_the_dropout_mask_and_keeps_running_statistics() -> None:
    layers = (BatchNorm2d(1), Dropout(0.5), Flatten(), Linear(4, 1))
    params = (Params(np.ones(1), np.zeros(1)), None, None, Params(np.ones((1, 4)), np.zeros(1)))
    x, y = np.arange(8.0).reshape(2, 1, 2, 2), np.zeros((2, 1))
    a = train_iteration(layers, params, x, y, "mse", SGD(0.1), 3, (), None, None, seed=5)
    b = train_iteration(layers, params, x, y, "mse", SGD(0.1), 3, (), None, None, seed=5)
    c = train_iteration(layers, params, x, y, "mse", SGD(0.1), 4, (), None, None, seed=5)
    np.testing.assert_array_equal(
        a.layers[1].cache.mask, dropout_mask((2, 1, 2, 2), 0.5, (5, 1, 3))
    )
    np.testing.assert_array_equal(a.layers[1].cache.mask, b.layers[1].cache.mask)
    assert not np.array_equal(a.layers[1].cache.mask, c.layers[1].cache.mask)
    bn = a.layers[0]
    assert bn.buffers is None and bn.buffers_after is not None
    np.testing.assert_allclose(bn.buffers_after["running_mean"], [0.1 * 3.5])  # mean of 0…7
    assert a.layers[1].buffers_after is None
