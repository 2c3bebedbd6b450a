"""Predict mode: a question for each step (its result hidden), the learner's guess, a score.

One number per step: forward, the element computed; backward, the gradient the step sends
back (into ``dx``, or ``dL/dz`` for the loss); update, the new weight. The operands that give
the answer away are hidden while the question is open. Within 1 % relative or 0.01 absolute
counts as right. No Textual here: :mod:`stepcnn.tui.predict` draws it.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import idx, num, paren
from stepcnn.timeline.step import Step
from stepcnn.timeline.timeline import Timeline

REL, ABS = 0.01, 0.01

# Operands that hold (part of) the answer, by phase: hidden until it is revealed.
REVEALING = {
    "forward": frozenset({"products", "output", "winner", "share", "x_hat"}),
    "backward": frozenset(
        {
            "routed",
            "winner",
            "mask",
            "local",
            "grad_input",
            "dw_contribution",
            "dx_contribution",
            "dw_after",
            "terms",  # batchnorm's three terms of dx
        }
    ),
    "update": frozenset(
        {"weight_after", "bias_after", "velocity_after", "m_hat", "v_hat"}  # Adam's mˆ, vˆ
    ),
}


@dataclass(frozen=True)
class Question:
    op: str
    prompt: str  # what to compute
    answer: float
    working: str  # the right computation with its numbers
    given: dict[str, Array]  # the operands shown while the question is open


def _first(array: Array) -> float:
    return float(np.asarray(array).reshape(-1)[0])


def _at(array: Array) -> str:
    """The index of an operand's first cell, e.g. ``[0,0,0]``."""
    return idx(tuple(0 for _ in np.asarray(array).shape))


