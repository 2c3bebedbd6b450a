"""``type = "batchnorm2d"``: num_features (the input's channels), eps = 1e-5, momentum = 0.1,
weight γ (default ones) and bias β (default zeros)."""

from stepcnn.engine.kinds.batchnorm2d import BatchNorm2d
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table, describe
from stepcnn.scenario.layer_fields import ReadLayer, needs_map, read_param

ALIASES = ("batchnorm", "batch_norm", "bn", "bn2d", "batchnorm2")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    eps = table.number("eps", 1e-5, positive=True)
    momentum = table.number("momentum", 0.1)
    if momentum is not None and not 0 <= momentum <= 1:
        table.error("momentum", f"must be between 0 and 1, got {describe(momentum)}")
        momentum = None
    given = table.integer("num_features", minimum=1, what="a positive integer")
    channels = None
    if in_shape is not None and needs_map(table, in_shape, "batchnorm2d"):
        channels = in_shape[0]
        if given is not None and given != channels:
            table.error(
                "num_features",
                f"is {describe(given)} but the input has {channels} channel"
                f"{'s' if channels != 1 else ''} (you may leave num_features out)",
            )
            channels = None
    expected = None if channels is None else (channels,)
    weight = read_param(table, "weight", expected, "[num_features]")
    bias = read_param(table, "bias", expected, "[num_features]")
    if channels is None or eps is None or momentum is None:
        return None
    return ReadLayer(BatchNorm2d(channels, float(eps), float(momentum)), weight, bias)
