"""``type = "relu"``: no keys of its own."""

from stepcnn.engine.kinds.relu import ReLU
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer

ALIASES = ()


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return ReadLayer(ReLU()) if in_shape is not None else None
