"""What a run will need, estimated from shapes alone (nothing is allocated or computed): the
memory of one iteration, and the work of the whole run (its steps, its arithmetic)."""

import math

from stepcnn.base.wording import count
from stepcnn.engine.graph import Graph
from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.layers import Layer, Shape, shapes_read
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.layer_schema import shape_text
from stepcnn.scenario.limits import (
    MAX_ITERATION_BYTES,
    MAX_PARAMETERS,
    MAX_RUN_FLOPS,
    MAX_RUN_STEPS,
    MAX_TENSOR_ELEMENTS,
)
from stepcnn.scenario.model import Scenario

FLOAT_BYTES = 8
IM2COL_FACTOR = 5
"""The patch matrix of a convolution may be this many times the tensor limit."""


def iteration_floats(
    layers: tuple[Layer, ...], shapes: list[Shape], batch: int, graph: Graph | None = None
) -> int:
    """Floats stored for one iteration: activations and their gradients, parameters ×5
    (before, gradient, after, two velocities), a convolution's padded input and patch matrix."""
    floats = batch * math.prod(shapes[0]) * 2
    in_shapes = shapes_read(shapes, graph)
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


def iteration_flops(layers: tuple[Layer, ...], shapes: list[Shape], batch: int) -> int:
    """Floating-point operations of one training iteration, estimated from the shapes.

    A layer with parameters does a multiply-add per output element and input it reads
    (``weight elements / out_channels`` of them: ``C·kh·kw`` for conv2d, ``I`` for linear)
    forward, and twice that backward (``dx`` and ``dW``): 6 operations each; its update 4
    per parameter. A layer without reads each cell of its window (pooling) or its one input
    cell (activations) forward and backward: 4 per output element and window cell. The loss:
    10 per score."""
    flops = 10 * batch * math.prod(shapes[-1])
    for layer, out_shape in zip(layers, shapes[1:], strict=True):
        outputs = batch * math.prod(out_shape)
        param_shapes = layer.param_shapes()
        if param_shapes is not None:
            weight, bias = (math.prod(s) for s in param_shapes)
            flops += 6 * outputs * (weight // param_shapes[0][0]) + 4 * (weight + bias)
        else:
            flops += 4 * outputs * math.prod(getattr(layer, "kernel_size", (1,)))
    return flops


def work_problems(
    layers: tuple[Layer, ...],
    shapes: list[Shape],
    batch: int,
    iterations: int,
    steps_per_iteration: int,
) -> list[Problem]:
    """The run's steps and its arithmetic over their limits (``MAX_RUN_STEPS``,
    ``MAX_RUN_FLOPS``), with the figures."""
    problems = []
    steps = steps_per_iteration * iterations
    if steps > MAX_RUN_STEPS:
        problems.append(
            Problem(
                "iterations",
                f"the run would have {steps:,} steps ({steps_per_iteration:,} per iteration "
                f"× {count(iterations, 'iteration')}); the limit is {MAX_RUN_STEPS:,}: "
                "fewer iterations or a smaller network",
            )
        )
    per = iteration_flops(layers, shapes, batch)
    flops = per * iterations
    if flops > MAX_RUN_FLOPS:
        problems.append(
            Problem(
                "iterations",
                f"training the run would take about {flops:.2g} floating-point operations "
                f"({per:.2g} per iteration × {count(iterations, 'iteration')}); the limit is "
                f"{MAX_RUN_FLOPS:.0e} (minutes of training): fewer iterations, a smaller batch "
                "or smaller layers",
            )
        )
    return problems


def size_problems(
    layers: tuple[Layer, ...],
    shapes: list[Shape],
    batch: int,
    iterations: int,
    steps_per_iteration: int,
    graph: Graph | None = None,
) -> list[Problem]:
    """Every limit the scenario's shapes would break, before anything is allocated: memory
    (of one iteration: training keeps checkpoints and a few recent iterations, so memory does
    not grow with the run) and the run's work (:func:`work_problems`)."""
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
        zip(layers, shapes_read(shapes, graph), shapes[1:], strict=True)
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
    if not problems:
        problems = work_problems(layers, shapes, batch, iterations, steps_per_iteration)
    return problems


def iterations_problems(scenario: Scenario, iterations: int) -> list[Problem]:
    """The limits ``scenario`` would break run for ``iterations`` iterations (an
    ``--iterations`` override: its memory and its work)."""
    s = scenario
    return size_problems(
        s.layers, s.shapes, s.batch_size, iterations, s.steps_per_iteration, s.graph
    )
