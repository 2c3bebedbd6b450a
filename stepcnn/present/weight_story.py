"""The weight-centric view: everything one weight took part in during an iteration.

For a conv weight ``w[f, c, i, j]``: every input cell it was multiplied with in the forward
pass (one per output position — shared weights), the output gradient each position paired
with in backward, and the running sum that makes ``dW[f, c, i, j]``. For a linear weight
``W[o, i]``: input ``x[n, i]`` and gradient ``g[n, o]`` for each sample.
"""

from dataclasses import dataclass

import numpy as np

from stepcnn.engine.layers import Conv2d, Linear
from stepcnn.timeline import Condition, Timeline, find


@dataclass(frozen=True)
class Contribution:
    step: int  # the backward step that adds this term
    position: tuple[int, ...]  # (n, r, s) for conv, (n,) for linear
    input_cell: tuple[int, ...] | None  # None: the weight sat on zero padding
    x: float
    g: float
    product: float
    running: float


@dataclass(frozen=True)
class WeightStory:
    title: str
    weight: float
    contributions: tuple[Contribution, ...]
    grad: float  # dW from the engine
    weight_after: float
    learning_rate: float


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
    dout = lr.grad_output
    rows: list[tuple[tuple[int, ...], tuple[int, ...] | None, float, float]] = []
    if isinstance(spec, Conv2d):
        f, c, i, j = cell
        (sh, sw), (ph, pw) = spec.stride, spec.padding
        _, _, h, w = lr.input.shape
        positions = [
            (n, r, s)
            for n in range(dout.shape[0])
            for r in range(dout.shape[2])
            for s in range(dout.shape[3])
        ]
        for n, r, s in positions:
            y, x = r * sh + i - ph, s * sw + j - pw
            inside = 0 <= y < h and 0 <= x < w
            rows.append(
                (
                    (n, r, s),
                    (n, c, y, x) if inside else None,
                    float(lr.input[n, c, y, x]) if inside else 0.0,
                    float(dout[n, f, r, s]),
                )
            )
        title = f"layer {layer} conv2d: weight W[{f},{c},{i},{j}], iteration {iteration}"
    elif isinstance(spec, Linear):
        o, i = cell
        for n in range(dout.shape[0]):
            rows.append(((n,), (n, i), float(lr.input[n, i]), float(dout[n, o])))
        title = f"layer {layer} linear: weight W[{o},{i}], iteration {iteration}"
    else:
        return None
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
    )
