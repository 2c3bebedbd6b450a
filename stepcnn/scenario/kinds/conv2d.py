"""``type = "conv2d"``: out_channels, kernel_size, stride, padding, in_channels, weight, bias."""

from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.layers import Shape
from stepcnn.scenario.fields import Table, describe
from stepcnn.scenario.layer_fields import (
    ReadLayer,
    needs_map,
    read_pair,
    read_param,
    weight_fits,
    window_fits,
)
from stepcnn.scenario.limits import MAX_PARAMETERS

ALIASES = ("conv", "convolution", "conv2")


def read(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    out_channels = table.integer(
        "out_channels",
        required=True,
        minimum=1,
        maximum=MAX_PARAMETERS,  # more would need a larger weight anyway
        what="a positive integer",
    )
    kernel = read_pair(table, "kernel_size", None, 1, "a positive integer")
    stride = read_pair(table, "stride", (1, 1), 1, "a positive integer")
    padding = read_pair(table, "padding", (0, 0), 0, "a non-negative integer")
    in_channels_given = table.integer("in_channels", minimum=1, what="a positive integer")
    ok = None not in (out_channels, kernel, stride, padding)
    in_channels = None
    if ok and in_shape is not None and needs_map(table, in_shape, "conv2d"):
        in_channels = in_shape[0]
        if in_channels_given is not None and in_channels_given != in_channels:
            table.error(
                "in_channels",
                f"is {describe(in_channels_given)} but the input has {in_channels} "
                f"channel{'s' if in_channels != 1 else ''} (you may leave in_channels out)",
            )
            # The input's own channel count keeps the later layers' shapes known, so their
            # problems are reported in the same pass.
        assert kernel and stride and padding
        if in_channels is not None and not window_fits(
            table, in_shape, kernel, stride, padding, "conv2d"
        ):
            in_channels = None
    expected_w = None
    expected_b = None
    if in_channels is not None and kernel is not None:
        expected_w = (out_channels, in_channels, *kernel)
        expected_b = (out_channels,)
    if expected_w is not None and not weight_fits(table, "out_channels", expected_w):
        expected_w = None
    weight = read_param(table, "weight", expected_w, "[out_channels][in_channels][kh][kw]")
    bias = read_param(table, "bias", expected_b, "[out_channels]")
    if expected_w is None:
        return None
    assert kernel and stride and padding and in_channels
    layer = Conv2d(in_channels, out_channels, kernel, stride, padding)
    return ReadLayer(layer, weight, bias)
