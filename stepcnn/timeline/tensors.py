"""Naming the tensors of an iteration and reading their final values from the record."""

from collections.abc import Callable

import numpy as np

from stepcnn.engine.network import IterationRecord, LayerRecord
from stepcnn.engine.types import Array
from stepcnn.timeline.step import TensorId


def input_id(layer: int) -> TensorId:
    """The tensor a layer reads: the previous layer's output, or the batch ``x``."""
    return TensorId(layer - 1, "output") if layer > 0 else TensorId(None, "x")


def grad_output_id(layer: int, layer_count: int) -> TensorId:
    """dL/d(layer output): the next layer's ``grad_input``, or ``grad_scores`` for the last."""
    return (
        TensorId(layer + 1, "grad_input")
        if layer + 1 < layer_count
        else TensorId(None, "grad_scores")
    )


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
