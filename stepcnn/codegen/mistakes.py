"""Why a learner's answer is wrong, when it is one of the classic mistakes.

Each mistake is a hypothesis tested on the numbers, never on the learner's source: what the
answer would be *with* the mistake is recomputed from the call's own arguments (each kind's and
each loss's ``MISTAKES``/``mistakes``, written with :mod:`.guesses`), and the mistake is named
only when the learner's whole tensor equals it — by the grader's own comparison — and it differs
from the right answer. The mistakes: an overwrite where a running sum needs ``+=``; a transposed
or flipped filter or weight; a missing bias; an off-by-one window (its last row or column left
out) or output size (one row or column short or long); the wrong softmax or mse gradient; a
summed loss.
"""

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from stepcnn.codegen import kinds, losses
from stepcnn.codegen.cases import Case
from stepcnn.codegen.guesses import Guess, arrays

Agrees = Callable[[Any, Any], bool]
"""The grader's comparison: ``agrees(expected, got)``."""


def guesses(case: Case) -> Iterator[Guess]:
    """The classic mistakes of the function ``case`` calls, with their answers to it."""
    for name in losses.names():
        loss = losses.loss(name)
        if case.function == loss.FUNCTION:
            return loss.mistakes(arrays(case.args))
    type_name, _, phase = case.function.rpartition("_")
    if type_name in kinds.names():
        found = kinds.kind(type_name).MISTAKES.get(phase)
        if found is not None:
            return found(arrays(case.args))
    return iter(())


def diagnose(case: Case, result: str, got: Any, agrees: Agrees) -> str | None:
    """The one line naming the mistake the learner's ``result`` (nested lists, or a number)
    shows, or None when it is none of them."""
    expected = np.array(next(r.expected for r in case.results if r.name == result), dtype=float)
    try:
        have = np.array(got, dtype=float)
    except (TypeError, ValueError):  # ragged, or not numbers: no hypothesis to test
        return None
    if have.shape != expected.shape:
        return output_size(expected, have, agrees) if result == "out" else None
    with np.errstate(all="ignore"):
        for line, answers in guesses(case):
            answer = answers.get(result)
            if answer is None or np.shape(answer) != expected.shape:
                continue
            guess = np.asarray(answer, dtype=float).tolist()
            if agrees(guess, got) and not agrees(expected.tolist(), guess):
                return line
    return None


def output_size(expected: np.ndarray, have: np.ndarray, agrees: Agrees) -> str | None:
    """A map one row and/or column short or long, whose cells agree with the right map's
    where both have them: the output-size formula off by one."""
    if expected.ndim != 4 or have.ndim != 4 or expected.shape[:2] != have.shape[:2]:
        return None
    off = [h - w for w, h in zip(expected.shape[2:], have.shape[2:], strict=True)]
    if sorted(abs(d) for d in off) not in ([0, 1], [1, 1]) or off[0] * off[1] < 0:
        return None
    rows, columns = (min(w, h) for w, h in zip(expected.shape[2:], have.shape[2:], strict=True))
    if not agrees(expected[..., :rows, :columns].tolist(), have[..., :rows, :columns].tolist()):
        return None
    shape = f"{have.shape[2]}×{have.shape[3]}, not {expected.shape[2]}×{expected.shape[3]}"
    return (
        f"off-by-one output size: Ho = (H + 2·ph − kh) // sh + 1 (likewise Wo) — yours is {shape}"
    )
