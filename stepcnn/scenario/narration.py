"""Narration: text for each kind of step, and for specific steps or ranges.

Schema (all optional)::

    [narration]
    intro = "Shown before the first step."
    [narration.ops]                     # by operation or by layer type
    "conv2d.forward" = "Filter slides: out{index} = {value:.3f}"
    relu = "Negative values are cut to zero."
    [[narration.at]]                    # specific steps; the first rule that matches wins
    op = "conv2d.backward"              # any of: iteration, phase, layer, op, index, steps
    index = [0, 0, 1, 1]
    text = "This position adds its share into dW."

``iteration`` and ``steps`` count as the screen does, from 1: ``iteration = 1`` is the first
iteration, ``steps = [a, b]`` matches steps a…b of each iteration (both included), the first
step of an iteration being 1.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stepcnn.base.wording import one_of
from stepcnn.engine.network import LOSSES, PHASES
from stepcnn.engine.registry import layer_types, op_names
from stepcnn.scenario.fields import MISSING, Table, describe
from stepcnn.scenario.placeholders import check_template


def op_kinds() -> tuple[str, ...]:
    """The operations narration may name (``"conv2d.forward"``)."""
    return op_names()


def layer_kinds_and_losses() -> tuple[str, ...]:
    """The layer types and loss names narration may name (``"conv2d"``, ``"mse"``)."""
    return (*layer_types(), *LOSSES)


@dataclass(frozen=True)
class StepRule:
    """Narration for the steps that match every condition given."""

    text: str
    iteration: int | None = None
    phase: str | None = None
    layer: int | None = None
    op: str | None = None
    index: tuple[int, ...] | None = None
    steps: tuple[int, int] | None = None
    path: str = field(default="", compare=False)  # where the rule stands: "narration.at[0]"

    def matches(self, where: Mapping[str, Any]) -> bool:
        """``where`` holds the step's iteration, phase, layer, op, index and offset."""
        checks: list[tuple[object, object]] = [
            (self.iteration, where["iteration"]),
            (self.phase, where["phase"]),
            (self.layer, where["layer"]),
            (self.op, where["op"]),
            (self.index, where["index"]),
        ]
        if any(want is not None and want != have for want, have in checks):
            return False
        if self.steps is not None:
            first, last = self.steps
            return bool(first <= where["offset"] <= last)
        return True


@dataclass(frozen=True)
class Narration:
    intro: str = ""
    ops: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[StepRule, ...] = ()

    def template_for(self, where: Mapping[str, Any]) -> str:
        """The text for a step: a matching rule, else its op, else its layer type."""
        for rule in self.rules:
            if rule.matches(where):
                return rule.text
        op = str(where["op"])
        return self.ops.get(op) or self.ops.get(op.split(".")[0], "")


def template(table: Table, key: str, value: object) -> str | None:
    """``value`` as a narration template (placeholders checked), or None with the problem
    recorded under ``key``."""
    if not isinstance(value, str):
        table.error(key, f"must be a string, got {describe(value)}")
        return None
    problem = check_template(value)
    if problem:
        table.error(key, problem)
        return None
    return value


def _read_rule(rule: Table, layer_count: int) -> StepRule | None:
    text = template(rule, "text", rule.raw("text", required=True))
    iteration = rule.integer("iteration", minimum=1, what="an iteration number (the first is 1)")
    phase = rule.choice("phase", PHASES)
    layer = rule.integer("layer", minimum=0, what="a layer number (from 0)")
    if layer is not None and layer >= layer_count:
        rule.error(
            "layer",
            f"must name {one_of(layer_count, 'layer')}, got {describe(layer)}",
        )
        layer = None
    op = rule.choice("op", op_kinds())
    index_value = rule.index("index")
    steps = rule.raw("steps")
    steps_value: tuple[int, int] | None = None
    if steps is not MISSING:
        ok = (
            isinstance(steps, list)
            and len(steps) == 2
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in steps)
            and steps[0] <= steps[1]
        )
        if ok:
            steps_value = (steps[0], steps[1])
        else:
            rule.error(
                "steps",
                "must be [first, last] step numbers (from 1) with first ≤ last, "
                f"got {describe(steps)}",
            )
    rule.finish()
    if text is None:
        return None
    return StepRule(text, iteration, phase, layer, op, index_value, steps_value, rule.path)


def read_narration(table: Table | None, layer_count: int) -> Narration:
    """The ``[narration]`` table, every template checked."""
    if table is None:
        return Narration()
    intro_raw = table.raw("intro")
    intro = "" if intro_raw is MISSING else (template(table, "intro", intro_raw) or "")
    ops: dict[str, str] = {}
    ops_table = table.table("ops")
    if ops_table is not None:
        known = (*op_kinds(), *layer_kinds_and_losses())
        for key in ops_table.data:
            if key not in known:
                continue  # reported by finish() with a suggestion
            text = template(ops_table, key, ops_table.raw(key))
            if text is not None:
                ops[key] = text
        ops_table.known.extend(known)
        ops_table.finish()
    rules = [_read_rule(rule, layer_count) for rule in table.tables("at")]
    table.finish()
    return Narration(intro, ops, tuple(r for r in rules if r is not None))
