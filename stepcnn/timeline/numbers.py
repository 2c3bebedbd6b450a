"""How numbers are written in equations: short, with a real minus sign."""

import math

MINUS = "\u2212"


_WRITTEN: dict[float, str] = {}
"""``num(v)`` of recently written non-zero finite values: a step's numbers repeat (the same
weight in every patch, the same input cell in many), and a trace writes millions of them."""
_WRITTEN_LIMIT = 1 << 16


def num(value: float, digits: int = 4) -> str:
    """``0.5``, ``−1.0``, ``3.142``, ``1.2e−05``, ``nan``, ``−inf``; ``0.0`` for −0.0 too
    (a product such as 0·(−2) is a zero, not a negative number)."""
    if digits == 4 and isinstance(value, float):  # (numpy's float64 is one)
        text = _WRITTEN.get(value)  # (0.0 and −0.0 are one key: zeros are never kept)
        if text is not None:
            return text
    v = float(value)
    if v == 0:
        v = 0.0
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return f"{MINUS}inf" if v < 0 else "inf"
    text = format(v, f".{digits}g")
    if "e" not in text and "." not in text:
        text += ".0"
    text = text.replace("-", MINUS)
    if digits == 4 and v != 0.0:
        if len(_WRITTEN) >= _WRITTEN_LIMIT:
            _WRITTEN.clear()
        _WRITTEN[v] = text
    return text


def paren(value: float) -> str:
    """A number, in parentheses when negative (for products: ``2.0·(−1.0)``)."""
    text = num(value)
    return f"({text})" if text.startswith(MINUS) else text


def idx(index: tuple[int, ...]) -> str:
    """``[0,1,2,3]``."""
    return "[" + ",".join(str(i) for i in index) + "]"


TERMS_SHOWN = 9
"""The products a dot product writes out before ``… N more``."""


def dot_terms(left: list[float], right: list[float], limit: int = TERMS_SHOWN) -> str:
    """``(1.0·0.5) + (2.0·(−1.0)) + …`` with at most ``limit`` terms written out."""
    terms = [f"({num(a)}·{paren(b)})" for a, b in zip(left[:limit], right[:limit], strict=True)]
    if len(left) > limit:
        terms.append(f"… {len(left) - limit} more")
    return " + ".join(terms)
