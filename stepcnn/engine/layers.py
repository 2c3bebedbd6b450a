"""Layer descriptions: geometry plus the forward/backward functions that run them.

A layer knows its own shapes (without the batch axis) and delegates the arithmetic to the
engine functions. Parameters live outside, in :class:`Params`, so that one layer
description can be run with the weights of any iteration.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, Protocol

from stepcnn.engine.conv import conv2d_backward, conv2d_forward
from stepcnn.engine.flatten import flatten_backward, flatten_forward
from stepcnn.engine.linear import linear_backward, linear_forward
from stepcnn.engine.pool import maxpool2d_backward, maxpool2d_forward
from stepcnn.engine.relu import relu_backward, relu_forward
from stepcnn.engine.shapes import output_hw
from stepcnn.engine.types import Array, Pair

Shape = tuple[int, ...]


class Params(NamedTuple):
    """A layer's weight and bias."""

    weight: Array
    bias: Array


class Layer(Protocol):
    """What every layer description offers."""

    type: ClassVar[str]

    def output_shape(self, input_shape: Shape) -> Shape: ...
    def param_shapes(self) -> tuple[Shape, Shape] | None: ...
    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]: ...
    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]: ...


@dataclass(frozen=True)
class Conv2d:
    """``conv2d``: ``(C_in, H, W)`` → ``(out_channels, H_out, W_out)``."""

    in_channels: int
    out_channels: int
    kernel_size: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    type: ClassVar[str] = "conv2d"

    def output_shape(self, input_shape: Shape) -> Shape:
        _, h, w = input_shape
        ho, wo = output_hw(h, w, self.kernel_size, self.stride, self.padding)
        return (self.out_channels, ho, wo)

    def param_shapes(self) -> tuple[Shape, Shape]:
        return (self.out_channels, self.in_channels, *self.kernel_size), (self.out_channels,)

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        assert params is not None
        return conv2d_forward(x, params.weight, params.bias, self.stride, self.padding)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return conv2d_backward(dout, cache)


@dataclass(frozen=True)
class ReLU:
    """``relu``: any shape, element-wise."""

    type: ClassVar[str] = "relu"

    def output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def param_shapes(self) -> None:
        return None

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return relu_forward(x)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return relu_backward(dout, cache)


@dataclass(frozen=True)
class MaxPool2d:
    """``maxpool2d``: ``(C, H, W)`` → ``(C, H_out, W_out)``."""

    kernel_size: Pair
    stride: Pair
    type: ClassVar[str] = "maxpool2d"

    def output_shape(self, input_shape: Shape) -> Shape:
        c, h, w = input_shape
        return (c, *output_hw(h, w, self.kernel_size, self.stride))

    def param_shapes(self) -> None:
        return None

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return maxpool2d_forward(x, self.kernel_size, self.stride)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return maxpool2d_backward(dout, cache)


@dataclass(frozen=True)
class Flatten:
    """``flatten``: ``(C, H, W)`` → ``(C·H·W,)``."""

    type: ClassVar[str] = "flatten"

    def output_shape(self, input_shape: Shape) -> Shape:
        size = 1
        for d in input_shape:
            size *= d
        return (size,)

    def param_shapes(self) -> None:
        return None

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return flatten_forward(x)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return flatten_backward(dout, cache)


@dataclass(frozen=True)
class Linear:
    """``linear``: ``(in_features,)`` → ``(out_features,)``."""

    in_features: int
    out_features: int
    type: ClassVar[str] = "linear"

    def output_shape(self, input_shape: Shape) -> Shape:
        return (self.out_features,)

    def param_shapes(self) -> tuple[Shape, Shape]:
        return (self.out_features, self.in_features), (self.out_features,)

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        assert params is not None
        return linear_forward(x, params.weight, params.bias)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return linear_backward(dout, cache)


def shapes_through(layers: tuple[Layer, ...], input_shape: Shape) -> list[Shape]:
    """Per-sample shapes: ``[input, after layer 0, after layer 1, …]``."""
    shapes = [input_shape]
    for layer in layers:
        shapes.append(layer.output_shape(shapes[-1]))
    return shapes
