"""The Python API for notebooks and scripts: a scenario's training run as a :class:`Lesson`.

>>> import stepcnn
>>> lesson = stepcnn.load("tour")
>>> step = lesson.step(10)          # the same numbering as ``stepcnn trace``
>>> patch = step.operands["patch"]
>>> dW = lesson.tensor(150, 0, "grad_weight")   # the running dW[...] as it stands at step 150
"""

import io
import json
from collections.abc import Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, overload

import numpy as np

from stepcnn.api.figure import DEFAULT_SIZE, Figure, render
from stepcnn.engine.types import Array
from stepcnn.scenario import Scenario
from stepcnn.timeline import Step, TensorId, Timeline
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.tensors import grad_output_id, input_id
from stepcnn.timeline.training import TrainingRun

LAYER_TENSORS = (
    "input",
    "output",
    "grad_output",
    "grad_input",
    "weight",
    "bias",
    "grad_weight",
    "grad_bias",
)
"""Tensor names of a layer for :meth:`Lesson.tensor` (``input``/``grad_output`` are the
neighbours' ``output``/``grad_input``)."""
LOSS_TENSORS = {
    "cross_entropy": ("x", "y", "probs", "per_sample", "loss", "grad_scores"),
    "mse": ("x", "y", "sq_error", "loss", "grad_scores"),
}
"""Tensor names with ``layer=None``: the batch ``x``, its labels or targets ``y``, and the
loss's own tensors."""


class Steps(Sequence[Step]):
    """Every elementary step of the run, by number; steps are derived when asked for."""

    def __init__(self, timeline: Timeline) -> None:
        self._timeline = timeline

    def __len__(self) -> int:
        return len(self._timeline)

    @overload
    def __getitem__(self, k: int) -> Step: ...
    @overload
    def __getitem__(self, k: slice) -> list[Step]: ...
    def __getitem__(self, k: int | slice) -> Step | list[Step]:
        if isinstance(k, slice):
            return [self._timeline[i] for i in range(*k.indices(len(self)))]
        if not -len(self) <= k < len(self):
            raise IndexError(f"step {k} out of range (0–{len(self) - 1})")
        return self._timeline[k]

    def __iter__(self) -> Iterator[Step]:
        return iter(self._timeline)


class Lesson:
    """A scenario and its training run: steps, tensors at any step, figures and the export."""

    def __init__(self, scenario: Scenario, iterations: int | None = None) -> None:
        self.scenario = scenario
        self.iterations = iterations
        self.run = TrainingRun(scenario, iterations)
        self.timeline = Timeline(self.run)
        self.steps = Steps(self.timeline)

    def __repr__(self) -> str:
        return (
            f"<Lesson {self.scenario.name!r}: {self.scenario.title!r}, "
            f"{len(self.run)} iterations, {len(self.steps)} steps>"
        )

    def step(self, k: int) -> Step:
        """Step ``k``: ``k, iteration, phase, layer, op, index, value, equation, operands``."""
        return self.steps[k]

    def tensor(self, k: int, layer: int | None, name: str) -> Array:
        """``name`` of ``layer`` (None for the batch and the loss) as it stands once step ``k``
        has run: a copy, with ``NaN`` in the cells not computed yet.

        Layer names: ``input``, ``output``, ``grad_output``, ``grad_input``, ``weight``,
        ``bias``, ``grad_weight``, ``grad_bias``; with ``layer=None``: ``x``, ``y``, ``loss``,
        ``grad_scores``, and ``probs``, ``per_sample`` (cross-entropy) or ``sq_error`` (mse).
        """
        k = self.steps[k].k  # checks the range, allows negative k
        partial = self.timeline.tensor_at(k, self._tensor_id(layer, name))
        values = np.array(partial.values, dtype=float)
        if partial.known is not None:
            values[~partial.known] = np.nan
        return values

    def _tensor_id(self, layer: int | None, name: str) -> TensorId:
        count = len(self.scenario.layers)
        if layer is None:
            known = LOSS_TENSORS[self.scenario.loss]
            if name not in known:
                raise ValueError(
                    f"tensor {name!r} with layer=None ({self.scenario.loss} loss): "
                    f"known {', '.join(known)}"
                )
            return TensorId(None, name)
        if not 0 <= layer < count:
            raise ValueError(f"layer {layer} out of range (0–{count - 1})")
        if name not in LAYER_TENSORS:
            raise ValueError(f"tensor {name!r}: known {', '.join(LAYER_TENSORS)}")
        if name in ("weight", "bias", "grad_weight", "grad_bias") and (
            self.scenario.initial_params[layer] is None
        ):
            raise ValueError(
                f"layer {layer} ({self.scenario.layers[layer].type}) has no parameters"
            )
        if name == "input":
            return input_id(layer, self.scenario.graph)
        if name == "grad_output":
            return grad_output_id(layer, count, self.scenario.graph)
        return TensorId(layer, name)

    def figure(
        self,
        k: int,
        size: tuple[int, int] = DEFAULT_SIZE,
        *,
        theme: str | None = None,
        view: str = "normal",
    ) -> Figure:
        """The debugger's screen at step ``k``, ``size`` = (columns, lines); shows itself in
        Jupyter and saves with ``.save("x.svg")`` or ``.save("x.png")``."""
        k = self.steps[k].k
        return render(
            self.scenario, k, size=size, theme=theme, view=view, iterations=self.iterations
        )

    def export(self) -> dict[str, Any]:
        """What ``stepcnn export`` prints, as a dict."""
        from stepcnn.io.export import write_export

        out = io.StringIO()
        write_export(self.run, out)
        result: dict[str, Any] = json.loads(out.getvalue())
        return result


def load(scenario: str | PathLike[str], iterations: int | None = None) -> Lesson:
    """A built-in scenario by name, or a scenario file by path; raises
    :class:`stepcnn.ScenarioError` (naming the file and the field) for a bad one."""
    ref = str(Path(scenario)) if isinstance(scenario, PathLike) else scenario
    lesson_scenario = load_scenario(ref)
    if iterations is not None:
        from stepcnn.scenario.budget import iterations_problems
        from stepcnn.scenario.errors import Problem, ScenarioError

        problems = iterations_problems(lesson_scenario, iterations)
        if iterations < 1 or problems:
            reason = problems[0].message if problems else f"must be at least 1, got {iterations}"
            raise ScenarioError(lesson_scenario.source, [Problem("iterations", reason)])
    return Lesson(lesson_scenario, iterations)
