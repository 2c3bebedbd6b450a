"""Fully connected layer (PyTorch's ``linear``): ``out = x · Wᵀ + b``.

Shapes: x ``(N, in_features)``, weight ``(out_features, in_features)``, bias ``(out_features,)``,
out ``(N, out_features)``. Output neuron ``o`` is row ``o`` of W dotted with the input vector,
plus ``b[o]``.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, Shape
from stepcnn.engine.types import Array


class LinearCache(NamedTuple):
    x: Array
    w: Array


def linear_forward(x: Array, w: Array, b: Array) -> tuple[Array, LinearCache]:
    """``out[n, o] = Σ_i W[o, i] · x[n, i] + b[o]``."""
    return x @ w.T + b, LinearCache(x, w)


def linear_backward(dout: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
    """``dx = dout · W``, ``dW = doutᵀ · x``, ``db = Σ_n dout``.

    For one sample ``dW`` is the outer product of two vectors, which ``np.dot`` computes
    several times quicker than ``matmul`` with its inner dimension of 1.
    """
    dw, db = linear_param_grads(dout, cache)
    return dout @ cache.w, dw, db


def linear_param_grads(dout: Array, cache: LinearCache) -> tuple[Array, Array]:
    """``(dW, db)`` of :func:`linear_backward` alone."""
    x = cache.x
    dw: Array = np.dot(dout.T, x) if dout.shape[0] == 1 else dout.T @ x
    return dw, dout.sum(axis=0)


def linear_forward_naive(x: Array, w: Array, b: Array) -> tuple[Array, LinearCache]:
    """Loop form of :func:`linear_forward`."""
    n_batch, out_features = x.shape[0], w.shape[0]
    out = np.zeros((n_batch, out_features))
    for n in range(n_batch):
        for o in range(out_features):
            out[n, o] = np.sum(w[o] * x[n]) + b[o]
    return out, LinearCache(x, w)


def linear_backward_naive(dout: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
    """Loop form of :func:`linear_backward`: one output-gradient element at a time."""
    x, w = cache
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros(w.shape[0])
    for (n, o), g in np.ndenumerate(dout):
        dw[o] += g * x[n]
        db[o] += g
        dx[n] += g * w[o]
    return dx, dw, db


@dataclass(frozen=True)
class Linear:
    """``linear``: ``(in_features,)`` → ``(out_features,)``."""

    in_features: int
    out_features: int
    type: ClassVar[str] = "linear"
    trainable: ClassVar[bool] = True

    def output_shape(self, input_shape: Shape) -> Shape:
        return (self.out_features,)

    def param_shapes(self) -> tuple[Shape, Shape]:
        return (self.out_features, self.in_features), (self.out_features,)

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        assert params is not None
        return linear_forward(x, params.weight, params.bias)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return linear_backward(dout, cache)

    def param_grads(self, dout: Array, cache: Any) -> tuple[Array, Array]:
        """``(dW, db)`` without ``dx``: what training needs of the first layer."""
        return linear_param_grads(dout, cache)


LAYER = Linear
