"""One training iteration of a layer stack: forward, loss, backward, then the SGD update.

The record keeps every tensor of the iteration — inputs, outputs, gradients, parameters (and
momentum velocities) before and after the update — which is all the timeline needs to derive
any step.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

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


class LayerRecord(NamedTuple):
    """Every tensor of one layer in one iteration (batch axis first). A named tuple: built
    for every layer of every iteration, it is quicker to make than a frozen dataclass."""

    input: Array
    output: Array
    cache: Any
    grad_output: Array
    grad_input: Array
    params: Params | None  # used in this iteration, before its update
    grads: Params | None
    params_after: Params | None  # after this iteration's SGD update
    velocity: Params | None = None  # momentum velocity before the update (None: none yet)
    velocity_after: Params | None = None  # after the update (None without momentum)


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

        grads_out: list[Array] = [grad_scores]  # grads_out[0] = dL/d(last output)
        layer_grads: list[Params | None] = []
        for layer, cache in zip(reversed(layers), reversed(caches), strict=True):
            dx, dw, db = layer.backward(grads_out[-1], cache)
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

    records = tuple(
        LayerRecord(
            input=activations[i],
            output=activations[i + 1],
            cache=caches[i],
            grad_output=grads_out[i + 1],
            grad_input=grads_out[i],
            params=params[i],
            grads=layer_grads[i],
            params_after=updated[i],
            velocity=velocity[i],
            velocity_after=velocity_after[i],
        )
        for i in range(len(layers))
    )
    return IterationRecord(
        iteration, samples, x, y, records, loss_kind, loss, loss_cache, grad_scores
    )
