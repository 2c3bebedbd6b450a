"""``[[narration.at]]`` rules that can never match a step of the scenario are errors.

Checked once the network is known: a rule's conditions are compared with the segments of one
iteration (which layer, op and index space each holds), so a typo in an index or a rule for an
op the network does not run is reported with the rule's path instead of silently never firing.
"""

from collections.abc import Callable, Sequence
from typing import Protocol

from stepcnn.base.wording import count
from stepcnn.engine.graph import Graph
from stepcnn.engine.layers import Layer, Shape
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.narration import StepRule


class PlannedSegment(Protocol):
    """What a rule is compared with: one segment of an iteration's steps."""

    @property
    def phase(self) -> str: ...
    @property
    def layer(self) -> int | None: ...
    @property
    def op_name(self) -> str: ...
    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


StepPlan = Callable[
    [tuple[Layer, ...], list[Shape], int, str, Graph | None], Sequence[PlannedSegment]
]
"""The segments of one iteration of a network: ``plan(layers, shapes, batch_size, loss,
graph)``.

The timeline knows which steps an iteration has (:mod:`stepcnn.timeline.load` passes its
layout); the scenario package, below it, takes that knowledge as an argument.
"""


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def rule_problems(
    rules: tuple[StepRule, ...],
    layers: tuple[Layer, ...],
    shapes: list[Shape],
    batch_size: int,
    loss: str,
    iterations: int,
    plan: StepPlan,
    graph: Graph | None = None,
) -> list[Problem]:
    """One problem per rule that no step of any iteration can match."""
    planned = plan(layers, shapes, batch_size, loss, graph)
    problems = []
    for rule in rules:
        if rule.iteration is not None and rule.iteration > iterations:  # counted from 1
            problems.append(
                Problem(
                    f"{rule.path}.iteration",
                    f"can never match: the scenario has {count(iterations, 'iteration')}"
                    f"{f' (1–{iterations})' if iterations > 1 else ''}, got {rule.iteration}",
                )
            )
            continue
        segments = [
            seg
            for seg in planned
            if (rule.phase is None or seg.phase == rule.phase)
            and (rule.layer is None or seg.layer == rule.layer)
            and (rule.op is None or seg.op_name == rule.op)
        ]
        if not segments:
            given = [n for n in ("op", "layer", "phase") if getattr(rule, n) is not None]
            wanted = ", ".join(f"{n} = {getattr(rule, n)!r}" for n in reversed(given))
            problems.append(
                Problem(f"{rule.path}.{given[0]}", f"can never match: no step has {wanted}")
            )
            continue
        if rule.index is not None:
            index = rule.index
            fits = [
                s
                for s in segments
                if len(s.shape) == len(index)
                and all(i < d for i, d in zip(index, s.shape, strict=True))
            ]
            if not fits:
                spaces = sorted({(s.op_name, s.shape) for s in segments})
                listed = "; ".join(f"{op} steps run over {_shape_text(sh)}" for op, sh in spaces)
                problems.append(
                    Problem(
                        f"{rule.path}.index",
                        f"can never match: {_shape_text(index)} is outside the steps it "
                        f"selects ({listed[:300]})",
                    )
                )
                continue
            segments = fits
        if rule.steps is not None:
            first, last = rule.steps  # counted from 1: a segment holds start + 1 … end
            if not any(s.start + 1 <= last and first <= s.end for s in segments):
                problems.append(
                    Problem(
                        f"{rule.path}.steps",
                        f"can never match: the steps it selects are numbers "
                        f"{min(s.start for s in segments) + 1}–{max(s.end for s in segments)} "
                        f"of each iteration, got [{first}, {last}]",
                    )
                )
    return problems
