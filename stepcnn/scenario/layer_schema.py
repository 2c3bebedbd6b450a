"""``[[layers]]`` entries: one reader per layer type, each checking its keys and shapes.

A reader gets the per-sample input shape (``None`` once an earlier layer was wrong, when only
the keys can be checked) and returns the layer, its given parameters and its output shape.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stepcnn.engine.layers import Conv2d, Flatten, Layer, Linear, MaxPool2d, ReLU, Shape
from stepcnn.engine.types import Array, Pair
from stepcnn.scenario.fields import MISSING, Table, describe
from stepcnn.scenario.limits import MAX_PARAMETERS
from stepcnn.scenario.tensors import format_shape, read_tensor
from stepcnn.wording import count


def shape_text(shape: Shape) -> str:
    """``1×6×6`` — how the CLI and errors print a per-sample shape."""
    return "×".join(str(d) for d in shape)


@dataclass
class ReadLayer:
    layer: Layer | None  # None: keys fine but shapes unknown (an earlier layer was wrong)
    weight: Array | None = None
    bias: Array | None = None


def read_pair(table: Table, key: str, default: Pair | None, minimum: int, what: str) -> Pair | None:
    """An int ``k`` (meaning ``[k, k]``) or a list ``[a, b]`` of ints ≥ ``minimum``."""
    value = table.raw(key, required=default is None)
    if value is MISSING:
        return default
    if isinstance(value, list) and len(value) == 2:
        items = value
    elif isinstance(value, list):
        table.error(key, f"must be {what} or a list of two, got a list of {len(value)}")
        return None
    else:
        items = [value, value]
    for item in items:
        if not isinstance(item, int) or isinstance(item, bool) or item < minimum:
            table.error(key, f"must be {what}, got {describe(item)}")
            return None
        if item > 1_000_000:
            table.error(key, f"must be at most 1,000,000, got {describe(item)}")
            return None
    return (items[0], items[1])


def _param(table: Table, key: str, expected: tuple[int, ...] | None, layout: str) -> Array | None:
    value = table.raw(key)
    if value is MISSING:
        return None
    array = read_tensor(value, table.where(key), table.problems)
    if array is None or expected is None:
        return None
    if array.shape != expected:
        table.error(
            key,
            f"must have shape {format_shape(expected)} ({layout}), got {format_shape(array.shape)}",
        )
        return None
    return array


def _needs_map(table: Table, in_shape: Shape, kind: str) -> bool:
    if len(in_shape) != 3:
        table.error(
            "type",
            f"{kind} needs a C×H×W input but gets a flat vector of {count(in_shape[0], 'number')} "
            "(a flatten or linear layer came before it)",
        )
        return False
    return True


def _window_fits(
    table: Table, in_shape: Shape, kernel: Pair, stride: Pair, padding: Pair, kind: str
) -> bool:
    _, h, w = in_shape
    ho = (h + 2 * padding[0] - kernel[0]) // stride[0] + 1
    wo = (w + 2 * padding[1] - kernel[1]) // stride[1] + 1
    if ho < 1 or wo < 1:
        pad = f" with padding {padding[0]}×{padding[1]}" if any(padding) else ""
        table.error(
            "kernel_size",
            f"the {kernel[0]}×{kernel[1]} {kind} window does not fit the {h}×{w} input{pad}",
        )
        return False
    return True


def _weight_fits(table: Table, key: str, shape: tuple[int, ...]) -> bool:
    """A weight of ``shape`` is within the parameter limit (else the problem is recorded)."""
    size = math.prod(shape)
    if size > MAX_PARAMETERS:
        table.error(key, f"the weight would have {size:,} numbers; the limit is {MAX_PARAMETERS:,}")
        return False
    return True


def read_conv2d(table: Table, in_shape: Shape | None) -> ReadLayer | None:
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
    if ok and in_shape is not None and _needs_map(table, in_shape, "conv2d"):
        in_channels = in_shape[0]
        if in_channels_given is not None and in_channels_given != in_channels:
            table.error(
                "in_channels",
                f"is {describe(in_channels_given)} but the input has "
                f"{count(in_channels, 'channel')} "
                "(you may leave in_channels out)",
            )
            in_channels = None
        assert kernel and stride and padding
        if in_channels is not None and not _window_fits(
            table, in_shape, kernel, stride, padding, "conv2d"
        ):
            in_channels = None
    expected_w = None
    expected_b = None
    if in_channels is not None and kernel is not None:
        expected_w = (out_channels, in_channels, *kernel)
        expected_b = (out_channels,)
    if expected_w is not None and not _weight_fits(table, "out_channels", expected_w):
        expected_w = None
    weight = _param(table, "weight", expected_w, "[out_channels][in_channels][kh][kw]")
    bias = _param(table, "bias", expected_b, "[out_channels]")
    if expected_w is None:
        return None
    assert kernel and stride and padding and in_channels
    layer = Conv2d(in_channels, out_channels, kernel, stride, padding)
    return ReadLayer(layer, weight, bias)


def read_relu(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return ReadLayer(ReLU()) if in_shape is not None else None


def read_flatten(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    return ReadLayer(Flatten()) if in_shape is not None else None


def read_maxpool2d(table: Table, in_shape: Shape | None) -> ReadLayer | None:
    kernel = read_pair(table, "kernel_size", None, 1, "a positive integer")
    # The stride defaults to the kernel; when the kernel is wrong, that is the only problem.
    stride = read_pair(table, "stride", kernel or (1, 1), 1, "a positive integer")
    if kernel is None or stride is None or in_shape is None:
        return None
    if not _needs_map(table, in_shape, "maxpool2d"):
        return None
    if not _window_fits(table, in_shape, kernel, stride, (0, 0), "maxpool2d"):
        return None
    return ReadLayer(MaxPool2d(kernel, stride))


def read_linear(table: Table, in_shape: Shape | None) -> ReadLayer | None:
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
        elif in_features_given is not None and in_features_given != in_shape[0]:
            table.error(
                "in_features",
                f"is {describe(in_features_given)} but the input has "
                f"{count(in_shape[0], 'feature')} "
                "(you may leave in_features out)",
            )
        else:
            in_features = in_shape[0]
    expected_w = None if in_features is None else (out_features, in_features)
    if expected_w is not None and not _weight_fits(table, "out_features", expected_w):
        expected_w = None
    expected_b = None if expected_w is None else (out_features,)
    weight = _param(table, "weight", expected_w, "[out_features][in_features]")
    bias = _param(table, "bias", expected_b, "[out_features]")
    if expected_w is None:
        return None
    assert in_features is not None
    return ReadLayer(Linear(in_features, out_features), weight, bias)


LAYER_READERS: dict[str, Callable[[Table, Shape | None], ReadLayer | None]] = {
    "conv2d": read_conv2d,
    "relu": read_relu,
    "maxpool2d": read_maxpool2d,
    "flatten": read_flatten,
    "linear": read_linear,
}


def read_layers(tables: list[Table], input_shape: Shape | None) -> list[ReadLayer] | None:
    """Every layer, its shapes inferred in order; ``None`` if any layer was wrong."""
    result: list[ReadLayer] = []
    shape = input_shape
    failed = False
    for table in tables:
        kind: Any = table.choice("type", tuple(LAYER_READERS), required=True)
        if kind is None:
            failed = True
            shape = None
            table.known.extend(k for k in table.data if k != "type")
            continue
        read = LAYER_READERS[kind](table, shape)
        table.finish()
        if read is None or read.layer is None:
            failed = True
            shape = None
            continue
        result.append(read)
        if shape is not None:
            shape = read.layer.output_shape(shape)
    return None if failed else result