def _first_cell(cells: tuple[int | slice, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The first cell a numpy-style index (ints and slices) selects."""
    first = [c if isinstance(c, int) else range(shape[d])[c][0] for d, c in enumerate(cells)]
    return tuple(first) + (0,) * (len(shape) - len(first))


def update_working(ops: dict[str, Array], cell: str, at: tuple[int, ...] | None = None) -> str:
    """The update of the weight at ``at`` (the first when None), named ``cell``, with its
    numbers, as the optimizer computes it."""

    def value(name: str) -> float:
        array = np.asarray(ops[name])
        return float(array[at]) if at is not None and array.ndim else _first(array)

    w, dw, after = (value(k) for k in ("weight_before", "grad_weight", "weight_after"))
    eta = _first(ops["learning_rate"]) if "learning_rate" in ops else math.nan
    g = dw + (value("decay") if "decay" in ops else 0.0)  # dW + λ·W
    if "m_hat" in ops:  # Adam
        mh, vh = value("m_hat"), value("v_hat")
        return (
            f"mˆ = m/(1 − β₁ᵗ) = {num(mh)}, vˆ = v/(1 − β₂ᵗ) = {num(vh)};  {cell} ← "
            f"{num(w)} − {num(eta)}·{paren(mh)}/(√{num(vh)} + ε) = {num(after)}"
        )
    if "s_after" in ops:  # RMSprop
        sq = value("s_after")
        return (
            f"g = {num(g)}, s = {num(sq)};  {cell} ← {num(w)} − {num(eta)}·{paren(g)}/"
            f"(√{num(sq)} + ε) = {num(after)}"
        )
    if "velocity_after" in ops:  # SGD with momentum / weight decay: W moves by v
        v = value("velocity_after")
        return (
            f"v = {num(v)} (from dW = {num(dw)});  {cell} ← "
            f"{num(w)} − {num(eta)}·{paren(v)} = {num(after)}"
        )
    return f"{cell} ← {num(w)} − {num(eta)}·{paren(g)} = {num(after)}"


def _sent_back(step: Step, timeline: Timeline) -> Question | None:
    """Any other backward step: dx at the first cell it writes, as it stands after the step."""
    region = next((w for w in step.writes if w.tensor.name == "grad_input"), None)
    if region is None:
        return None
    partial = timeline.tensor_at(step.k, region.tensor)
    cell = _first_cell(region.cells, partial.values.shape)
    answer = float(partial.values[cell])
    given = {n: a for n, a in step.operands.items() if n not in REVEALING["backward"]}
    return Question(step.op, f"dx{idx(cell)} after this step", answer, step.equation, given)


def question(step: Step, timeline: Timeline | None = None) -> Question | None:
    """The question of a step, or None where there is nothing to predict (a reshape).

    ``timeline`` answers for backward steps of kinds without a rule of their own.
    """
    ops = step.operands
    if not ops:
        return None  # the flatten reshape: nothing is computed
    hidden = set(REVEALING.get(step.phase, ()))
    if step.phase == "forward" and step.layer is None and step.op.endswith(".forward"):
        hidden.add("probs")  # the loss term is −log of it
    if step.phase == "backward" and step.layer is None:
        hidden.add("grad")  # the loss's dL/dz is the answer
    given = {name: a for name, a in ops.items() if name not in hidden}
    if step.phase == "update" and "weight_after" in ops:
        after = ops["weight_after"]  # a filter, a row, or batchnorm's one γ
        cell = f"W[{step.index[0]}]" + (_at(after) if np.ndim(after) else "")
        working = update_working(ops, cell)
        return Question(step.op, f"{cell} after the update", _first(after), working, given)
    if step.phase == "backward" and "dx_contribution" in ops:
        g = _first(ops["grad"])
        name = "filter" if "filter" in ops else "row"  # the operand shown: W[f], or W[o]
        w = _first(ops[name]) if name in ops else math.nan
        answer = _first(ops["dx_contribution"])
        at = _at(ops["dx_contribution"])
        return Question(
            step.op,
            f"what this step adds into dx at the first cell it reaches: g·{name}{at}",
            answer,
            f"g·{name}{at} = {num(g)}·{paren(w)} = {num(answer)}   ({step.equation})",
            given,
        )
    if step.phase == "backward" and "routed" in ops:
        routed = ops["routed"]
        answer = _first(routed)
        if "winner" in ops:
            winner = "is" if _first(ops["winner"]) else "is not"
            why = f"the top-left cell {winner} the winner: it gets {num(answer)}"
        else:  # average pooling: every cell its share
            why = f"every cell of the window gets g/{routed.size} = {num(answer)}"
        return Question(
            step.op,
            f"the gradient the window's top-left cell {_at(routed)} receives",
            answer,
            f"{why}   ({step.equation})",
            given,
        )
    if step.phase == "backward" and "grad_input" in ops:
        answer = _first(ops["grad_input"])
        return Question(
            step.op, f"dx{idx(step.index)}, the gradient passed back", answer, step.equation, given
        )
    if step.phase == "backward" and step.layer is not None and timeline is not None:
        generic = _sent_back(step, timeline)
        if generic is not None:
            return generic
    if step.value is None:
        return None
    left = step.equation.split(" = ", 1)[0] if " = " in step.equation else step.op
    if step.phase == "forward" and step.layer is not None:
        left = f"out{idx(step.index)}"  # a layer's forward step computes its output element
    if step.phase == "backward" and step.layer is not None:
        left = f"g = dL/dout{idx(step.index)}"
    return Question(step.op, left, float(step.value), step.equation, given)


def is_right(guess: float, answer: float) -> bool:
    """Within 1 % relative or 0.01 absolute (NaN matches NaN, inf its own sign)."""
    if math.isnan(answer) or math.isinf(answer):
        return guess == answer or (math.isnan(guess) and math.isnan(answer))
    return abs(guess - answer) <= max(ABS, REL * abs(answer))


def parse_guess(text: str) -> float | None:
    """The learner's number (a real minus sign, ``nan`` and ``inf`` are fine); None if not one."""
    cleaned = text.strip().replace("\u2212", "-").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


@dataclass
class Score:
    """Right answers and tries, per operation (reveals without a guess are not scored)."""

    per_op: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, op: str, right: bool) -> None:
        good, tried = self.per_op.get(op, (0, 0))
        self.per_op[op] = (good + int(right), tried + 1)

    def text(self) -> str:
        if not self.per_op:
            return "no predictions yet"
        return "   ".join(f"{op} {good}/{tried}" for op, (good, tried) in self.per_op.items())
