"""``type = "linear"``: out_features, in_features, weight, bias."""

from stepcnn.engine.kinds.linear import Linear
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table, describe
from stepcnn.scenario.layer_fields import (
    ReadLayer,
    read_param,
    shape_text,
    weight_fits,
)
from stepcnn.scenario.limits import MAX_PARAMETERS

ALIASES = ("fc", "dense", "fully_connected", "affine")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    out_features = table.integer(
        "out_features",
        required=True,
        minimum=1,
        maximum=MAX_PARAMETERS,  # more would need a larger weight anyway
        what="a positive integer",
    )
    in_features_given = table.integer("in_features", minimum=1, what="a positive integer")
    in_features = None
    if in_shape is not None and out_features is not None:
        if len(in_shape) != 1:
            table.error(
                "type",
                f"linear needs a flat input but gets {shape_text(in_shape)}: "
                "add a flatten layer before it",
            )
        else:
            in_features = in_shape[0]
            if in_features_given is not None and in_features_given != in_features:
                table.error(
                    "in_features",
                    f"is {describe(in_features_given)} but the input has {in_features} "
                    f"feature{'s' if in_features != 1 else ''} (you may leave in_features out)",
                )
    expected_w = None if in_features is None else (out_features, in_features)
    if expected_w is not None and not weight_fits(table, "out_features", expected_w):
        expected_w = None
    expected_b = None if expected_w is None else (out_features,)
    weight = read_param(table, "weight", expected_w, "[out_features][in_features]")
    bias = read_param(table, "bias", expected_b, "[out_features]")
    if expected_w is None:
        return None
    assert in_features is not None
    return ReadLayer(Linear(in_features, out_features), weight, bias)
