"""One training iteration of a layer stack: forward, loss, backward, then the update.

The record keeps every tensor of the iteration — inputs, outputs, gradients, parameters, the
optimizer's state (momentum velocities, Adam's moments, …) and the layers' buffers (batchnorm's
running statistics) before and after the update — which is all the timeline needs to derive
any step. One tensor waits until it is read: dL/d(the batch), the input gradient of a layer
that reads only the batch, which training itself does not need (PyTorch computes it only for
an input that ``requires_grad``); a trainable kind's ``param_grads(dout, cache) -> (dw, db)``
gives the rest of its backward without it.

The layers form a :class:`~stepcnn.engine.graph.Graph` (a chain unless told otherwise): each
reads the outputs its ``inputs`` name, and the gradient of an output read several times is the
sum of its readers' gradients (:func:`~stepcnn.engine.graph.sum_gradients`).
"""

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stepcnn.engine.graph import INPUT, Graph, sum_gradients
from stepcnn.engine.layers import Buffers, Layer, Params
from stepcnn.engine.losses import cross_entropy, cross_entropy_backward, mse, mse_backward
from stepcnn.engine.optim import Optimizer, OptState
from stepcnn.engine.types import Array

PHASES = ("forward", "backward", "update")
"""The phases of a training iteration, in order: forward (and the loss), backward, the update."""

LossForward = Callable[[Array, Any], tuple[float, Any]]
LossBackward = Callable[[Any], Array]

LOSSES: dict[str, tuple[LossForward, LossBackward]] = {
    "cross_entropy": (cross_entropy, cross_entropy_backward),
    "mse": (mse, mse_backward),
}


class LayerRecord:
    """Every tensor of one layer in one iteration (batch axis first).

    ``grad_input`` of the first layer — dL/d(the batch) — is not needed to train, so training
    leaves it to ``input_grad``, which computes it the first time it is read (with the same
    engine function, so the same numbers). Built for every layer of every iteration: a plain
    class with slots, quicker to make than a frozen dataclass; treat it as read-only.

    In a graph, ``inputs`` are the tensors the layer reads (``input`` is the first);
    ``grad_output`` is dL/d(its output) — the sum of its readers' gradients where several
    read it — and ``grad_input`` the gradient it sends back to each of its inputs.
    """

    __slots__ = (
        "_grad_input",
        "_input_grad",
        "buffers",
        "buffers_after",
        "cache",
        "grad_output",
        "grads",
        "input",
        "inputs",
        "opt_state",
        "opt_state_after",
        "output",
        "params",
        "params_after",
    )

    def __init__(
        self,
        input: Array,
        output: Array,
        cache: Any,
        grad_output: Array,
        grad_input: Array | None,
        params: Params | None,  # used in this iteration, before its update
        grads: Params | None,
        params_after: Params | None,  # after this iteration's update
        opt_state: OptState | None = None,  # the optimizer's before the update (None: none yet)
        opt_state_after: OptState | None = None,  # after it (None: the optimizer keeps none)
        input_grad: Callable[[], Array] | None = None,  # computes grad_input when it is None
        inputs: tuple[Array, ...] | None = None,  # every input, in order (None: just ``input``)
        buffers: Buffers | None = None,  # running statistics before this forward
        buffers_after: Buffers | None = None,  # and after it (None: the kind keeps none)
    ) -> None:
        if grad_input is None and input_grad is None:
            raise ValueError("a LayerRecord needs grad_input or a way to compute it")
        self.input = input
        self.inputs = (input,) if inputs is None else inputs
        self.output = output
        self.cache = cache
        self.grad_output = grad_output
        self._grad_input = grad_input
        self._input_grad = input_grad
        self.params = params
        self.grads = grads
        self.params_after = params_after
        self.opt_state = opt_state
        self.opt_state_after = opt_state_after
        self.buffers = buffers
        self.buffers_after = buffers_after

    @property
    def velocity(self) -> Params | None:
        """SGD's momentum velocity before the update (None: none yet, or not SGD)."""
        return None if self.opt_state is None else self.opt_state.buffers.get("momentum_buffer")

    @property
    def velocity_after(self) -> Params | None:
        """SGD's momentum velocity after the update (None without momentum)."""
        state = self.opt_state_after
        return None if state is None else state.buffers.get("momentum_buffer")

    @property
    def grad_input(self) -> Array:
        """dL/d(input); computed on first read where training left it out."""
        if self._grad_input is None:
            assert self._input_grad is not None
            with np.errstate(all="ignore"):
                self._grad_input = self._input_grad()
        return self._grad_input


