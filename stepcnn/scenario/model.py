"""The validated scenario: plain data, ready to train."""

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from stepcnn.engine.graph import Graph
from stepcnn.engine.layers import Layer, Params, Shape, shape_read, shapes_through
from stepcnn.engine.optim import SGD, Adam, Optimizer, RMSprop
from stepcnn.engine.types import Array
from stepcnn.scenario.display import Display
from stepcnn.scenario.narration import Narration


def sample_shape(inputs: Array) -> Shape:
    """The shape of one sample of a batch of ``inputs`` (what the first layer reads)."""
    return tuple(int(d) for d in inputs.shape[1:])


@dataclass(frozen=True)
class Scenario:
    """Everything a scenario file says, checked and converted to arrays.

    ``inputs`` is ``(S, C, H, W)`` for the ``S`` samples; ``y`` holds the integer labels
    ``(S,)`` for cross_entropy or the targets ``(S, *output_shape)`` for mse.
    """

    name: str
    source: str
    path: Path | None
    title: str
    description: str
    credit: str
    seed: int
    learning_rate: float
    loss: str
    batch_size: int
    iterations: int
    inputs: Array
    y: Array
    layers: tuple[Layer, ...]
    initial_params: tuple[Params | None, ...]
    narration: Narration = field(default_factory=Narration)
    display: Display = field(default_factory=Display)
    momentum: float = 0.0
    weight_decay: float = 0.0
    chosen_optimizer: Adam | RMSprop | None = None  # None: SGD with the fields above
    compare: Optimizer | None = None  # trained beside, for its loss curve ([compare])
    graph: Graph | None = None  # which outputs each layer reads (None: a chain)
    steps_per_iteration: int = 0
    """Steps of one iteration (the timeline's plan, counted when the scenario was loaded)."""

    @property
    def optimizer(self) -> Optimizer:
        if self.chosen_optimizer is not None:
            return self.chosen_optimizer
        return SGD(self.learning_rate, self.momentum, self.weight_decay)

    @property
    def sample_shape(self) -> Shape:
        return sample_shape(self.inputs)

    @property
    def topology(self) -> Graph:
        """The layers' graph (a chain when the scenario names no inputs)."""
        return self.graph if self.graph is not None else Graph.chain(len(self.layers))

    @property
    def shapes(self) -> list[Shape]:
        """Per-sample shapes: the input, then each layer's output."""
        return shapes_through(self.layers, self.sample_shape, self.graph)

    def input_shape(self, layer: int) -> Shape:
        """The per-sample shape layer ``layer`` reads (each input of an add has it)."""
        return shape_read(self.shapes, layer, self.graph)

    @property
    def parameter_count(self) -> int:
        return sum(p.weight.size + p.bias.size for p in self.initial_params if p is not None)

    def batch_indices(self, iteration: int) -> tuple[int, ...]:
        """Iteration ``i`` trains on samples ``(i·batch_size + j) mod S``, ``j < batch_size``."""
        count = self.inputs.shape[0]
        start = iteration * self.batch_size
        return tuple((start + j) % count for j in range(self.batch_size))

    def batch(self, iteration: int) -> tuple[tuple[int, ...], Array, Array]:
        """The sample indices, inputs and labels/targets of iteration ``iteration``."""
        idx = self.batch_indices(iteration)
        take = np.array(idx, dtype=np.intp)
        return idx, self.inputs[take], self.y[take]


def compared(scenario: Scenario) -> Scenario | None:
    """The scenario trained by its ``[compare]`` optimizer instead — the same network, data and
    initial parameters — or None when it names none."""
    opt = scenario.compare
    if opt is None:
        return None
    return replace(
        scenario,
        learning_rate=opt.learning_rate,
        momentum=opt.momentum,
        weight_decay=opt.weight_decay,
        chosen_optimizer=opt if isinstance(opt, Adam | RMSprop) else None,
        compare=None,
    )
