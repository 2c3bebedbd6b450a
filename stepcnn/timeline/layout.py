"""The order of steps in one iteration: segments of (phase, layer, op), each a block of steps.

Every iteration has the same layout, so step ``k`` is iteration ``k // per_iteration`` and an
offset found by bisecting the segment starts: no step is ever stored.

Order: forward through the layers, the loss (per-sample terms, then the mean); backward
from the loss through the layers in reverse; then the SGD update of every layer with
parameters, in layer order.

In a graph, a layer whose output is read by several layers (a fork) starts its backward with
the ``fork.backward`` segment: one step per element of its output, adding the gradients its
readers sent (``dL/dx = g₁ + g₂``). Those steps belong to the layer (its ``layer`` index, so
navigation by layer keeps them with it) but are no step of its own kind: a layer's own
backward steps are still one per element of its output.
"""

import bisect
import math
from dataclasses import dataclass

from stepcnn.engine.graph import Graph
from stepcnn.engine.layers import Layer, Shape, shapes_read
from stepcnn.timeline.ops import LOSS_OPS, Op, layer_op
from stepcnn.timeline.ops.fork import FORK


@dataclass(frozen=True)
class Segment:
    """A run of steps of one op over one index space (row-major)."""

    phase: str
    layer: int | None  # None for the loss
    kind: str  # layer type or loss name
    op: Op
    shape: tuple[int, ...]
    start: int  # offset of the first step within the iteration

    @property
    def op_name(self) -> str:
        return self.op.name

    @property
    def count(self) -> int:
        return math.prod(self.shape)

    @property
    def end(self) -> int:
        return self.start + self.count

    @property
    def group(self) -> tuple[str, int | None]:
        """What "layer" means for navigation: the loss's segments form one group per phase."""
        return (self.phase, self.layer)

    def block(self, level: str) -> int:
        """Steps per row or per map of this segment (the whole segment for vectors)."""
        shape = self.shape
        if level == "row" and len(shape) >= 2:
            return shape[-1]
        if level == "map" and len(shape) >= 4:
            return shape[-2] * shape[-1]
        if level == "map" and len(shape) >= 2:
            return shape[-1]
        return max(self.count, 1)


def layer_ops_required(kind: str, phase: str) -> Op:
    op = layer_op(kind, phase)
    assert op is not None, f"{kind} has no {phase} op"
    return op


class Layout:
    """The segments of one iteration and how many steps they hold."""

    def __init__(
        self,
        layers: tuple[Layer, ...],
        shapes: list[Shape],
        batch: int,
        loss: str,
        graph: Graph | None = None,
    ):
        segments: list[Segment] = []
        graph = graph or Graph.chain(len(layers))
        ins = shapes_read(shapes, graph)

        def add(phase: str, layer: int | None, kind: str, op: Op, shape: tuple[int, ...]) -> None:
            start = segments[-1].end if segments else 0
            segments.append(Segment(phase, layer, kind, op, shape, start))

        for i, layer in enumerate(layers):
            op = layer_ops_required(layer.type, "forward")
            add("forward", i, layer.type, op, op.index_shape(layer, batch, ins[i], shapes[i + 1]))
        for op in LOSS_OPS[(loss, "forward")]:
            add("forward", None, loss, op, op.index_shape(None, batch, shapes[-1], shapes[-1]))
        for op in LOSS_OPS[(loss, "backward")]:
            add("backward", None, loss, op, op.index_shape(None, batch, shapes[-1], shapes[-1]))
        for i in reversed(range(len(layers))):
            layer = layers[i]
            if graph.is_fork(i):
                add("backward", i, "fork", FORK, (batch, *shapes[i + 1]))
            op = layer_ops_required(layer.type, "backward")
            add(
                "backward",
                i,
                layer.type,
                op,
                op.index_shape(layer, batch, ins[i], shapes[i + 1]),
            )
        for i, layer in enumerate(layers):
            update = layer_op(layer.type, "update")
            if update is not None:
                add(
                    "update",
                    i,
                    layer.type,
                    update,
                    update.index_shape(layer, batch, ins[i], shapes[i + 1]),
                )
        self.segments = tuple(segments)
        self.starts = [s.start for s in segments]
        self.per_iteration = segments[-1].end

    def locate(self, offset: int) -> int:
        """The segment holding step ``offset`` of an iteration."""
        return bisect.bisect_right(self.starts, offset) - 1

    def counts(self) -> dict[tuple[str, int | None], int]:
        """Steps per (phase, layer) — layer None for the loss."""
        result: dict[tuple[str, int | None], int] = {}
        for s in self.segments:
            result[(s.phase, s.layer)] = result.get((s.phase, s.layer), 0) + s.count
        return result
