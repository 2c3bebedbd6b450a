"""One training iteration of a layer stack: forward, loss, backward, then the SGD update.

The record keeps every tensor of the iteration — inputs, outputs, gradients, parameters (and
momentum velocities) before and after the update — which is all the timeline needs to derive
any step. One tensor waits until it is read: dL/d(the batch), the input gradient of a layer
that reads only the batch, which training itself does not need (PyTorch computes it only for
an input that ``requires_grad``); a trainable kind's ``param_grads(dout, cache) -> (dw, db)``
gives the rest of its backward without it.

The layers form a :class:`~stepcnn.engine.graph.Graph` (a chain unless told otherwise): each
reads the outputs its ``inputs`` name, and the gradient of an output read several times is the
sum of its readers' gradients (:func:`~stepcnn.engine.graph.sum_gradients`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from stepcnn.engine.graph import INPUT, Graph, sum_gradients
from stepcnn.engine.layers import Layer, Params
from stepcnn.engine.losses import cross_entropy, cross_entropy_backward, mse, mse_backward
from stepcnn.engine.optim import SGD, sgd_step
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
        "cache",
        "grad_output",
        "grads",
        "input",
        "inputs",
        "output",
        "params",
        "params_after",
        "velocity",
        "velocity_after",
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
        params_after: Params | None,  # after this iteration's SGD update
        velocity: Params | None = None,  # momentum velocity before the update (None: none yet)
        velocity_after: Params | None = None,  # after the update (None without momentum)
        input_grad: Callable[[], Array] | None = None,  # computes grad_input when it is None
        inputs: tuple[Array, ...] | None = None,  # every input, in order (None: just ``input``)
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
        self.velocity = velocity
        self.velocity_after = velocity_after

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
    optimizer: SGD,
    iteration: int = 0,
    samples: tuple[int, ...] = (),
    velocity: tuple[Params | None, ...] | None = None,
    graph: Graph | None = None,
) -> IterationRecord:
    """Forward through every layer, the loss, backward in reverse, then update every parameter.

    ``velocity`` is the momentum state the previous iteration left (``None``: none yet).
    ``graph`` says which outputs each layer reads (``None``: a chain); the last layer's output
    is the network's. The input gradient of a layer that reads only the batch is computed when
    first read (see :class:`LayerRecord`).

    Overflow, inf and NaN are computed as IEEE arithmetic gives them, without warnings:
    a diverging scenario is something to watch, not an error.
    """
    loss_forward, loss_backward = LOSSES[loss_kind]
    inputs = graph.inputs if graph is not None else tuple((i - 1,) for i in range(len(layers)))
    with np.errstate(all="ignore"):
        outputs: list[Array] = []  # outputs[i]: layer i's; the batch is node INPUT
        layer_inputs: list[tuple[Array, ...]] = []
        caches = []
        for layer, p, sources in zip(layers, params, inputs, strict=True):
            xs = tuple(x if j == INPUT else outputs[j] for j in sources)
            merge = getattr(layer, "forward_inputs", None)  # a kind of several inputs (add)
            out, cache = merge(xs, p) if merge is not None else layer.forward(xs[0], p)
            outputs.append(out)
            layer_inputs.append(xs)
            caches.append(cache)
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

        velocity = velocity or (None,) * len(layers)
        updated: list[Params | None] = []
        velocity_after: list[Params | None] = []
        for p, g, v in zip(params, layer_grads, velocity, strict=True):
            if p is None or g is None:
                updated.append(None)
                velocity_after.append(None)
                continue
            w, vw = sgd_step(p.weight, g.weight, None if v is None else v.weight, optimizer)
            b, vb = sgd_step(p.bias, g.bias, None if v is None else v.bias, optimizer)
            updated.append(Params(w, b))
            velocity_after.append(None if vw is None or vb is None else Params(vw, vb))

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
                velocity=velocity[i],
                velocity_after=velocity_after[i],
                input_grad=None if dx is not None else _input_grad(layers[i], dout, caches[i]),
                inputs=xs if len(xs) > 1 else None,
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
