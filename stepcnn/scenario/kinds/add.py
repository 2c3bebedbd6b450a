"""``type = "add"``: no keys of its own; ``from`` names two or more inputs of one shape (their
count and shapes are checked with the graph, in :mod:`stepcnn.scenario.layer_schema`)."""

from stepcnn.engine.kinds.add import Add
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer

ALIASES = ("sum", "plus", "residual", "skip")
MERGES = True
"""Reads several inputs (``from`` is required and names at least two)."""


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return ReadLayer(Add()) if in_shape is not None else None
