"""``stepcnn export``: every tensor of every iteration as JSON (a contract; see README).

The document is self-contained: each layer carries its geometry, the top level the optimizer,
each iteration its labels or targets, so a cross-check with another library needs nothing else.
"""

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, TextIO

import numpy as np

from stepcnn.engine.layers import Layer
from stepcnn.engine.network import LayerRecord
from stepcnn.engine.optim import Adam, Optimizer, RMSprop
from stepcnn.engine.types import Array
from stepcnn.scenario.model import Scenario
from stepcnn.timeline.numbering import shown
from stepcnn.timeline.training import TrainingRun


def tensor(array: Array) -> Any:
    """A nested list of floats (NaN and ±inf are written as JSON's NaN/Infinity tokens)."""
    return array.astype(float).tolist()


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def layer_geometry(layer: Layer) -> dict[str, Any]:
    """``type`` and every field of the layer's definition (sizes, pairs as lists, slopes)."""
    definition: Any = layer
    names = [f.name for f in dataclasses.fields(definition) if not f.metadata.get("bound")]
    return {"type": layer.type} | {name: _plain(getattr(layer, name)) for name in names}


def optimizer(scenario: Scenario) -> dict[str, Any]:
    """The optimizer's hyper-parameters: SGD's (momentum and weight decay are 0 where the
    scenario has none), Adam's (betas, eps, weight decay) or RMSprop's (alpha, eps, weight
    decay)."""
    return optimizer_json(scenario.optimizer)


def optimizer_json(opt: Optimizer) -> dict[str, Any]:
    if isinstance(opt, Adam):
        return {
            "type": "adam",
            "learning_rate": opt.learning_rate,
            "betas": list(opt.betas),
            "eps": opt.eps,
            "weight_decay": opt.weight_decay,
        }
    if isinstance(opt, RMSprop):
        return {
            "type": "rmsprop",
            "learning_rate": opt.learning_rate,
            "alpha": opt.alpha,
            "eps": opt.eps,
            "weight_decay": opt.weight_decay,
        }
    return {
        "type": "sgd",
        "learning_rate": opt.learning_rate,
        "momentum": opt.momentum,
        "weight_decay": opt.weight_decay,
    }


def targets_key(scenario: Scenario) -> str:
    return "labels" if scenario.loss == "cross_entropy" else "targets"


def header(scenario: Scenario) -> dict[str, Any]:
    """The top-level keys before ``iterations``."""
    return {
        "scenario": scenario.name,
        "loss": scenario.loss,
        "batch_size": scenario.batch_size,
        "optimizer": optimizer(scenario),
    }


def wiring(scenario: Scenario, index: int) -> dict[str, Any]:
    """In a graph: the layer's ``name`` (null: none) and ``from``, what it reads by name
    (``"input"``, a layer's name, or ``"layers[i]"`` for an unnamed layer before it)."""
    graph = scenario.graph
    if graph is None:
        return {}
    return {
        "name": graph.names[index],
        "from": [graph.name(j) for j in graph.inputs[index]],
    }


def inputs_json(layer: LayerRecord) -> dict[str, Any]:
    """``input``, or ``inputs`` (a list, in ``from`` order) for a layer that reads several."""
    if len(layer.inputs) > 1:
        return {"inputs": [tensor(x) for x in layer.inputs]}
    return {"input": tensor(layer.input)}


def iteration_json(run: TrainingRun, i: int, layers: Sequence[int] | None = None) -> dict[str, Any]:
    record = run.record(i)
    entries = []
    for index, (spec, layer) in enumerate(zip(run.scenario.layers, record.layers, strict=True)):
        if layers is not None and index not in layers:
            continue
        entry: dict[str, Any] = (
            {"index": index} | layer_geometry(spec) | wiring(run.scenario, index)
        )
        entry |= inputs_json(layer) | {
            "output": tensor(layer.output),
            "grad_output": tensor(layer.grad_output),
            "grad_input": tensor(layer.grad_input),
        }
        if layer.params is not None and layer.grads is not None and layer.params_after:
            entry |= {
                "weight": tensor(layer.params.weight),
                "bias": tensor(layer.params.bias),
                "grad_weight": tensor(layer.grads.weight),
                "grad_bias": tensor(layer.grads.bias),
                "weight_after": tensor(layer.params_after.weight),
                "bias_after": tensor(layer.params_after.bias),
            }
        entry |= state_json(layer)
        entries.append(entry)
    return {
        "iteration": shown(i),
        "samples": list(record.samples),
        targets_key(run.scenario): record.y.tolist(),
        "loss": record.loss,
        "layers": entries,
    }


def state_json(layer: LayerRecord) -> dict[str, Any]:
    """What a layer leaves besides its tensors: SGD's velocity (momentum > 0), Adam's or
    RMSprop's state, batchnorm's running statistics and dropout's mask of the iteration."""
    entry: dict[str, Any] = {}
    state = layer.opt_state_after
    if layer.velocity_after is not None:  # momentum > 0: the buffer after the update
        entry["velocity"] = {
            "weight": tensor(layer.velocity_after.weight),
            "bias": tensor(layer.velocity_after.bias),
        }
    elif state is not None:  # Adam, RMSprop: PyTorch's state names, after the update
        entry["optimizer_state"] = {
            "step": state.step,
            **{
                part: {name: tensor(pair[i]) for name, pair in state.buffers.items()}
                for i, part in enumerate(("weight", "bias"))
            },
        }
    if layer.buffers_after is not None:
        entry |= {name: tensor(value) for name, value in layer.buffers_after.items()}
    mask = getattr(layer.cache, "mask", None)
    if isinstance(mask, np.ndarray):
        entry["mask"] = tensor(mask)
    return entry


def write_export(run: TrainingRun, out: TextIO, layers: Sequence[int] | None = None) -> None:
    """Write the whole run as one JSON document, one iteration at a time (memory stays flat)."""
    head = json.dumps(header(run.scenario))
    out.write(head[:-1] + ', "iterations": [')
    for i in range(len(run)):
        if i:
            out.write(", ")
        out.write(json.dumps(iteration_json(run, i, layers)))
    out.write("]}\n")
