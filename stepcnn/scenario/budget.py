"""Memory the timeline will need, estimated from shapes alone (nothing is allocated)."""

import math

from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.layers import Layer, Shape
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.layer_schema import shape_text
from stepcnn.scenario.limits import (
    MAX_HISTORY_BYTES,
    MAX_PARAMETERS,
    MAX_TENSOR_ELEMENTS,
)

FLOAT_BYTES = 8
IM2COL_FACTOR = 5
"""The patch matrix of a convolution may be this many times the tensor limit."""


def iteration_floats(layers: tuple[Layer, ...], shapes: list[Shape], batch: int) -> int:
    """Floats stored for one iteration: activations and their gradients, parameters ×3."""
    floats = batch * math.prod(shapes[0]) * 2
    for layer, out_shape in zip(layers, shapes[1:], strict=True):
        floats += batch * math.prod(out_shape) * 2
        param_shapes = layer.param_shapes()
        if param_shapes is not None:
            floats += 3 * sum(math.prod(s) for s in param_shapes)
    return floats


def size_problems(
    layers: tuple[Layer, ...], shapes: list[Shape], batch: int, iterations: int
) -> list[Problem]:
    """Every limit the scenario's shapes would break, before anything is allocated."""
    problems = []
    params = sum(
        sum(math.prod(s) for s in shapes_)
        for layer in layers
        if (shapes_ := layer.param_shapes()) is not None
    )
    if params > MAX_PARAMETERS:
        problems.append(
            Problem(
                "layers", f"the network has {params:,} parameters; the limit is {MAX_PARAMETERS:,}"
            )
        )
    inputs = batch * math.prod(shapes[0])
    if inputs > MAX_TENSOR_ELEMENTS:  # (the layers' outputs are checked below)
        problems.append(
            Problem(
                "batch_size",
                f"a batch of {batch} inputs ({shape_text(shapes[0])} each) has {inputs:,} "
                f"numbers; the limit is {MAX_TENSOR_ELEMENTS:,}",
            )
        )
    for i, (layer, in_shape, out_shape) in enumerate(
        zip(layers, shapes[:-1], shapes[1:], strict=True)
    ):
        elements = batch * math.prod(out_shape)
        if elements > MAX_TENSOR_ELEMENTS:
            problems.append(
                Problem(
                    f"layers[{i}]",
                    f"its output for a batch of {batch} ({shape_text(out_shape)} each) has "
                    f"{elements:,} numbers; the limit is {MAX_TENSOR_ELEMENTS:,}",
                )
            )
        if isinstance(layer, Conv2d):
            patches = elements // layer.out_channels * in_shape[0] * math.prod(layer.kernel_size)
            if patches > MAX_TENSOR_ELEMENTS * IM2COL_FACTOR:
                problems.append(
                    Problem(
                        f"layers[{i}]",
                        f"its patch matrix would have {patches:,} numbers; "
                        f"the limit is {MAX_TENSOR_ELEMENTS * IM2COL_FACTOR:,}",
                    )
                )
    total = iteration_floats(layers, shapes, batch) * FLOAT_BYTES * iterations
    if total > MAX_HISTORY_BYTES:
        problems.append(
            Problem(
                "iterations",
                f"{iterations:,} iterations of this network need about {total / 2**30:.1f} GiB "
                f"of history; the limit is {MAX_HISTORY_BYTES / 2**30:.0f} GiB "
                "(fewer iterations, a smaller batch or smaller layers)",
            )
        )
    return problems
