"""``type = "sigmoid"``: no keys of its own."""

from stepcnn.engine.kinds.sigmoid import Sigmoid
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer

ALIASES = ("logistic", "sigma")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return ReadLayer(Sigmoid()) if in_shape is not None else None
