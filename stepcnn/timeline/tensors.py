"""Naming the tensors of an iteration and reading their final values from the record."""

from collections.abc import Callable

import numpy as np

from stepcnn.engine.graph import INPUT, Graph
from stepcnn.engine.network import IterationRecord, LayerRecord
from stepcnn.engine.types import Array
from stepcnn.timeline.step import TensorId


def input_id(layer: int, graph: Graph | None = None, slot: int = 0) -> TensorId:
    """The tensor a layer reads (its input ``slot``): the output of the layer it names, in a
    chain the previous layer's, or the batch ``x``."""
    source = layer - 1 if graph is None else graph.inputs[layer][slot]
    return TensorId(source, "output") if source != INPUT else TensorId(None, "x")


def input_ids(layer: int, graph: Graph | None = None) -> tuple[TensorId, ...]:
    """Every tensor a layer reads, in order (one, except for an add)."""
    slots = 1 if graph is None else len(graph.inputs[layer])
    return tuple(input_id(layer, graph, slot) for slot in range(slots))


def grad_output_id(layer: int, layer_count: int, graph: Graph | None = None) -> TensorId:
    """dL/d(layer output): its reader's ``grad_input`` (in a chain the next layer's), the
    ``grad_output`` a fork's steps add up where several layers read it, or ``grad_scores``
    for the last layer."""
    if graph is None or graph.is_chain:
        return (
            TensorId(layer + 1, "grad_input")
            if layer + 1 < layer_count
            else TensorId(None, "grad_scores")
        )
    uses = graph.uses(layer)
    if not uses:
        return TensorId(None, "grad_scores")
    if len(uses) > 1:
        return TensorId(layer, "grad_output")
    return TensorId(uses[0].reader, "grad_input")


def _param(name: str) -> Callable[[LayerRecord], Array | None]:
    def get(lr: LayerRecord) -> Array | None:
        group, attr = {
            "weight": ("params_after", "weight"),
            "bias": ("params_after", "bias"),
            "weight_before": ("params", "weight"),
            "bias_before": ("params", "bias"),
            "grad_weight": ("grads", "weight"),
            "grad_bias": ("grads", "bias"),
        }[name]
        params = getattr(lr, group)
        return None if params is None else getattr(params, attr)

    return get


_LAYER_TENSORS: dict[str, Callable[[LayerRecord], Array | None]] = {
    "output": lambda lr: lr.output,
    "grad_input": lambda lr: lr.grad_input,
    "grad_output": lambda lr: lr.grad_output,  # (a fork's: the sum its steps add up)
    **{name: _param(name) for name in ("weight", "bias", "grad_weight", "grad_bias")},
}


def final_value(record: IterationRecord, tid: TensorId) -> Array:
    """The tensor as it stands at the end of the iteration (parameters: after the update)."""
    if tid.layer is not None:
        value = _LAYER_TENSORS[tid.name](record.layers[tid.layer])
        if value is None:
            raise KeyError(tid)
        return value
    cache = record.loss_cache
    loss_tensors: dict[str, Callable[[], Array]] = {
        "x": lambda: record.x,
        "y": lambda: record.y,
        "grad_scores": lambda: record.grad_scores,
        "loss": lambda: np.array(record.loss),
        "probs": lambda: cache.probs,
        "per_sample": lambda: cache.per_sample,
        "sq_error": lambda: cache.diff * cache.diff,
    }
    return loss_tensors[tid.name]()


def initial_value(record: IterationRecord, tid: TensorId) -> Array | None:
    """The tensor before its producing step runs: old parameters, else nothing yet (None)."""
    if tid.layer is not None and tid.name in ("weight", "bias"):
        return _param(tid.name + "_before")(record.layers[tid.layer])
    return None
