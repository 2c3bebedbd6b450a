"""``[[narration.at]]`` rules that can never match a step of the scenario are errors.

Checked once the network is known: a rule's conditions are compared with the segments of one
iteration (which layer, op and index space each holds), so a typo in an index or a rule for an
op the network does not run is reported with the rule's path instead of silently never firing.
"""

from stepcnn.engine.layers import Layer, Shape
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.narration import StepRule


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def rule_problems(
    rules: tuple[StepRule, ...],
    layers: tuple[Layer, ...],
    shapes: list[Shape],
    batch_size: int,
    loss: str,
    iterations: int,
) -> list[Problem]:
    """One problem per rule that no step of any iteration can match."""
    from stepcnn.timeline.layout import Layout

    layout = Layout(layers, shapes, batch_size, loss)
    problems = []
    for rule in rules:
        if rule.iteration is not None and rule.iteration >= iterations:
            problems.append(
                Problem(
                    f"{rule.path}.iteration",
                    f"can never match: the scenario has {iterations} "
                    f"iteration{'s' if iterations != 1 else ''} "
                    f"(0–{iterations - 1}), got {rule.iteration}",
                )
            )
            continue
        segments = [
            seg
            for seg in layout.segments
            if (rule.phase is None or seg.phase == rule.phase)
            and (rule.layer is None or seg.layer == rule.layer)
            and (rule.op is None or seg.op.name == rule.op)
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
                spaces = sorted({(s.op.name, s.shape) for s in segments})
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
            first, last = rule.steps
            if not any(s.start <= last and first < s.end for s in segments):
                problems.append(
                    Problem(
                        f"{rule.path}.steps",
                        f"can never match: the steps it selects are numbers "
                        f"{min(s.start for s in segments)}–{max(s.end for s in segments) - 1} "
                        f"of each iteration, got [{first}, {last}]",
                    )
                )
    return problems