def _input_grad(layer: Layer, dout: Array, cache: Any) -> Callable[[], Array]:
    return lambda: layer.backward(dout, cache)[0]


@dataclass(frozen=True)
class IterationRecord:
    """One training iteration: the batch, each layer's tensors and the loss."""

    iteration: int
    samples: tuple[int, ...]
    x: Array
    y: Array  # integer labels (cross_entropy) or targets (mse)
    layers: tuple[LayerRecord, ...]
    loss_kind: str
    loss: float
    loss_cache: Any
    grad_scores: Array  # dL/d(network output)
    graph: Graph | None = None  # which outputs each layer reads (None: a chain)

    @property
    def scores(self) -> Array:
        """The network output."""
        return self.layers[-1].output if self.layers else self.x


def train_iteration(
    layers: tuple[Layer, ...],
    params: tuple[Params | None, ...],
    x: Array,
    y: Array,
    loss_kind: str,
    optimizer: Optimizer,
    iteration: int = 0,
    samples: tuple[int, ...] = (),
    opt_state: tuple[OptState | None, ...] | None = None,
    graph: Graph | None = None,
    *,
    buffers: tuple[Buffers | None, ...] | None = None,
    seed: int = 0,
) -> IterationRecord:
    """Forward through every layer, the loss, backward in reverse, then update every parameter.

    ``opt_state`` and ``buffers`` are what the previous iteration left (``None``: none yet):
    the optimizer's state (velocities, moments) and the layers' running statistics. ``seed``
    and ``iteration`` key the layers that draw random numbers (dropout's mask,
    :func:`seeded_layers`).
    ``graph`` says which outputs each layer reads (``None``: a chain); the last layer's output
    is the network's. The input gradient of a layer that reads only the batch is computed when
    first read (see :class:`LayerRecord`).

    Overflow, inf and NaN are computed as IEEE arithmetic gives them, without warnings:
    a diverging scenario is something to watch, not an error.
    """
    loss_forward, loss_backward = LOSSES[loss_kind]
    inputs = graph.inputs if graph is not None else tuple((i - 1,) for i in range(len(layers)))
    layers = seeded_layers(layers, seed, iteration)
    buffers = buffers or (None,) * len(layers)
    with np.errstate(all="ignore"):
        outputs: list[Array] = []  # outputs[i]: layer i's; the batch is node INPUT
        layer_inputs: list[tuple[Array, ...]] = []
        caches = []
        for layer, p, sources in zip(layers, params, inputs, strict=True):
            xs, out, cache = node_forward(layer, p, sources, x, outputs)
            outputs.append(out)
            layer_inputs.append(xs)
            caches.append(cache)
        buffers_after = running_buffers(layers, buffers, layer_inputs, caches)
        scores = outputs[-1] if outputs else x
        loss, loss_cache = loss_forward(scores, y)
        grad_scores = loss_backward(loss_cache)

        # Backward, last layer first: a layer's gradient is complete once every layer that
        # reads it (all further down) has sent its share.
        arrived: dict[int, list[Array]] = {len(layers) - 1: [grad_scores]}
        grads_out: list[Array] = [grad_scores] * len(layers)  # dL/d(output of layer i)
        grads_in: list[Array | None] = [None] * len(layers)  # what layer i sends back
        layer_grads: list[Params | None] = [None] * len(layers)
        for i in range(len(layers) - 1, -1, -1):
            shares = arrived.pop(i, None)
            if shares is None:
                raise ValueError(f"layer {i}'s output is read by no layer after it")
            dout = grads_out[i] = sum_gradients(shares)
            only_batch = all(j == INPUT for j in inputs[i])
            param_grads = getattr(layers[i], "param_grads", None) if only_batch else None
            if param_grads is not None:  # dL/d(the batch) waits until it is read
                dx, (dw, db) = None, param_grads(dout, caches[i])
            else:
                dx, dw, db = layers[i].backward(dout, caches[i])
            grads_in[i] = dx
            layer_grads[i] = None if dw is None or db is None else Params(dw, db)
            if dx is not None:
                for j in inputs[i]:
                    if j != INPUT:
                        arrived.setdefault(j, []).append(dx)

        opt_state = opt_state or (None,) * len(layers)
        updated: list[Params | None] = []
        opt_state_after: list[OptState | None] = []
        for p, g, state in zip(params, layer_grads, opt_state, strict=True):
            if p is None or g is None:
                updated.append(None)
                opt_state_after.append(None)
                continue
            new, state_after = update_params(optimizer, p, g, state)
            updated.append(new)
            opt_state_after.append(state_after)

    records = []
    for i in range(len(layers)):
        dout, dx, xs = grads_out[i], grads_in[i], layer_inputs[i]
        records.append(
            LayerRecord(
                input=xs[0],
                output=outputs[i],
                cache=caches[i],
                grad_output=dout,
                grad_input=dx,
                params=params[i],
                grads=layer_grads[i],
                params_after=updated[i],
                opt_state=opt_state[i],
                opt_state_after=opt_state_after[i],
                input_grad=None if dx is not None else _input_grad(layers[i], dout, caches[i]),
                inputs=xs if len(xs) > 1 else None,
                buffers=buffers[i],
                buffers_after=buffers_after[i],
            )
        )
    return IterationRecord(
        iteration,
        samples,
        x,
        y,
        tuple(records),
        loss_kind,
        loss,
        loss_cache,
        grad_scores,
        graph,
    )


