"""``type = "dropout"``: p, the probability that a unit is dropped (default 0.5, as PyTorch)."""

from stepcnn.engine.kinds.dropout import Dropout
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table, describe
from stepcnn.scenario.layer_fields import ReadLayer

ALIASES = ("drop",)


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    p = table.number("p", 0.5)
    if p is not None and not 0 <= p <= 1:
        table.error("p", f"must be between 0 and 1, got {describe(p)}")
        return None
    if p is None or in_shape is None:
        return None
    return ReadLayer(Dropout(float(p)))
