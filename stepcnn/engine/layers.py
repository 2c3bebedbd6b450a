"""Layer descriptions: what every layer kind offers, and the parameters kept outside them.

A layer knows its own shapes (without the batch axis) and delegates the arithmetic to its
kind's engine functions. Parameters live outside, in :class:`Params`, so that one layer
description can be run with the weights of any iteration. The kinds themselves live in
``stepcnn/engine/kinds/``, one module each (see :mod:`stepcnn.engine.registry`).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

from stepcnn.engine.shapes import output_hw
from stepcnn.engine.types import Array, Pair

if TYPE_CHECKING:
    from stepcnn.engine.graph import Graph

Shape = tuple[int, ...]

Buffers = dict[str, Array]
"""A layer's non-trained state by PyTorch's names (batchnorm2d's ``running_mean``,
``running_var``)."""


class Params(NamedTuple):
    """A layer's weight and bias."""

    weight: Array
    bias: Array


class Layer(Protocol):
    """What every layer description offers.

    ``trainable`` says whether the kind has parameters (and so an update phase).
    """

    type: ClassVar[str]
    trainable: ClassVar[bool]

    def output_shape(self, input_shape: Shape) -> Shape: ...
    def param_shapes(self) -> tuple[Shape, Shape] | None: ...
    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]: ...
    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]: ...


@dataclass(frozen=True)
class ShapeKeeping:
    """Base of the parameter-free kinds whose output has the input's shape (activations)."""

    trainable: ClassVar[bool] = False

    def output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def param_shapes(self) -> None:
        return None


@dataclass(frozen=True)
class Pool2d:
    """Base of the pooling kinds: a ``kernel_size`` window moved by ``stride``, per channel,
    no padding, floor mode — ``(C, H, W)`` → ``(C, H_out, W_out)``."""

    kernel_size: Pair
    stride: Pair
    trainable: ClassVar[bool] = False

    def output_shape(self, input_shape: Shape) -> Shape:
        c, h, w = input_shape
        return (c, *output_hw(h, w, self.kernel_size, self.stride))

    def param_shapes(self) -> None:
        return None


def shapes_through(
    layers: tuple[Layer, ...], input_shape: Shape, graph: "Graph | None" = None
) -> list[Shape]:
    """Per-sample shapes: ``[input, after layer 0, after layer 1, …]``; in a graph each layer
    reads the output of its (first) input, ``shapes[source + 1]``."""
    shapes = [input_shape]
    for i, layer in enumerate(layers):
        shapes.append(layer.output_shape(shape_read(shapes, i, graph)))
    return shapes


def shape_read(shapes: list[Shape], layer: int, graph: "Graph | None" = None) -> Shape:
    """The per-sample shape layer ``layer`` reads, from ``shapes`` (the input's, then each
    layer's output, as :func:`shapes_through` gives them): the output of the layer before,
    or in a graph of its (first) input (each input of an ``add`` has that shape)."""
    source = layer - 1 if graph is None else graph.source(layer)
    return shapes[source + 1]


def shapes_read(shapes: list[Shape], graph: "Graph | None" = None) -> list[Shape]:
    """The per-sample shape every layer reads (:func:`shape_read` of each)."""
    return [shape_read(shapes, i, graph) for i in range(len(shapes) - 1)]
