"""``type = "avgpool2d"``: kernel_size, stride (default: the kernel)."""

from stepcnn.engine.kinds.avgpool2d import AvgPool2d
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer, read_pool

ALIASES = ("avgpool", "avg_pool", "averagepool", "meanpool")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return read_pool(table, in_shape, AvgPool2d, "avgpool2d")
