"""Centred finite differences: the numerical check of an analytic gradient.

    dL/dp ≈ (L(p + ε) − L(p − ε)) / 2ε

computed by re-running the forward pass of one iteration with a single parameter nudged.
"""

from collections.abc import Sequence

import numpy as np

from stepcnn.engine.graph import Graph
from stepcnn.engine.layers import Layer, Params
from stepcnn.engine.network import LOSSES, node_forward
from stepcnn.engine.types import Array


def forward_loss(
    layers: tuple[Layer, ...],
    params: tuple[Params | None, ...],
    x: Array,
    y: Array,
    loss_kind: str,
    graph: Graph | None = None,
    known: Sequence[Array] = (),
) -> float:
    """The loss of one forward pass (no backward, no update).

    ``graph`` says which outputs each layer reads (``None``: a chain). ``known`` are the
    outputs of the first ``len(known)`` layers as an earlier pass of the same parameters
    computed them: the pass starts after them (the engine is deterministic, so the loss is
    the same bit for bit). Kinds that draw random numbers must come seeded, as the iteration
    drew them (:func:`~stepcnn.engine.network.seeded_layers`).
    """
    graph = graph or Graph.chain(len(layers))
    outputs = list(known)
    with np.errstate(all="ignore"):
        for i in range(len(known), len(layers)):
            _, out, _ = node_forward(layers[i], params[i], graph.inputs[i], x, outputs)
            outputs.append(out)
        loss, _ = LOSSES[loss_kind][0](outputs[-1] if outputs else x, y)
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
    graph: Graph | None = None,
    known: Sequence[Array] = (),
) -> Array:
    """Finite-difference gradient of the loss for ``params[layer].<which>[index]`` (a slice).

    ``graph`` and ``known`` as in :func:`forward_loss`; ``known`` may hold the outputs of
    the layers before ``layer`` (the nudge does not change them).
    """
    assert len(known) <= layer, "a known output would depend on the nudged parameter"
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
            nudged.append(forward_loss(layers, trial, x, y, loss_kind, graph, known))
        grad[cell] = (nudged[0] - nudged[1]) / (2 * eps)
    return grad
