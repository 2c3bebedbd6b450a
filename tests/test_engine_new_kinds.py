"""The kinds of issue 9 — avgpool2d, tanh, sigmoid, leaky_relu — and SGD with momentum and
weight decay: loop form == vectorised form, centred finite differences, hand-computed cases.

The expected numbers of the hand-computed tests are worked out in the comments beside them;
gradients are compared with centred finite differences, never with the engine's own output.
"""

import math

import numpy as np
import pytest
from test_engine_layers import assert_grad, numeric_grad

from stepcnn.engine import (
    avgpool2d_backward,
    avgpool2d_forward,
    cross_entropy,
    leaky_relu_backward,
    leaky_relu_forward,
    mse,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from stepcnn.engine.kinds.avgpool2d import (
    AvgPool2d,
    avgpool2d_backward_naive,
    avgpool2d_forward_naive,
)
from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.kinds.flatten import Flatten
from stepcnn.engine.kinds.leaky_relu import (
    LeakyReLU,
    leaky_relu_backward_naive,
    leaky_relu_forward_naive,
)
from stepcnn.engine.kinds.linear import Linear
from stepcnn.engine.kinds.sigmoid import Sigmoid, sigmoid_backward_naive, sigmoid_forward_naive
from stepcnn.engine.kinds.tanh import Tanh, tanh_backward_naive, tanh_forward_naive
from stepcnn.engine.layers import Params, shapes_through
from stepcnn.engine.network import train_iteration
from stepcnn.engine.optim import SGD, OptState, sgd_step, sgd_step_naive
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

# ---- loop form == vectorised form ------------------------------------------------------------


def _random_pool_cases(count: int, seed: int) -> list[tuple[int, ...]]:
    """(batch, C, H, W, kh, kw, sh, sw), stride often ≠ kernel (gaps, overlaps, floor mode)."""
    rng = np.random.default_rng(seed)
    cases: list[tuple[int, ...]] = []
    while len(cases) < count:
        n, c = (int(v) for v in rng.integers(1, 4, size=2))
        h, w = (int(v) for v in rng.integers(1, 10, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
        sh, sw = (int(v) for v in rng.integers(1, 5, size=2))
        if h >= kh and w >= kw:
            cases.append((n, c, h, w, kh, kw, sh, sw))
    return cases


AVG_CASES = [
    (1, 1, 4, 4, 2, 2, 2, 2),
    (2, 3, 5, 7, 2, 3, 1, 2),  # overlapping windows along the rows
    (2, 2, 7, 7, 3, 3, 2, 2),  # overlapping both ways
    (1, 2, 5, 5, 2, 2, 3, 3),  # stride larger than the window: cells nobody reads
    (3, 1, 7, 5, 3, 1, 2, 1),  # rectangular window
    (2, 2, 7, 7, 3, 3, 3, 3),  # floor mode: the last row and column are dropped
]


@pytest.mark.parametrize("case", AVG_CASES + _random_pool_cases(24, seed=91))
def test_avgpool2d_vectorised_equals_loops(case: tuple[int, ...]) -> None:
    n, c, h, w, kh, kw, sh, sw = case
    rng = np.random.default_rng(sum(case))
    x = rng.normal(size=(n, c, h, w))
    out, cache = avgpool2d_forward(x, (kh, kw), (sh, sw))
    out_n, cache_n = avgpool2d_forward_naive(x, (kh, kw), (sh, sw))
    assert out.shape == (n, c, (h - kh) // sh + 1, (w - kw) // sw + 1)
    assert AvgPool2d((kh, kw), (sh, sw)).output_shape((c, h, w)) == out.shape[1:]
    np.testing.assert_allclose(out, out_n, rtol=1e-12, atol=1e-12)
    dout = rng.normal(size=out.shape)
    dx, dw, db = avgpool2d_backward(dout, cache)
    dx_n, _, _ = avgpool2d_backward_naive(dout, cache_n)
    assert dw is None and db is None and dx.shape == x.shape
    np.testing.assert_allclose(dx, dx_n, rtol=1e-12, atol=1e-12)


def _activation_input(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Normal numbers, with exact zeros, huge magnitudes and a NaN mixed in."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape) * 3
    flat = x.reshape(-1)
    flat[::5] = 0.0
    flat[1::7] = 800.0
    flat[2::7] = -800.0
    flat[3::11] = np.nan
    return x


ELEMENTWISE = {
    "tanh": (tanh_forward, tanh_backward, tanh_forward_naive, tanh_backward_naive),
    "sigmoid": (sigmoid_forward, sigmoid_backward, sigmoid_forward_naive, sigmoid_backward_naive),
    "leaky_relu": (
        lambda x: leaky_relu_forward(x, 0.2),
        leaky_relu_backward,
        lambda x: leaky_relu_forward_naive(x, 0.2),
        leaky_relu_backward_naive,
    ),
}


@pytest.mark.parametrize("kind", list(ELEMENTWISE))
@pytest.mark.parametrize("shape", [(1, 5), (3, 2, 4, 4), (2, 13), (2, 3, 1, 7)])
def test_activations_vectorised_equal_loops(kind: str, shape: tuple[int, ...]) -> None:
    forward, backward, forward_naive, backward_naive = ELEMENTWISE[kind]
    x = _activation_input(shape, seed=len(shape) + shape[-1])
    dout = np.random.default_rng(1).normal(size=shape)
    with np.errstate(over="raise", invalid="raise"):  # the huge inputs overflow nothing
        out, cache = forward(x)
        dx, dw, db = backward(dout, cache)
    with np.errstate(all="ignore"):  # the loop forms' np.exp(800) may overflow on its way
        out_n, cache_n = forward_naive(x)
        dx_n, _, _ = backward_naive(dout, cache_n)
    assert dw is None and db is None
    assert out.shape == x.shape and dx.shape == x.shape
    np.testing.assert_allclose(out, out_n, rtol=1e-15, atol=0, equal_nan=True)
    np.testing.assert_allclose(dx, dx_n, rtol=1e-15, atol=0, equal_nan=True)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))


# ---- centred finite differences ------------------------------------------------------------


@pytest.mark.parametrize("case", [AVG_CASES[1], AVG_CASES[2], AVG_CASES[3], AVG_CASES[5]])
def test_avgpool2d_gradient_matches_finite_differences(case: tuple[int, ...]) -> None:
    n, c, h, w, kh, kw, sh, sw = case
    rng = np.random.default_rng(13)
    x = rng.normal(size=(n, c, h, w))
    out, cache = avgpool2d_forward(x, (kh, kw), (sh, sw))
    r = rng.normal(size=out.shape)

    def f() -> float:
        return float(np.sum(avgpool2d_forward(x, (kh, kw), (sh, sw))[0] * r))

    assert_grad(avgpool2d_backward(r, cache)[0], numeric_grad(f, x))


@pytest.mark.parametrize("kind", list(ELEMENTWISE))
def test_activation_gradients_match_finite_differences(kind: str) -> None:
    forward, backward, _, _ = ELEMENTWISE[kind]
    rng = np.random.default_rng(17)
    # Kept at least 0.1 away from 0 (leaky_relu's kink); magnitudes up to a few units, where
    # tanh and sigmoid bend most.
    x = rng.choice([-1.0, 1.0], size=(2, 3, 3, 3)) * (0.1 + np.abs(rng.normal(size=(2, 3, 3, 3))))
    r = rng.normal(size=x.shape)

    def f() -> float:
        return float(np.sum(forward(x)[0] * r))

    assert_grad(backward(r, forward(x)[1])[0], numeric_grad(f, x))


def _random_params(layers, seed: int) -> tuple[Params | None, ...]:
    rng = np.random.default_rng(seed)
    result = []
    for layer in layers:
        shapes = layer.param_shapes()
        result.append(
            None
            if shapes is None
            else Params(rng.normal(size=shapes[0]) * 0.5, rng.normal(size=shapes[1]) * 0.1)
        )
    return tuple(result)


def _loss(layers, params, x, y, loss: str) -> float:
    out = x
    for layer, p in zip(layers, params, strict=True):
        out, _ = layer.forward(out, p)
    return cross_entropy(out, y)[0] if loss == "cross_entropy" else mse(out, y)[0]


LENET_LIKE = (
    Conv2d(2, 3, (3, 3), (1, 1), (1, 1)),
    Tanh(),
    AvgPool2d((3, 3), (2, 2)),  # stride ≠ kernel: overlapping windows
    Conv2d(3, 2, (2, 2)),
    Sigmoid(),
    Flatten(),
    Linear(8, 4),
    LeakyReLU(0.3),
    Linear(4, 3),
)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_network_of_every_new_kind_matches_finite_differences(loss: str) -> None:
    # By hand: 2×7×7 → conv 3×3 pad 1: 3×7×7 → avgpool 3/2: (7 − 3)/2 + 1 = 3 → 3×3×3 →
    # conv 2×2: 2×2×2 → flatten 8 → linear 4 → linear 3.
    assert shapes_through(LENET_LIKE, (2, 7, 7)) == [
        (2, 7, 7),
        (3, 7, 7),
        (3, 7, 7),
        (3, 3, 3),
        (2, 2, 2),
        (2, 2, 2),
        (8,),
        (4,),
        (4,),
        (3,),
    ]
    rng = np.random.default_rng(23)
    x = rng.normal(size=(2, 2, 7, 7))
    y = np.array([0, 2], dtype=np.intp) if loss == "cross_entropy" else rng.normal(size=(2, 3))
    params = _random_params(LENET_LIKE, seed=24)
    record = train_iteration(LENET_LIKE, params, x, y, loss, SGD(0.1, 0.9, 0.01))

    def f() -> float:
        return _loss(LENET_LIKE, params, x, y, loss)

    assert record.loss == pytest.approx(f(), rel=1e-12)
    # The leaky ReLU sees no input within the finite-difference step of its kink.
    assert np.abs(record.layers[7].input).min() > 1e-4
    for layer_record, p in zip(record.layers, params, strict=True):
        if p is None:
            continue
        assert layer_record.grads is not None
        assert_grad(layer_record.grads.weight, numeric_grad(f, p.weight))
        assert_grad(layer_record.grads.bias, numeric_grad(f, p.bias))
    assert_grad(record.layers[0].grad_input, numeric_grad(f, x))


def test_weight_decay_is_the_gradient_of_the_l2_penalty() -> None:
    """g = dW + λ·W is the gradient of L + λ/2·‖W‖² (every parameter, biases too, as one
    torch parameter group): checked against finite differences of that penalised loss."""
    layers = (Conv2d(1, 2, (2, 2)), Tanh(), AvgPool2d((2, 2), (1, 1)), Flatten(), Linear(8, 2))
    rng = np.random.default_rng(29)
    x, y = rng.normal(size=(2, 1, 4, 4)), np.array([1, 0], dtype=np.intp)
    params = _random_params(layers, seed=30)
    lam, eta = 0.3, 0.5
    record = train_iteration(layers, params, x, y, "cross_entropy", SGD(eta, 0.0, lam))

    def penalised() -> float:
        squares = sum(float((q**2).sum()) for p in params if p is not None for q in p)
        return _loss(layers, params, x, y, "cross_entropy") + lam / 2 * squares

    for lr, p in zip(record.layers, params, strict=True):
        if p is None:
            continue
        assert lr.params_after is not None and lr.velocity_after is None  # μ = 0: no velocity
        for before, after in ((p.weight, lr.params_after.weight), (p.bias, lr.params_after.bias)):
            step = (before - after) / eta  # the g the update used
            assert_grad(step, numeric_grad(penalised, before))


# ---- SGD with momentum and weight decay: the vectorised step, the loop, a hand loop ----------


@pytest.mark.parametrize(
    ("momentum", "weight_decay"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01), (0.5, 0.2)]
)
def test_sgd_step_vectorised_equals_loops(momentum: float, weight_decay: float) -> None:
    rng = np.random.default_rng(31)
    opt = SGD(0.1, momentum, weight_decay)
    w = rng.normal(size=(3, 2, 2, 2))
    v: np.ndarray | None = None
    v_n: np.ndarray | None = None
    w_n = w.copy()
    for _ in range(4):
        g = rng.normal(size=w.shape)
        w, v = sgd_step(w, g, v, opt)
        w_n, v_n = sgd_step_naive(w_n, g, v_n, opt)
        np.testing.assert_allclose(w, w_n, rtol=1e-15, atol=1e-15)
        if momentum:
            assert v is not None and v_n is not None
            np.testing.assert_allclose(v, v_n, rtol=1e-15, atol=1e-15)
        else:
            assert v is None and v_n is None


def test_momentum_update_by_hand_two_iterations() -> None:
    opt = SGD(learning_rate=0.1, momentum=0.9, weight_decay=0.1)
    w0 = np.array([1.0, -2.0])
    # Iteration 0: g = dW + λ·W = [0.5 + 0.1, −4 − 0.2] = [0.6, −4.2]; v = g (no velocity yet);
    #   W = W − η·v = [1 − 0.06, −2 + 0.42] = [0.94, −1.58].
    w1, v1 = sgd_step(w0, np.array([0.5, -4.0]), None, opt)
    assert v1 is not None
    np.testing.assert_allclose(v1, [0.6, -4.2], rtol=1e-14)
    np.testing.assert_allclose(w1, [0.94, -1.58], rtol=1e-14)
    # Iteration 1: dW = [1, 2]; g = [1 + 0.094, 2 − 0.158] = [1.094, 1.842];
    #   v = 0.9·[0.6, −4.2] + g = [0.54 + 1.094, −3.78 + 1.842] = [1.634, −1.938];
    #   W = [0.94 − 0.1634, −1.58 + 0.1938] = [0.7766, −1.3862].
    w2, v2 = sgd_step(w1, np.array([1.0, 2.0]), v1, opt)
    assert v2 is not None
    np.testing.assert_allclose(v2, [1.634, -1.938], rtol=1e-14)
    np.testing.assert_allclose(w2, [0.7766, -1.3862], rtol=1e-14)
    np.testing.assert_array_equal(w0, [1.0, -2.0])  # new arrays; the old ones are unchanged
    np.testing.assert_allclose(v1, [0.6, -4.2], rtol=1e-14)


ONE_WEIGHT = """
title = "one weight"
learning_rate = 0.1
momentum = 0.5
weight_decay = 0.1
loss = "mse"
batch_size = 1
iterations = 2
[[samples]]
input = [[[2.0]]]
target = [0.0]
[[layers]]
type = "flatten"
[[layers]]
type = "linear"
out_features = 1
weight = [[1.0]]
bias = [0.0]
"""


def test_momentum_training_by_hand_through_a_scenario() -> None:
    """out = 2w + b, t = 0, L = out²: dL/dw = 2·out·2, dL/db = 2·out.

    Iteration 0: w = 1, b = 0 → out = 2, dW = 8, db = 4; g_w = 8 + 0.1·1 = 8.1, g_b = 4 + 0 = 4;
      v = g (first); w = 1 − 0.81 = 0.19, b = 0 − 0.4 = −0.4.
    Iteration 1: out = 0.38 − 0.4 = −0.02, dW = −0.08, db = −0.04;
      g_w = −0.08 + 0.019 = −0.061, g_b = −0.04 − 0.04 = −0.08;
      v_w = 0.5·8.1 − 0.061 = 3.989, v_b = 0.5·4 − 0.08 = 1.92;
      w = 0.19 − 0.3989 = −0.2089, b = −0.4 − 0.192 = −0.592.
    """
    run = TrainingRun(parse_scenario(ONE_WEIGHT, "one.toml"))
    first, second = run.record(0).layers[1], run.record(1).layers[1]
    assert first.velocity is None  # no velocity before the first update
    assert first.grads is not None and first.velocity_after is not None
    assert first.params_after is not None
    np.testing.assert_allclose(first.grads.weight, [[8.0]], rtol=1e-14)
    np.testing.assert_allclose(first.grads.bias, [4.0], rtol=1e-14)
    np.testing.assert_allclose(first.velocity_after.weight, [[8.1]], rtol=1e-14)
    np.testing.assert_allclose(first.velocity_after.bias, [4.0], rtol=1e-14)
    np.testing.assert_allclose(first.params_after.weight, [[0.19]], rtol=1e-14)
    np.testing.assert_allclose(first.params_after.bias, [-0.4], rtol=1e-14)
    assert second.velocity is not None and second.grads is not None
    assert second.velocity_after is not None and second.params_after is not None
    np.testing.assert_allclose(second.velocity.weight, [[8.1]], rtol=1e-14)
    np.testing.assert_allclose(second.grads.weight, [[-0.08]], rtol=1e-12)
    np.testing.assert_allclose(second.grads.bias, [-0.04], rtol=1e-12)
    np.testing.assert_allclose(second.velocity_after.weight, [[3.989]], rtol=1e-13)
    np.testing.assert_allclose(second.velocity_after.bias, [1.92], rtol=1e-13)
    np.testing.assert_allclose(second.params_after.weight, [[-0.2089]], rtol=1e-13)
    np.testing.assert_allclose(second.params_after.bias, [-0.592], rtol=1e-13)


def _hand_training(layers, params, batches, loss: str, eta: float, mu: float, lam: float):
    """torch.optim.SGD written out: per parameter tensor, g = dW + λW; v = g at the first
    iteration, else μv + g; W −= η·v. Gradients from finite differences of the loss."""
    weights = [[p.weight.copy(), p.bias.copy()] if p is not None else None for p in params]
    velocity: list[list[np.ndarray] | None] = [None] * len(layers)
    history = []
    for x, y in batches:
        current = tuple(None if w is None else Params(w[0], w[1]) for w in weights)

        def f(current=current, x=x, y=y) -> float:
            return _loss(layers, current, x, y, loss)

        grads = [
            None if p is None else [numeric_grad(f, p.weight), numeric_grad(f, p.bias)]
            for p in current
        ]
        for i, g in enumerate(grads):
            if g is None:
                continue
            steps = []
            for t in range(2):
                d = g[t] + lam * weights[i][t]
                prev = velocity[i]
                steps.append(d if prev is None or mu == 0 else mu * prev[t] + d)
            velocity[i] = steps if mu else None
            weights[i] = [weights[i][t] - eta * steps[t] for t in range(2)]
        history.append(
            (
                [None if w is None else [a.copy() for a in w] for w in weights],
                [None if v is None else [a.copy() for a in v] for v in velocity],
            )
        )
    return history


def test_momentum_and_weight_decay_training_over_several_iterations_equals_a_hand_loop() -> None:
    layers = (
        Conv2d(1, 2, (2, 2), (2, 2)),
        LeakyReLU(0.1),
        AvgPool2d((2, 1), (1, 1)),
        Flatten(),
        Linear(4, 2),
        Sigmoid(),
    )
    rng = np.random.default_rng(37)
    xs = rng.normal(size=(3, 2, 1, 4, 4))
    ys = rng.normal(size=(3, 2, 2)) * 0.5
    params = _random_params(layers, seed=38)
    eta, mu, lam = 0.5, 0.8, 0.05
    hand = _hand_training(layers, params, list(zip(xs, ys, strict=True)), "mse", eta, mu, lam)
    state = params
    opt_state: tuple[OptState | None, ...] | None = None  # the velocities, as PyTorch names them
    opt = SGD(eta, mu, lam)
    for it, ((x, y), (w_hand, v_hand)) in enumerate(
        zip(zip(xs, ys, strict=True), hand, strict=True)
    ):
        record = train_iteration(layers, state, x, y, "mse", opt, it, (), opt_state)
        for i, lr in enumerate(record.layers):
            if w_hand[i] is None:
                assert lr.params_after is None and lr.velocity_after is None
                continue
            assert lr.params_after is not None and lr.velocity_after is not None
            # velocity before the update: none at the first iteration, then the last one's
            assert (lr.velocity is None) == (it == 0)
            for got, want in zip(lr.params_after, w_hand[i], strict=True):
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
            for got, want in zip(lr.velocity_after, v_hand[i], strict=True):
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
        state = tuple(lr.params_after for lr in record.layers)
        opt_state = tuple(lr.opt_state_after for lr in record.layers)


def test_sgd_describes_the_optimizer() -> None:
    assert SGD(0.1).describe() == "SGD (η = 0.1)"
    assert SGD(0.1, 0.9, 0.0005).describe() == "SGD (η = 0.1, momentum 0.9, weight decay 0.0005)"


# ---- hand-computed cases, PyTorch semantics ----------------------------------------------------


def test_tanh_by_hand() -> None:
    # tanh(0.5) = (e^0.5 − e^−0.5)/(e^0.5 + e^−0.5) = (e − 1)/(e + 1)
    #           = 1.718281828459045/3.718281828459045 = 0.46211715726000974;
    # tanh(−0.5) = −tanh(0.5); tanh(0) = 0; tanh(±1000) = ±1 (saturated).
    x = np.array([0.5, -0.5, 0.0, 1000.0, -1000.0, np.nan])
    y, cache = tanh_forward(x)
    np.testing.assert_allclose(y[:5], [0.46211715726000974, -0.46211715726000974, 0, 1, -1])
    assert np.isnan(y[5])
    # dx = g·(1 − y²): 1 − 0.46211715726000974² = 1 − 0.21355226703... = 0.7864477329659274;
    # at 0 the derivative is 1; saturated, 0.
    dx, _, _ = tanh_backward(np.full(6, 2.0), cache)
    np.testing.assert_allclose(dx[:5], [1.5728954659318548, 1.5728954659318548, 2.0, 0, 0])
    assert np.isnan(dx[5])


def test_sigmoid_by_hand_and_for_large_inputs() -> None:
    # σ(0) = 1/2; σ(ln 3) = 1/(1 + 1/3) = 3/4; σ(−ln 3) = 1/(1 + 3) = 1/4.
    # Large |x| as PyTorch: σ(800) = 1 exactly; σ(−800) = 1/(1 + e^800) = 0 (e^800 is inf);
    # σ(−40) = e^−40/(1 + e^−40) = 4.248354255291589e−18 (tiny, not 0).
    x = np.array([0.0, math.log(3), -math.log(3), 800.0, -800.0, -40.0, np.nan])
    with np.errstate(over="raise", invalid="raise"):  # e^−800 may underflow to 0, as in IEEE
        y, cache = sigmoid_forward(x)
        # dx = g·y·(1 − y): 1/4 at 0, 3/16 at ±ln 3, 0 when saturated.
        dx, _, _ = sigmoid_backward(np.full(7, 4.0), cache)
    np.testing.assert_allclose(y[:6], [0.5, 0.75, 0.25, 1.0, 0.0, 4.248354255291589e-18])
    assert y[3] == 1.0 and y[4] == 0.0
    np.testing.assert_allclose(dx[:6], [1.0, 0.75, 0.75, 0.0, 0.0, 4 * 4.248354255291589e-18])
    assert np.isnan(y[6]) and np.isnan(dx[6])
    assert Sigmoid().output_shape((3, 2, 2)) == (3, 2, 2) and Sigmoid().param_shapes() is None


def test_leaky_relu_by_hand_at_zero_and_nan_like_pytorch() -> None:
    # slope 0.1: −2 → −0.2; 0 → 0.1·0 = 0; 3 → 3; NaN → NaN (NaN > 0 is false: 0.1·NaN).
    x = np.array([-2.0, 0.0, 3.0, np.nan])
    out, cache = leaky_relu_forward(x, 0.1)
    np.testing.assert_allclose(out[:3], [-0.2, 0.0, 3.0])
    assert np.isnan(out[3])
    # Backward, as torch's leaky_relu_backward (x > 0 ? g : g·slope): at exactly 0 and at a
    # NaN input the gradient is scaled by the slope.
    dx, dw, db = leaky_relu_backward(np.full(4, 5.0), cache)
    np.testing.assert_allclose(dx, [0.5, 0.5, 5.0, 0.5])
    assert dw is None and db is None
    # The default slope is PyTorch's, 0.01.
    assert LeakyReLU().negative_slope == 0.01
    np.testing.assert_allclose(leaky_relu_forward(np.array([-1.0]))[0], [-0.01])


def test_avgpool2d_by_hand_4x4() -> None:
    x = np.arange(16.0).reshape(1, 1, 4, 4)  # rows [0 1 2 3], [4 5 6 7], [8 …], [12 …]
    out, cache = avgpool2d_forward(x, (2, 2), (2, 2))
    # (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5, (8+9+12+13)/4 = 10.5, (10+11+14+15)/4 = 12.5
    np.testing.assert_array_equal(out[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    dx, _, _ = avgpool2d_backward(np.array([[[[4.0, 8.0], [12.0, 16.0]]]]), cache)
    # Every cell of a window gets g/4 — all four, not one winner.
    np.testing.assert_array_equal(
        dx[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    )


def test_avgpool2d_floor_mode_with_overlapping_windows() -> None:
    x = np.arange(25.0).reshape(1, 1, 5, 5)  # x[r, c] = 5r + c
    out, cache = avgpool2d_forward(x, (3, 3), (2, 2))
    # H_out = (5 − 3)/2 + 1 = 2. A 3×3 window of 5r + c has the mean of its centre:
    # centres (1,1) = 6, (1,3) = 8, (3,1) = 16, (3,3) = 18.
    np.testing.assert_allclose(out[0, 0], [[6, 8], [16, 18]])
    dx, _, _ = avgpool2d_backward(np.full((1, 1, 2, 2), 9.0), cache)
    # g/9 = 1 per window covering a cell: rows 0, 1, 3, 4 are in one window, row 2 in two;
    # so dx = rows ⊗ cols of [1, 1, 2, 1, 1] (4 at the centre, where all four windows meet).
    cover = np.array([1.0, 1, 2, 1, 1])
    np.testing.assert_allclose(dx[0, 0], np.outer(cover, cover))


def test_avgpool2d_floor_mode_drops_the_cells_no_window_reaches() -> None:
    x = np.ones((1, 1, 7, 7))
    x[0, 0, 6, :] = 100.0  # the last row: read only in ceil mode
    out, cache = avgpool2d_forward(x, (3, 3), (3, 3))
    # Floor mode: (7 − 3)/3 + 1 = 2 windows per axis (rows 0–2, 3–5); row 6 is never read.
    np.testing.assert_array_equal(out[0, 0], np.ones((2, 2)))
    dx, _, _ = avgpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    np.testing.assert_array_equal(dx[0, 0, 6], np.zeros(7))
    np.testing.assert_array_equal(dx[0, 0, :, 6], np.zeros(7))
    np.testing.assert_allclose(dx[0, 0, :6, :6], np.full((6, 6), 1 / 9))
    # Kernel 2, stride 3 on 5: windows at rows 0–1 and 3–4; row 2 is skipped.
    _, cache = avgpool2d_forward(np.ones((1, 1, 5, 5)), (2, 2), (3, 3))
    dx, _, _ = avgpool2d_backward(np.full((1, 1, 2, 2), 4.0), cache)
    np.testing.assert_array_equal(dx[0, 0, 2], np.zeros(5))
    np.testing.assert_array_equal(dx[0, 0, 0], [1, 1, 0, 1, 1])


DEFAULTS = """
title = "defaults"
learning_rate = 0.1
loss = "mse"
[[samples]]
input = [[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [0, 0, 0, 0]]]
target = [[[0.0, 0.0], [0.0, 0.0]]]
[[layers]]
type = "avgpool2d"
kernel_size = 2
[[layers]]
type = "leaky_relu"
[[layers]]
type = "tanh"
[[layers]]
type = "sigmoid"
"""


def test_scenario_layers_of_the_new_kinds_take_pytorch_defaults() -> None:
    """avgpool2d's stride defaults to its kernel (AvgPool2d(k)), leaky_relu's slope to 0.01;
    momentum and weight decay default to 0 (plain SGD, no velocity kept)."""
    scenario = parse_scenario(DEFAULTS, "defaults.toml")
    pool, leaky, tanh, sigmoid = scenario.layers
    assert pool == AvgPool2d((2, 2), (2, 2))
    assert scenario.shapes[1] == (1, 2, 2)  # (4 − 2)/2 + 1 = 2
    assert leaky == LeakyReLU(0.01)
    assert (tanh, sigmoid) == (Tanh(), Sigmoid())
    assert scenario.optimizer == SGD(0.1, 0.0, 0.0)
    record = TrainingRun(scenario).record(0)
    # Means of the 2×2 windows: (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, (9+10)/4 = 4.75, 5.75.
    np.testing.assert_allclose(record.layers[0].output[0, 0], [[3.5, 5.5], [4.75, 5.75]])
