"""The gradient check: backprop's ``dW`` of a filter or a weight row beside centred finite
differences of the loss, computed with the engine on the iteration's own batch."""

from dataclasses import dataclass

import numpy as np

from stepcnn.engine.gradcheck import numeric_gradient
from stepcnn.engine.network import seeded_layers
from stepcnn.engine.types import Array
from stepcnn.scenario.model import Scenario
from stepcnn.timeline import Step
from stepcnn.timeline.numbering import shown
from stepcnn.timeline.training import TrainingRun

GRADCHECK_EPS = 1e-6
GRADCHECK_TOLERANCE = 1e-5


@dataclass(frozen=True)
class GradCheck:
    """Analytic gradient of a parameter slice beside its centred finite difference."""

    title: str
    analytic: Array
    numeric: Array
    eps: float = GRADCHECK_EPS

    @property
    def differences(self) -> Array:
        result: Array = self.analytic - self.numeric
        return result

    def rows(self, most: int = 64) -> list[tuple[tuple[int, ...], float, float, float]]:
        """``(cell, analytic, numeric, difference)`` for the first ``most`` weights."""
        diff = self.differences
        cells = list(np.ndindex(self.analytic.shape))[:most]
        return [
            (
                tuple(int(i) for i in c),
                float(self.analytic[c]),
                float(self.numeric[c]),
                float(diff[c]),
            )
            for c in cells
        ]

    @property
    def agrees(self) -> bool:
        """Backprop and finite differences agree to a relative 1e-5."""
        return self.relative_error < GRADCHECK_TOLERANCE

    @property
    def max_error(self) -> float:
        return float(abs(self.analytic - self.numeric).max(initial=0.0))

    @property
    def relative_error(self) -> float:
        denom = float(
            max(abs(self.analytic).max(initial=0.0), abs(self.numeric).max(initial=0.0), 1e-12)
        )
        return self.max_error / denom


def checked_slice(scenario: Scenario, step: Step) -> tuple[int, int] | None:
    """``(layer, o)``: the filter or weight row ``o`` of ``layer`` that the check of ``step``
    is about (None: its layer has no weights)."""
    layer = step.layer
    if layer is None or scenario.layers[layer].param_shapes() is None:
        return None
    o = step.index[1] if step.phase in ("forward", "backward") and len(step.index) > 1 else 0
    if step.phase == "update":
        o = step.index[0]
    return layer, o


def gradient_check(scenario: Scenario, run: TrainingRun, step: Step) -> GradCheck | None:
    """The check of the parameter slice ``step`` is about (None: its layer has no weights).

    Each nudged loss is a forward pass that starts at the checked layer: the layers before
    it see the same parameters and the same batch, so the deterministic engine gives them
    the outputs the record holds, bit for bit; starting there gives the same losses as a
    forward pass over the whole network (tested), without recomputing those layers twice per
    checked weight. The pass follows the network's graph and draws the iteration's own
    dropout masks.
    """
    where = checked_slice(scenario, step)
    if where is None:
        return None
    layer, o = where
    record = run.record(step.iteration)
    lr = record.layers[layer]
    assert lr.params is not None and lr.grads is not None
    numeric = numeric_gradient(
        seeded_layers(scenario.layers, scenario.seed, step.iteration),
        tuple(r.params for r in record.layers),
        record.x,
        record.y,
        scenario.loss,
        layer,
        "weight",
        (o,),
        GRADCHECK_EPS,
        scenario.graph,
        [r.output for r in record.layers[:layer]],
    )
    kind = "filter" if lr.params.weight.ndim == 4 else "row"
    return GradCheck(
        f"layer {layer} {scenario.layers[layer].type}: dW[{o}] ({kind} {o}), "
        f"iteration {shown(step.iteration)}",
        lr.grads.weight[o],
        numeric,
    )
