"""``type = "leaky_relu"``: negative_slope (default 0.01, as PyTorch)."""

from stepcnn.engine.kinds.leaky_relu import LeakyReLU
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer

ALIASES = ("leakyrelu", "lrelu", "leaky")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    slope = table.number("negative_slope", 0.01)
    if slope is None or in_shape is None:
        return None
    return ReadLayer(LeakyReLU(float(slope)))
