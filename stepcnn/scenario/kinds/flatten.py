"""``type = "flatten"``: no keys of its own."""

from stepcnn.engine.kinds.flatten import Flatten
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer

ALIASES = ("reshape", "flat")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return ReadLayer(Flatten()) if in_shape is not None else None
