"""``type = "tanh"``: no keys of its own."""

from stepcnn.engine.kinds.tanh import Tanh
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer

ALIASES = ("hyperbolic_tangent",)


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return ReadLayer(Tanh()) if in_shape is not None else None
