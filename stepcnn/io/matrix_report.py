"""``stepcnn matrix``: a conv2d layer's matrix ``M`` and its ties, as JSON (a contract) or text.

The weights are the scenario's initial weights (those iteration 0 uses).
"""

import json
from typing import TextIO

import numpy as np

from stepcnn.base.usage import UsageError
from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.present.conv_matrix import ConvMatrix
from stepcnn.scenario.model import Scenario


def conv_matrix_of(scenario: Scenario, text: str | None) -> tuple[int, ConvMatrix]:
    """The layer ``--layer`` names, which must be a conv2d layer."""
    layers = scenario.layers
    convs = [i for i, layer in enumerate(layers) if isinstance(layer, Conv2d)]
    choices = ", ".join(str(i) for i in convs) or "none in this scenario"
    if text is None:
        raise UsageError(f"stepcnn matrix: --layer is required: a conv2d layer ({choices})")
    if not (text.isascii() and text.isdigit() and int(text) < len(layers)):
        raise UsageError(
            f"stepcnn matrix: argument --layer: must be a layer index from 0 to "
            f"{len(layers) - 1}, got {text!r} (conv2d layers: {choices})"
        )
    index = int(text)
    spec = layers[index]
    if not isinstance(spec, Conv2d):
        raise UsageError(
            f"stepcnn matrix: argument --layer: layer {index} is {spec.type}, not conv2d "
            f"(conv2d layers: {choices})"
        )
    params = scenario.initial_params[index]
    assert params is not None
    c, h, w = scenario.shapes[index]
    return index, ConvMatrix(spec, (c, h, w), params.weight)


def write_matrix_json(index: int, cm: ConvMatrix, out: TextIO) -> None:
    record = {
        "layer": index,
        "input_shape": list(cm.input_shape),
        "output_shape": list(cm.spec.output_shape(cm.input_shape)),
        "weight_shape": list(cm.weight_shape),
        "matrix": cm.matrix.tolist(),
        "tie": cm.tie.tolist(),
    }
    json.dump(record, out)
    out.write("\n")


def write_matrix_text(index: int, cm: ConvMatrix, out: TextIO) -> None:
    _, h, w = cm.input_shape
    f_count, ho, wo = cm.spec.output_shape(cm.input_shape)
    rows, cols = cm.shape
    out.write(
        f"layer {index} conv2d as a fully connected layer: {cm.title()} "
        f"(rows: output cells (f, r, c); columns: input cells (c, h, w), column = c·{h * w} + "
        f"h·{w} + w)\n"
    )
    width = max(max(len(n) for n in cm.names), len(str(min(cols - 1, 99)))) + 1
    labels = [f"({f},{r},{s})" for f in range(f_count) for r in range(ho) for s in range(wo)]
    lw = max(len(label) for label in labels)
    header = "".join(f"{j % 100:>{width}}" for j in range(cols))
    out.write(f"{'':<{lw}} {header}\n")
    for row in range(rows):
        cells = "".join(f"{name:>{width}}" for name in cm.name_table[cm.tie[row]])
        out.write(f"{labels[row]:<{lw}} {cells}\n")
    out.write("legend (· = no connection, a structural zero):\n")
    for flat in range(len(cm.names)):
        out.write(f"  {cm.weight_label(flat)} = {float(cm.weight.ravel()[flat]):g}\n")
    connections = int(np.count_nonzero(cm.tie >= 0))
    out.write(f"connections: {connections} of {rows * cols} entries; {cm.counts_text()}\n")
