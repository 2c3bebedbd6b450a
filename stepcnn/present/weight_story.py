"""The weight-centric view: everything one weight took part in during an iteration.

For a conv weight ``w[f, c, i, j]``: every input cell it was multiplied with in the forward
pass (one per output position — shared weights), the output gradient each position paired
with in backward, and the running sum that makes ``dW[f, c, i, j]``. For a linear weight
``W[o, i]``: input ``x[n, i]`` and gradient ``g[n, o]`` for each sample.
"""

from dataclasses import dataclass

import numpy as np

from stepcnn.present import kind_table
from stepcnn.timeline import Condition, Timeline, find
from stepcnn.timeline.numbering import shown


@dataclass(frozen=True)
class Contribution:
    step: int  # the backward step that adds this term
    position: tuple[int, ...]  # (n, r, s) for conv, (n,) for linear
    input_cell: tuple[int, ...] | None  # None: the weight sat on zero padding
    x: float
    g: float
    product: float
    running: float


Row = tuple[tuple[int, ...], tuple[int, ...] | None, float, float]
"""One term of ``dW[cell]``: the position (``(n, r, s)`` or ``(n,)``), the input cell it read
(None on zero padding), that input's value and the output gradient it paired with."""

StoryRows = tuple[list[Row], str]
"""The rows of a weight, in backward step order, and the weight's name (``W[0,0,1,1]``)."""


@dataclass(frozen=True)
class WeightStory:
    title: str
    weight: float
    contributions: tuple[Contribution, ...]
    grad: float  # dW from the engine
    weight_after: float
    learning_rate: float
    plain_sgd: bool  # W_new = W − η·dW (no momentum, no weight decay)


def weight_story(
    timeline: Timeline, iteration: int, layer: int, cell: tuple[int, ...]
) -> WeightStory | None:
    """The story of weight ``cell`` of ``layer`` in ``iteration`` (None for other layers)."""
    scenario = timeline.run.scenario
    spec = scenario.layers[layer]
    record = timeline.run.record(iteration)
    lr = record.layers[layer]
    if lr.params is None or lr.grads is None or lr.params_after is None:
        return None
    found = kind_table.module(spec.type).WEIGHT_STORY(lr, spec, cell) if spec.trainable else None
    if found is None:
        return None
    rows, what = found
    dout = lr.grad_output
    title = f"layer {layer} {spec.type}: weight {what}, iteration {shown(iteration)}"
    backward = Condition(iteration=iteration, phase="backward", layer=layer)
    first = find(timeline, backward, iteration * timeline.per_iteration - 1)
    assert first is not None
    seg_start = first  # positions are visited in step order: (n, f, r, s) with f fixed
    contributions = []
    running: float = 0.0
    with np.errstate(all="ignore"):
        for position, input_cell, xv, gv in rows:
            product = xv * gv
            running += product
            index = (position[0], cell[0], *position[1:])
            local = int(np.ravel_multi_index(index, dout.shape))
            contributions.append(
                Contribution(seg_start + local, position, input_cell, xv, gv, product, running)
            )
    return WeightStory(
        title,
        float(lr.params.weight[cell]),
        tuple(contributions),
        float(lr.grads.weight[cell]),
        float(lr.params_after.weight[cell]),
        scenario.learning_rate,
        scenario.momentum == 0 and scenario.weight_decay == 0,
    )
