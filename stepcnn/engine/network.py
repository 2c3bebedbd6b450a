"""One training iteration of a layer stack: forward, loss, backward, then the SGD update.

The record keeps every tensor of the iteration — inputs, outputs, gradients, parameters (and
momentum velocities) before and after the update — which is all the timeline needs to derive
any step. One tensor waits until it is read: dL/d(the batch), the first layer's input
gradient, which training itself does not need (PyTorch computes it only for an input that
``requires_grad``); a trainable kind's ``param_grads(dout, cache) -> (dw, db)`` gives the rest
of its backward without it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

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
    """

    __slots__ = (
        "_grad_input",
        "_input_grad",
        "cache",
        "grad_output",
        "grads",
        "input",
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
    ) -> None:
        if grad_input is None and input_grad is None:
            raise ValueError("a LayerRecord needs grad_input or a way to compute it")
        self.input = input
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
) -> IterationRecord:
    """Forward through every layer, the loss, backward in reverse, then update every parameter.

    ``velocity`` is the momentum state the previous iteration left (``None``: none yet).
    The first layer's ``grad_input`` is computed when first read (see :class:`LayerRecord`).

    Overflow, inf and NaN are computed as IEEE arithmetic gives them, without warnings:
    a diverging scenario is something to watch, not an error.
    """
    loss_forward, loss_backward = LOSSES[loss_kind]
    with np.errstate(all="ignore"):
        activations, caches = [x], []
        for layer, p in zip(layers, params, strict=True):
            out, cache = layer.forward(activations[-1], p)
            activations.append(out)
            caches.append(cache)
        loss, loss_cache = loss_forward(activations[-1], y)
        grad_scores = loss_backward(loss_cache)

        grads_out: list[Array | None] = [grad_scores]  # grads_out[0] = dL/d(last output)
        layer_grads: list[Params | None] = []
        for i in range(len(layers) - 1, -1, -1):
            dout = grads_out[-1]
            assert dout is not None
            param_grads = getattr(layers[i], "param_grads", None) if i == 0 else None
            if param_grads is not None:  # dL/d(the batch) waits until it is read
                dx, (dw, db) = None, param_grads(dout, caches[i])
            else:
                dx, dw, db = layers[i].backward(dout, caches[i])
            grads_out.append(dx)
            layer_grads.append(None if dw is None or db is None else Params(dw, db))
        layer_grads.reverse()
        grads_out.reverse()  # grads_out[i] = dL/d(input of layer i); grads_out[-1] = grad_scores

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
        dout, dx = grads_out[i + 1], grads_out[i]
        assert dout is not None  # only the first layer's dx may wait
        records.append(
            LayerRecord(
                input=activations[i],
                output=activations[i + 1],
                cache=caches[i],
                grad_output=dout,
                grad_input=dx,
                params=params[i],
                grads=layer_grads[i],
                params_after=updated[i],
                velocity=velocity[i],
                velocity_after=velocity_after[i],
                input_grad=None if dx is not None else _input_grad(layers[i], dout, caches[i]),
            )
        )
    return IterationRecord(
        iteration, samples, x, y, tuple(records), loss_kind, loss, loss_cache, grad_scores
    )
