"""``type = "adaptive_avgpool2d"``: output_size, an int (square) or [Ho, Wo]; 1 is global
average pooling."""

from stepcnn.engine.kinds.adaptive_avgpool2d import AdaptiveAvgPool2d
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table
from stepcnn.scenario.layer_fields import ReadLayer, needs_map, read_pair

ALIASES = (
    "adaptiveavgpool2d",
    "adaptive_avgpool",
    "adaptive_avg_pool2d",
    "global_avgpool",
    "globalavgpool",
    "gap",
)


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    size = read_pair(table, "output_size", None, 1, "a positive integer")
    if size is None or in_shape is None or not needs_map(table, in_shape, "adaptive_avgpool2d"):
        return None
    return ReadLayer(AdaptiveAvgPool2d(size))
