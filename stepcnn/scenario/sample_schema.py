"""``[[samples]]`` entries: inputs, and a label (cross_entropy) or a target (mse)."""

import numpy as np

from stepcnn.base.wording import count
from stepcnn.engine.layers import Shape
from stepcnn.engine.types import Array
from stepcnn.scenario.fields import MISSING, Table, describe
from stepcnn.scenario.tensors import format_shape, read_tensor


def read_inputs(tables: list[Table]) -> Array | None:
    """Every sample's ``input`` as one ``(S, C, H, W)`` array; ``[H][W]`` means one channel."""
    arrays: list[Array] = []
    first_shape: tuple[int, ...] | None = None
    ok = True
    for table in tables:
        raw = table.raw("input", required=True)
        if raw is MISSING:
            ok = False
            continue
        array = read_tensor(raw, table.where("input"), table.problems)
        if array is None:
            ok = False
            continue
        if array.ndim == 2:
            array = array[None]
        if array.ndim != 3:
            table.error(
                "input",
                f"must be [C][H][W] or [H][W], got {format_shape(array.shape)}",
            )
            ok = False
            continue
        if first_shape is None:
            first_shape = array.shape
        elif array.shape != first_shape:
            table.error(
                "input",
                f"has shape {format_shape(array.shape)} but samples[0] has "
                f"{format_shape(first_shape)}: all samples must be the same shape",
            )
            ok = False
            continue
        arrays.append(array)
    if not ok or not arrays:
        return None
    return np.stack(arrays)


def read_labels(tables: list[Table], classes: int | None) -> Array | None:
    """Integer class labels in ``[0, classes)``."""
    labels: list[int] = []
    for table in tables:
        if "target" in table.data:
            table.known.append("target")
            table.error("target", "is for the mse loss; cross_entropy needs an integer label")
        label = table.integer(
            "label", required=True, minimum=0, what="a non-negative integer class"
        )
        if label is None:
            continue
        if classes is not None and label >= classes:
            table.error(
                "label",
                f"must be a class from 0 to {classes - 1} "
                f"(the network has {count(classes, 'output')}), "
                f"got {describe(label)}",
            )
            continue
        labels.append(label)
    if len(labels) != len(tables):
        return None
    return np.array(labels, dtype=np.intp)


def read_targets(tables: list[Table], output_shape: Shape | None) -> Array | None:
    """Targets shaped like one sample's network output (``[H][W]`` allowed for one channel)."""
    targets: list[Array] = []
    for table in tables:
        if "label" in table.data:
            table.known.append("label")
            table.error("label", "is for the cross_entropy loss; mse needs a target")
        raw = table.raw("target", required=True)
        if raw is MISSING:
            continue
        target = read_tensor(raw, table.where("target"), table.problems)
        if target is None or output_shape is None:
            continue
        if target.shape != output_shape and (1, *target.shape) == output_shape:
            target = target[None]
        if target.shape != output_shape:
            table.error(
                "target",
                f"must have the network output's shape {format_shape(output_shape)}, "
                f"got {format_shape(target.shape)}",
            )
            continue
        targets.append(target)
    if not targets or len(targets) != len(tables):
        return None
    return np.stack(targets)
