"""A checkpoint's question at its step: the prompt, the answer and the arithmetic that gives it,
all from the step the engine derived — never a number typed into the course file.

``result`` is predict mode's own question (:func:`stepcnn.session.practice.question`); ``dW``
and ``weight`` ask one cell of the running filter gradient or of the updated weights. A guess is
right at the precision the chapter shows: within half a unit of its last decimal, or 0.5 %.
"""

import math
from dataclasses import dataclass

import numpy as np

from stepcnn.courses.model import Checkpoint
from stepcnn.session.practice import (
    REVEALING,
    Question,
    parse_guess,
    question,
    update_working,
)
from stepcnn.timeline.numbers import idx, num, paren
from stepcnn.timeline.step import Step
from stepcnn.timeline.timeline import Timeline

RELATIVE = 0.005


@dataclass(frozen=True)
class Asked:
    """What the learner is asked, and what makes a guess right."""

    prompt: str  # the course's words for it
    question: Question  # what to compute, the answer, the working, the operands shown
    decimals: int

    @property
    def answer(self) -> float:
        return self.question.answer

    def check(self, guess: float | str) -> bool:
        value = parse_guess(guess) if isinstance(guess, str) else float(guess)
        return value is not None and accepts(value, self.answer, self.decimals)


def tolerance(answer: float, decimals: int) -> float:
    """How far a right guess may be: half a unit of the last decimal shown, or 0.5 %."""
    return max(0.5 * 10.0**-decimals, RELATIVE * abs(answer)) * (1 + 1e-9)


def accepts(guess: float, answer: float, decimals: int) -> bool:
    if not math.isfinite(answer):
        return guess == answer or (math.isnan(guess) and math.isnan(answer))
    return math.isfinite(guess) and abs(guess - answer) <= tolerance(answer, decimals)


def _cell(array: np.ndarray, cell: tuple[int, ...] | None) -> tuple[int, ...]:
    return cell if cell is not None else tuple(0 for _ in array.shape)


def _given(step: Step) -> dict[str, np.ndarray]:
    hidden = REVEALING.get(step.phase, frozenset())
    return {n: a for n, a in step.operands.items() if n not in hidden}


def _dw(step: Step, cell: tuple[int, ...] | None) -> Question:
    """The running dW[f] at ``cell`` once this backward step has added g·patch (g·x)."""
    ops = step.operands
    after = np.asarray(ops["dw_after"])
    at = _cell(after, cell)
    before = float(np.asarray(ops["dw_before"])[at])
    g = float(np.asarray(ops["grad"]).reshape(-1)[0])
    source = "patch" if "patch" in ops else "input"
    x = float(np.asarray(ops[source])[at])
    f = step.index[1] if step.kind == "conv2d" else step.index[-1]
    name = f"dW[{f}]{idx(at)}"
    value = float(after[at])
    working = (
        f"{name} = {num(before)} + g·{'patch' if source == 'patch' else 'x'}{idx(at)} = "
        f"{num(before)} + {paren(g)}·{paren(x)} = {num(value)}"
    )
    return Question(step.op, f"{name} after this step", value, working, _given(step))


def _weight(step: Step, cell: tuple[int, ...] | None) -> Question:
    """W[f] at ``cell`` after the update, worked as the optimizer computes it."""
    after = np.asarray(step.operands["weight_after"])
    at = _cell(after, cell)
    name = f"W[{step.index[0]}]{idx(at)}"
    working = update_working(step.operands, name, at)
    return Question(step.op, f"{name} after the update", float(after[at]), working, _given(step))


def ask(step: Step, timeline: Timeline, checkpoint: Checkpoint, decimals: int) -> Asked:
    """The question ``checkpoint`` asks at ``step`` (checked when the course was loaded: the
    step has one)."""
    if checkpoint.ask == "dW":
        found = _dw(step, checkpoint.cell)
    elif checkpoint.ask == "weight":
        found = _weight(step, checkpoint.cell)
    else:
        own = question(step, timeline)
        assert own is not None, f"step {step.k} has nothing to predict"
        found = own
    return Asked(checkpoint.prompt, found, decimals)
