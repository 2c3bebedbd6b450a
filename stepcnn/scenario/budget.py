"""Memory the timeline will need, estimated from shapes alone (nothing is allocated)."""

import math

from stepcnn.base.wording import count
from stepcnn.engine.graph import Graph
from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.layers import Layer, Shape
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.layer_schema import shape_text
from stepcnn.scenario.limits import (
    MAX_ITERATION_BYTES,
    MAX_PARAMETERS,
    MAX_TENSOR_ELEMENTS,
)

FLOAT_BYTES = 8
IM2COL_FACTOR = 5
"""The patch matrix of a convolution may be this many times the tensor limit."""


def input_shapes(shapes: list[Shape], graph: Graph | None) -> list[Shape]:
    """The shape each layer reads (``shapes``: the input's, then each layer's output)."""
    if graph is None:
        return shapes[:-1]
    return [shapes[graph.source(i) + 1] for i in range(len(shapes) - 1)]


def iteration_floats(
    layers: tuple[Layer, ...], shapes: list[Shape], batch: int, graph: Graph | None = None
) -> int:
    """Floats stored for one iteration: activations and their gradients, parameters ×5
    (before, gradient, after, two velocities), a convolution's padded input and patch matrix."""
    floats = batch * math.prod(shapes[0]) * 2
    in_shapes = input_shapes(shapes, graph)
    for layer, in_shape, out_shape in zip(layers, in_shapes, shapes[1:], strict=True):
        floats += batch * math.prod(out_shape) * 2
        param_shapes = layer.param_shapes()
        if param_shapes is not None:
            floats += 5 * sum(math.prod(s) for s in param_shapes)
        if isinstance(layer, Conv2d):
            (kh, kw), (ph, pw) = layer.kernel_size, layer.padding
            padded = in_shape[0] * (in_shape[1] + 2 * ph) * (in_shape[2] + 2 * pw)
            rows = out_shape[1] * (in_shape[2] + 2 * pw)  # whole-row patch columns
            floats += batch * (padded + in_shape[0] * kh * kw * max(rows, math.prod(out_shape[1:])))
    return floats


def size_problems(
    layers: tuple[Layer, ...],
    shapes: list[Shape],
    batch: int,
    iterations: int,
    graph: Graph | None = None,
) -> list[Problem]:
    """Every limit the scenario's shapes would break, before anything is allocated.

    ``iterations`` does not count: memory is bounded whatever the run's length (the iteration
    count has a limit of its own, ``MAX_ITERATIONS``)."""
    del iterations
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
                f"a batch of {count(batch, 'input')} ({shape_text(shapes[0])} each) has {inputs:,} "
                f"numbers; the limit is {MAX_TENSOR_ELEMENTS:,}",
            )
        )
    for i, (layer, in_shape, out_shape) in enumerate(
        zip(layers, input_shapes(shapes, graph), shapes[1:], strict=True)
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
    # Memory does not grow with the iteration count (training keeps checkpoints and a few
    # recent iterations, and recomputes the rest), so the limit is on one iteration.
    total = iteration_floats(layers, shapes, batch, graph) * FLOAT_BYTES
    if total > MAX_ITERATION_BYTES and not problems:  # (a tensor over its limit says it)
        problems.append(
            Problem(
                "batch_size",
                f"one iteration of this network with a batch of {batch:,} needs about "
                f"{total / 2**20:,.0f} MiB of tensors; the limit is "
                f"{MAX_ITERATION_BYTES / 2**20:.0f} MiB (a smaller batch or smaller layers)",
            )
        )
    return problems
