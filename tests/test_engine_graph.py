"""The engine's graph: layers reading any earlier output, and a fork's gradients adding up.

Checked without the code under test deciding the answer: a chain given as a graph equals the
chain; the gradient of a tensor read twice equals centred finite differences of the loss and
the hand sum of its readers' gradients.
"""

from typing import Any, ClassVar

import numpy as np
import pytest

from stepcnn.engine.graph import INPUT, Graph, Use, sum_gradients, sum_gradients_naive
from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.kinds.flatten import Flatten
from stepcnn.engine.kinds.linear import Linear
from stepcnn.engine.kinds.relu import ReLU
from stepcnn.engine.kinds.tanh import Tanh
from stepcnn.engine.layers import Params, ShapeKeeping, shapes_read, shapes_through
from stepcnn.engine.network import train_iteration
from stepcnn.engine.optim import SGD
from stepcnn.engine.types import Array


class Sum(ShapeKeeping):
    """A merge written here, not the engine's: ``out = a + b``, each input gets ``dout``."""

    type: ClassVar[str] = "sum"

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return x.copy(), None

    def forward_inputs(self, xs: tuple[Array, ...], params: Params | None) -> tuple[Array, Any]:
        out = xs[0].copy()
        for other in xs[1:]:
            out = out + other
        return out, None

    def backward(self, dout: Array, cache: Any) -> tuple[Array, None, None]:
        return dout, None, None


def _params(layers: tuple[Any, ...], rng: np.random.Generator) -> tuple[Params | None, ...]:
    out: list[Params | None] = []
    for layer in layers:
        shapes = layer.param_shapes()
        out.append(
            None
            if shapes is None
            else Params(rng.normal(size=shapes[0]), rng.normal(size=shapes[1]))
        )
    return tuple(out)


# conv a → tanh → conv b (3×3, padding 1) → sum(a's output, b's) → relu → flatten → linear
RESIDUAL = (
    Conv2d(1, 2, (3, 3), (1, 1), (1, 1)),
    Tanh(),
    Conv2d(2, 2, (3, 3), (1, 1), (1, 1)),
    Sum(),
    ReLU(),
    Flatten(),
    Linear(2 * 5 * 5, 3),
)
RESIDUAL_GRAPH = Graph(((INPUT,), (0,), (1,), (0, 2), (3,), (4,), (5,)))


def test_uses_are_in_the_order_backward_delivers_them() -> None:
    assert RESIDUAL_GRAPH.uses(0) == (Use(3, 0), Use(1, 0))  # the sum (further down) first
    assert RESIDUAL_GRAPH.forks == (0,)
    assert not RESIDUAL_GRAPH.is_chain and Graph.chain(4).is_chain
    twice = Graph(((INPUT,), (0, 0)))
    assert twice.uses(0) == (Use(1, 0), Use(1, 1))


def test_a_chain_given_as_a_graph_is_the_chain() -> None:
    rng = np.random.default_rng(0)
    layers = (Conv2d(1, 2, (2, 2), (1, 1), (0, 0)), ReLU(), Flatten(), Linear(2 * 4 * 4, 3))
    params = _params(layers, rng)
    x, y = rng.normal(size=(2, 1, 5, 5)), np.array([0, 2])
    plain = train_iteration(layers, params, x, y, "cross_entropy", SGD(0.1))
    graphed = train_iteration(
        layers, params, x, y, "cross_entropy", SGD(0.1), graph=Graph.chain(len(layers))
    )
    for a, b in zip(plain.layers, graphed.layers, strict=True):
        for name in ("output", "grad_output", "grad_input"):
            assert np.array_equal(getattr(a, name), getattr(b, name))


def _loss(x: Array, y: Array, params: tuple[Params | None, ...]) -> float:
    record = train_iteration(
        RESIDUAL, params, x, y, "cross_entropy", SGD(0.0), graph=RESIDUAL_GRAPH
    )
    return record.loss


