"""``stepcnn export``: every tensor of every iteration as JSON (a contract; see README)."""

import json
from typing import Any, TextIO

from stepcnn.engine.types import Array
from stepcnn.timeline.numbering import shown
from stepcnn.training import TrainingRun


def tensor(array: Array) -> Any:
    """A nested list of floats (NaN and ±inf are written as JSON's NaN/Infinity tokens)."""
    return array.astype(float).tolist()


def iteration_json(run: TrainingRun, i: int) -> dict[str, Any]:
    record = run.record(i)
    layers = []
    for spec, layer in zip(run.scenario.layers, record.layers, strict=True):
        entry: dict[str, Any] = {
            "type": spec.type,
            "input": tensor(layer.input),
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
        layers.append(entry)
    return {
        "iteration": shown(i),
        "samples": list(record.samples),
        "loss": record.loss,
        "layers": layers,
    }


def write_export(run: TrainingRun, out: TextIO) -> None:
    """Write the whole run as one JSON document, one iteration at a time (memory stays flat)."""
    out.write('{"scenario": ' + json.dumps(run.scenario.name) + ', "iterations": [')
    for i in range(len(run)):
        if i:
            out.write(", ")
        out.write(json.dumps(iteration_json(run, i)))
    out.write("]}\n")
