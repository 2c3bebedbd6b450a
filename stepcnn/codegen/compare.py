"""Comparing numbers computed in another order: relative 1e-9, and NaN equals NaN.

Sums taken in another order differ in the last bits, and an element that cancels to almost
zero differs relative to itself; so an element also counts as equal within 1e-12 of the
largest magnitude in its tensor.
"""

import math
from typing import Any

RTOL = 1e-9
SCALE_TOL = 1e-12


def close(a: float, b: float, scale: float = 0.0, rtol: float = RTOL) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + SCALE_TOL * scale


def magnitude(value: Any) -> float:
    """The largest finite magnitude in a nested list (0 for none)."""
    if isinstance(value, list):
        return max((magnitude(v) for v in value), default=0.0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return abs(value) if math.isfinite(value) else 0.0


def first_difference(
    expected: Any, got: Any, path: str = "", scale: float | None = None, rtol: float = RTOL
) -> str | None:
    """Where two JSON values first differ (a path and both values), or None when they agree."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"{path or 'the document'}: keys {sorted(expected)} vs {_keys(got)}"
        for key in expected:
            where = f"{path}.{key}" if path else key
            found = first_difference(expected[key], got[key], where, None, rtol)
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{path}: {len(expected)} entries vs {_length(got)}"
        if scale is None:
            scale = magnitude(expected)
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            found = first_difference(e, g, f"{path}[{i}]", scale, rtol)
            if found:
                return found
        return None
    if isinstance(expected, float) and isinstance(got, int | float) and not isinstance(got, bool):
        ok = close(expected, float(got), scale if scale is not None else 0.0, rtol)
        return None if ok else f"{path}: {expected!r} vs {got!r}"
    return None if expected == got else f"{path}: {expected!r} vs {got!r}"


def _keys(value: Any) -> object:
    return sorted(value) if isinstance(value, dict) else type(value).__name__


def _length(value: Any) -> object:
    return f"{len(value)} entries" if isinstance(value, list) else type(value).__name__