def node_forward(
    layer: Layer, p: Params | None, sources: tuple[int, ...], x: Array, outputs: Sequence[Array]
) -> tuple[tuple[Array, ...], Array, Any]:
    """One layer's forward in a graph: ``(its inputs, out, cache)``. ``sources`` are the nodes
    it reads (``INPUT``: the batch ``x``; else ``outputs[j]``, layer ``j``'s output)."""
    xs = tuple(x if j == INPUT else outputs[j] for j in sources)
    if reads_many(layer):
        out, cache = layer.forward_inputs(xs, p)  # type: ignore[attr-defined]
    else:
        out, cache = layer.forward(xs[0], p)
    return xs, out, cache


def reads_many(layer: Layer) -> bool:
    """Whether ``layer`` is a kind of several inputs (``add``): its forward is
    ``forward_inputs(xs, params)`` and its backward sends one dx, the same, to each input."""
    return hasattr(layer, "forward_inputs")


def seeded_layers(layers: tuple[Layer, ...], seed: int, iteration: int) -> tuple[Layer, ...]:
    """The layers, each kind that draws random numbers (``seeded``) given its key
    ``(seed, layer index, iteration)`` — so an iteration recomputed draws the same numbers."""
    if not any(getattr(layer, "seeded", False) for layer in layers):
        return layers
    return tuple(
        dataclasses.replace(layer, key=(seed, i, iteration))  # type: ignore[type-var]
        if getattr(layer, "seeded", False)
        else layer
        for i, layer in enumerate(layers)
    )


def running_buffers(
    layers: tuple[Layer, ...],
    buffers: tuple[Buffers | None, ...],
    layer_inputs: list[tuple[Array, ...]],
    caches: list[Any],
) -> list[Buffers | None]:
    """Each layer's buffers after this forward (kinds with ``update_buffers``; else None)."""
    after: list[Buffers | None] = []
    for i, layer in enumerate(layers):
        update = getattr(layer, "update_buffers", None)
        after.append(None if update is None else update(buffers[i], layer_inputs[i][0], caches[i]))
    return after


def update_params(
    optimizer: Optimizer, p: Params, g: Params, state: OptState | None
) -> tuple[Params, OptState | None]:
    """One layer's update: the weight and the bias stepped alike, the state they leave."""
    step = (0 if state is None else state.step) + 1
    w, sw = optimizer.step(p.weight, g.weight, _part(state, 0), step)
    b, sb = optimizer.step(p.bias, g.bias, _part(state, 1), step)
    if sw is None or sb is None:
        return Params(w, b), None
    return Params(w, b), OptState(step, {name: Params(sw[name], sb[name]) for name in sw})


def _part(state: OptState | None, part: int) -> dict[str, Array] | None:
    """The weight's (0) or the bias's (1) share of a layer's optimizer state."""
    if state is None:
        return None
    return {name: pair[part] for name, pair in state.buffers.items()}
