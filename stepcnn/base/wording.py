"""Counted nouns for messages and the screen: "1 layer", "2 layers", "12,000 steps"."""

IRREGULAR = {"batch": "batches", "matrix": "matrices"}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun in the plural unless ``n`` is 1 (thousands separated)."""
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {plural or IRREGULAR.get(noun) or noun + 's'}"


def one_of(n: int, noun: str) -> str:
    """``one of the 3 layers (0–2)``; ``the only layer (0)`` when there is one."""
    if n == 1:
        return f"the only {noun} (0)"
    return f"one of the {count(n, noun)} (0–{n - 1})"
