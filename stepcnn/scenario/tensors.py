"""Reading nested TOML lists into float64 arrays: rectangular, numeric and finite, or a problem."""

import math
from typing import Any

import numpy as np

from stepcnn.base.wording import count
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.fields import as_finite_float, describe
from stepcnn.scenario.limits import MAX_NESTING, MAX_TENSOR_ELEMENTS


def format_shape(shape: tuple[int, ...]) -> str:
    """``[2][3][3]`` — the way a nested list's shape is written in the schema."""
    return "".join(f"[{d}]" for d in shape) if shape else "a single number"


def _at(path: str, position: int, shape: list[int]) -> str:
    """The field path of item ``position`` of a level whose enclosing shape is ``shape``."""
    if not shape:
        return path
    index = np.unravel_index(position, shape)
    return path + "".join(f"[{int(i)}]" for i in index)


def read_tensor(value: Any, path: str, problems: list[Problem]) -> np.ndarray | None:
    """The array a nested list describes, or ``None`` after recording what is wrong.

    Walks one nesting level at a time (no recursion), so a hostile file cannot exhaust the
    stack, and stops before converting anything larger than ``MAX_TENSOR_ELEMENTS``.
    """
    if not isinstance(value, list):
        problems.append(Problem(path, f"must be a nested list of numbers, got {describe(value)}"))
        return None
    shape: list[int] = []
    level: list[Any] = [value]
    while isinstance(level[0], list):
        if len(shape) >= MAX_NESTING:
            problems.append(Problem(path, f"is nested more than {MAX_NESTING} levels deep"))
            return None
        length = len(level[0])
        for position, item in enumerate(level):
            if not isinstance(item, list):
                problems.append(
                    Problem(
                        _at(path, position, shape),
                        f"must be a list like its neighbours, got {describe(item)}",
                    )
                )
                return None
            if len(item) != length:
                problems.append(
                    Problem(
                        _at(path, position, shape),
                        f"has {count(len(item), 'entry', 'entries')} but the first row has "
                        f"{length}: "
                        "rows must all be the same length",
                    )
                )
                return None
        if length == 0:
            problems.append(Problem(_at(path, 0, shape), "is empty"))
            return None
        shape.append(length)
        total = math.prod(shape)
        if total > MAX_TENSOR_ELEMENTS:
            problems.append(
                Problem(path, f"has more than {MAX_TENSOR_ELEMENTS:,} numbers ({total:,})")
            )
            return None
        level = [x for item in level for x in item]
    if all(type(item) is float or type(item) is int for item in level):
        # Plain numbers (no bool, no list): converted at once; any that is not finite or too
        # large for a float is found, and named, by the loop below.
        try:
            array = np.array(level, dtype=np.float64)
        except OverflowError:
            array = None
        if array is not None and np.isfinite(array).all():
            return array.reshape(shape)
    numbers = []
    for position, item in enumerate(level):
        if isinstance(item, list):
            problems.append(
                Problem(_at(path, position, shape), "is nested deeper than its neighbours")
            )
            return None
        number, error = as_finite_float(item)
        if error:
            problems.append(Problem(_at(path, position, shape), error))
            return None
        numbers.append(number)
    return np.array(numbers, dtype=np.float64).reshape(shape)
