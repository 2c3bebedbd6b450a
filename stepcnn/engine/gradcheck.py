"""Centred finite differences: the numerical check of an analytic gradient.

    dL/dp ≈ (L(p + ε) − L(p − ε)) / 2ε

computed by re-running the forward pass of one iteration with a single parameter nudged.
"""

import numpy as np

from stepcnn.engine.layers import Layer, Params
from stepcnn.engine.network import LOSSES
from stepcnn.engine.types import Array


def forward_loss(
    layers: tuple[Layer, ...], params: tuple[Params | None, ...], x: Array, y: Array, loss_kind: str
) -> float:
    """The loss of one forward pass (no backward, no update)."""
    out = x
    with np.errstate(all="ignore"):
        for layer, p in zip(layers, params, strict=True):
            out, _ = layer.forward(out, p)
        loss, _ = LOSSES[loss_kind][0](out, y)
    return loss


def numeric_gradient(
    layers: tuple[Layer, ...],
    params: tuple[Params | None, ...],
    x: Array,
    y: Array,
    loss_kind: str,
    layer: int,
    which: str,
    index: tuple[int, ...],
    eps: float = 1e-6,
) -> Array:
    """Finite-difference gradient of the loss for ``params[layer].<which>[index]`` (a slice)."""
    p = params[layer]
    assert p is not None
    base = p.weight if which == "weight" else p.bias
    target = base[index]
    grad = np.zeros(np.shape(target))
    for cell in np.ndindex(grad.shape):
        full = index + cell
        nudged = []
        for sign in (+1.0, -1.0):
            changed = base.copy()
            changed[full] += sign * eps
            new = Params(changed, p.bias) if which == "weight" else Params(p.weight, changed)
            trial = tuple(new if i == layer else q for i, q in enumerate(params))
            nudged.append(forward_loss(layers, trial, x, y, loss_kind))
        grad[cell] = (nudged[0] - nudged[1]) / (2 * eps)
    return grad
