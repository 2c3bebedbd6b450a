"""``type = "maxpool2d"``: kernel_size, stride (default: the kernel)."""

from stepcnn.engine.kinds.maxpool2d import MaxPool2d
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import (
    ReadLayer,
    needs_map,
    read_pair,
    window_fits,
)

ALIASES = ("maxpool", "max_pool", "maxpooling")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    kernel = read_pair(table, "kernel_size", None, 1, "a positive integer")
    # The stride defaults to the kernel; when the kernel is wrong, that is the only problem.
    stride = read_pair(table, "stride", kernel or (1, 1), 1, "a positive integer")
    if kernel is None or stride is None or in_shape is None:
        return None
    if not needs_map(table, in_shape, "maxpool2d"):
        return None
    if not window_fits(table, in_shape, kernel, stride, (0, 0), "maxpool2d"):
        return None
    return ReadLayer(MaxPool2d(kernel, stride))