def test_a_fork_gets_the_sum_of_its_readers_gradients() -> None:
    rng = np.random.default_rng(1)
    params = _params(RESIDUAL, rng)
    x, y = rng.normal(size=(2, 1, 5, 5)), np.array([1, 2])
    record = train_iteration(
        RESIDUAL, params, x, y, "cross_entropy", SGD(0.1), graph=RESIDUAL_GRAPH
    )
    conv_a, tanh, _, add = record.layers[0], record.layers[1], record.layers[2], record.layers[3]
    # Forward: the sum reads a's output and b's.
    assert np.array_equal(add.inputs[0], conv_a.output)
    assert np.array_equal(add.output, conv_a.output + record.layers[2].output)
    # Backward: a's output gradient is the skip's (the sum passes g on) plus the tanh's.
    assert np.array_equal(conv_a.grad_output, add.grad_input + tanh.grad_input)
    assert not np.array_equal(conv_a.grad_output, tanh.grad_input)
    # …and that sum is dL/d(a's weight) by finite differences, through both paths.
    assert conv_a.grads is not None and conv_a.params is not None
    w, b = conv_a.params
    eps = 1e-6
    numeric = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        plus, minus = w.copy(), w.copy()
        plus[index] += eps
        minus[index] -= eps
        lp = _loss(x, y, (Params(plus, b), *params[1:]))
        lm = _loss(x, y, (Params(minus, b), *params[1:]))
        numeric[index] = (lp - lm) / (2 * eps)
    assert np.allclose(conv_a.grads.weight, numeric, rtol=1e-6, atol=1e-9)


def test_the_input_read_twice_sends_each_reader_its_own_gradient() -> None:
    rng = np.random.default_rng(2)
    layers = (Tanh(), Sum(), Flatten(), Linear(4, 2))
    graph = Graph(((INPUT,), (INPUT, 0), (1,), (2,)))
    params = _params(layers, rng)
    x, y = rng.normal(size=(1, 1, 2, 2)), np.array([1])
    record = train_iteration(layers, params, x, y, "cross_entropy", SGD(0.1), graph=graph)
    tanh, add = record.layers[0], record.layers[1]
    assert np.array_equal(tanh.grad_output, add.grad_input)
    assert np.allclose(tanh.grad_input, add.grad_input * (1 - np.tanh(x) ** 2))


def test_an_output_nobody_reads_is_refused() -> None:
    layers = (Tanh(), Tanh(), Flatten())
    graph = Graph(((INPUT,), (INPUT,), (1,)))  # the first tanh leads nowhere
    x = np.zeros((1, 1, 2, 2))
    with pytest.raises(ValueError, match="layer 0's output is read by no layer"):
        train_iteration(layers, (None,) * 3, x, np.zeros((1, 4)), "mse", SGD(0.1), graph=graph)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_sum_gradients_adds_left_to_right_as_its_loop_form(count: int) -> None:
    rng = np.random.default_rng(count)
    grads = [rng.normal(size=(2, 3)) for _ in range(count)]
    by_hand = grads[0]
    for g in grads[1:]:
        by_hand = by_hand + g
    assert np.array_equal(sum_gradients(grads), by_hand)
    assert np.array_equal(sum_gradients_naive(grads), by_hand)
    before = [g.copy() for g in grads]
    sum_gradients(grads)
    assert all(np.array_equal(a, b) for a, b in zip(grads, before, strict=True))


def test_each_layer_reads_the_shape_of_its_source_chain_or_graph() -> None:
    """One answer for what a layer reads, used by the budget, the layout and the scenario."""
    flatten, conv = Flatten(), Conv2d(1, 2, (3, 3))
    # A chain: the conv reads the flattened vector's shape (it would fail on it, so Linear).
    chain = shapes_through((flatten, Linear(16, 3)), (1, 4, 4))
    assert chain == [(1, 4, 4), (16,), (3,)]
    assert shapes_read(chain) == [(1, 4, 4), (16,)]
    # A graph where both layers read the input: the second reads (1, 4, 4), not (16,).
    graph = Graph(((INPUT,), (INPUT,)))
    both = shapes_through((flatten, conv), (1, 4, 4), graph)
    assert both == [(1, 4, 4), (16,), (2, 2, 2)]
    assert shapes_read(both, graph) == [(1, 4, 4), (1, 4, 4)]
