"""What the classic mistakes of the graded functions are written with (see :mod:`.mistakes`).

A kind's or a loss's ``mistakes`` take the call's arguments as numpy arrays (:func:`arrays`)
and yield :data:`Guess` es: a mistake's one line, and what a learner making it would return —
recomputed from the arguments, so that the learner's answer can be tested against it.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from stepcnn.engine.types import Array

Guess = tuple[str, dict[str, Array]]
"""A mistake's one line, and the results (by the contract's names) a learner making it gives."""

Guesses = Callable[[list[Any]], Iterator[Guess]]
"""A function's mistakes: from its arguments (:func:`arrays`), each mistake's answers."""

MAX_EMULATED = 200_000
"""Output cells up to which an overwriting loop is replayed one cell at a time."""


def arrays(args: Sequence[tuple[str, Any]]) -> list[Any]:
    """A case's tagged arguments as the functions take them: tensors and labels as arrays,
    pairs as tuples, numbers as they are."""
    values: list[Any] = []
    for kind, value in args:
        if kind == "tensor":
            values.append(np.array(value, dtype=float))
        elif kind == "tensors":
            values.append([np.array(v, dtype=float) for v in value])
        elif kind == "labels":
            values.append(np.array(value, dtype=np.intp))
        elif kind == "pair":
            values.append(tuple(value))
        else:
            values.append(value)
    return values


def window_cuts(kh: int, kw: int) -> Iterator[tuple[str, int, int]]:
    """The windows one row, one column, or both short of ``kh × kw`` (those that are not
    empty): what was left out, and the rows and columns kept."""
    for what, rows, columns in (
        ("last row", kh - 1, kw),
        ("last column", kh, kw - 1),
        ("last row and column", kh - 1, kw - 1),
    ):
        if rows >= 1 and columns >= 1:
            yield what, rows, columns


def window_line(result: str, what: str) -> str:
    """The one line of an off-by-one window."""
    loop = {"last row": "range(kh - 1)", "last column": "range(kw - 1)"}.get(
        what, "range(kh - 1) and range(kw - 1)"
    )
    return (
        f"off-by-one window: your {result} is what a window without its {what} gives "
        f"({loop} where the whole window is needed)"
    )


def overwrite_line(name: str, alone: str, code: str, each: str) -> str:
    """The one line of a running sum written with ``=`` (``code``): ``name`` keeps ``alone``,
    where every ``each`` adds its share."""
    return (
        f"{name} overwritten instead of accumulated: it equals the last {alone} alone "
        f"({code} where every {each} must add: +=)"
    )
