"""``type = "maxpool2d"``: kernel_size, stride (default: the kernel)."""

from stepcnn.engine.kinds.maxpool2d import MaxPool2d
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer, read_pool

ALIASES = ("maxpool", "max_pool", "maxpooling")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return read_pool(table, in_shape, MaxPool2d, "maxpool2d")
