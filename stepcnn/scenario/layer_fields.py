"""The pieces the ``[[layers]]`` readers of the kinds share: pairs, parameters, shape checks."""

import math
from collections.abc import Callable
from dataclasses import dataclass

from stepcnn.base.wording import count
from stepcnn.engine.layers import Layer, Shape
from stepcnn.engine.types import Array, Pair
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.fields import MISSING, Table, describe
from stepcnn.scenario.limits import MAX_PARAMETERS
from stepcnn.scenario.tensors import format_shape, read_tensor


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
    for i, item in enumerate(items):
        listed = isinstance(value, list)
        where = table.where(key) + (f"[{i}]" if listed else "")
        if not isinstance(item, int) or isinstance(item, bool) or item < minimum:
            whole = isinstance(item, int) and not isinstance(item, bool)
            bound = f"must be ≥ {minimum}" if whole and listed else f"must be {what}"
            table.problems.append(Problem(where, f"{bound}, got {describe(item)}"))
            return None
        if item > 1_000_000:
            table.problems.append(
                Problem(where, f"must be at most 1,000,000, got {describe(item)}")
            )
            return None
    return (items[0], items[1])


def read_param(
    table: Table, key: str, expected: tuple[int, ...] | None, layout: str
) -> Array | None:
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


def needs_map(table: Table, in_shape: Shape, kind: str) -> bool:
    if len(in_shape) != 3:
        table.error(
            "type",
            f"{kind} needs a C×H×W input but gets a flat vector of "
            f"{count(in_shape[0], 'number')} "
            "(a flatten or linear layer came before it)",
        )
        return False
    return True


def window_fits(
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


def weight_fits(table: Table, key: str, shape: tuple[int, ...]) -> bool:
    """A weight of ``shape`` is within the parameter limit (else the problem is recorded)."""
    size = math.prod(shape)
    if size > MAX_PARAMETERS:
        table.error(key, f"the weight would have {size:,} numbers; the limit is {MAX_PARAMETERS:,}")
        return False
    return True


def read_pool(
    table: Table, in_shape: Shape | None, make: Callable[[Pair, Pair], Layer], kind: str
) -> ReadLayer | None:
    """A pooling layer: ``kernel_size``, ``stride`` (default: the kernel), no padding."""
    kernel = read_pair(table, "kernel_size", None, 1, "a positive integer")
    # The stride defaults to the kernel; when the kernel is wrong, that is the only problem.
    stride = read_pair(table, "stride", kernel or (1, 1), 1, "a positive integer")
    if kernel is None or stride is None or in_shape is None:
        return None
    if not needs_map(table, in_shape, kind):
        return None
    if not window_fits(table, in_shape, kernel, stride, (0, 0), kind):
        return None
    return ReadLayer(make(kernel, stride))
