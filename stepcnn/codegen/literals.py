"""Numbers as source text: exact (``repr`` round-trips a float) and laid out to be read."""

from typing import Any

from stepcnn.engine.types import Array

WIDTH = 96


def literal(value: Any, indent: int = 0) -> str:
    """A Python literal of a nested list; rows that do not fit on a line are broken up."""
    flat = repr(value)
    if len(flat) + indent <= WIDTH or not isinstance(value, list):
        return flat
    pad = " " * (indent + 4)
    inner = ",\n".join(pad + literal(v, indent + 4) for v in value)
    return "[\n" + inner + ",\n" + " " * indent + "]"


def array_literal(array: Array, indent: int = 0) -> str:
    return literal(array.astype(float).tolist(), indent)
