"""One training iteration of a layer stack: forward, loss, backward, then SGD.

The record keeps every tensor of the iteration — inputs, outputs, gradients, parameters
before and after the update — which is all the timeline needs to derive any step.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from stepcnn.engine.layers import Layer, Params
from stepcnn.engine.losses import cross_entropy, cross_entropy_backward, mse, mse_backward
from stepcnn.engine.optim import sgd_update
from stepcnn.engine.types import Array

LossForward = Callable[[Array, Any], tuple[float, Any]]
LossBackward = Callable[[Any], Array]

LOSSES: dict[str, tuple[LossForward, LossBackward]] = {
    "cross_entropy": (cross_entropy, cross_entropy_backward),
    "mse": (mse, mse_backward),
}


@dataclass(frozen=True)
class LayerRecord:
    """Every tensor of one layer in one iteration (batch axis first)."""

    input: Array
    output: Array
    cache: Any
    grad_output: Array
    grad_input: Array
    params: Params | None  # used in this iteration, before its update
    grads: Params | None
    params_after: Params | None  # after this iteration's SGD update


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
    learning_rate: float,
    iteration: int = 0,
    samples: tuple[int, ...] = (),
) -> IterationRecord:
    """Forward through every layer, the loss, backward in reverse, then update every parameter.

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

        updated = [
            None
            if p is None or g is None
            else Params(
                sgd_update(p.weight, g.weight, learning_rate),
                sgd_update(p.bias, g.bias, learning_rate),
            )
            for p, g in zip(params, layer_grads, strict=True)
        ]

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
        )
        for i in range(len(layers))
    )
    return IterationRecord(
        iteration, samples, x, y, records, loss_kind, loss, loss_cache, grad_scores
    )
