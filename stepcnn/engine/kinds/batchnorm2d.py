"""Batch normalization over 2-D maps (PyTorch's ``BatchNorm2d``, training mode).

Shapes: x ``(N, C, H, W)`` → out of the same shape; weight γ and bias β ``(C,)``.
Each channel ``c`` is normalised by the statistics of its ``m = N·H·W`` values in the batch:

    μ[c]  = Σ x[n, c, h, w] / m                     the channel's mean
    σ²[c] = Σ (x[n, c, h, w] − μ[c])² / m           its variance (biased: divided by m)
    x̂     = (x − μ[c]) / √(σ²[c] + ε)
    out   = γ[c]·x̂ + β[c]

Backward, with ``g = dL/dout`` and the channel means ``mean(g)`` and ``mean(g·x̂)``:

    dβ[c] = Σ g          dγ[c] = Σ g·x̂
    dx    = γ[c]/√(σ²[c] + ε) · (g − mean(g) − x̂·mean(g·x̂))

— three terms: a value's own gradient, minus the share every value of the channel gets because
μ moved, minus the share along x̂ because σ moved. Every input of a channel reaches every output
of it, through μ and σ.

The running statistics (used by PyTorch in evaluation mode, never in training) are updated after
each forward with the unbiased variance: ``running_mean ← (1 − momentum)·running_mean +
momentum·μ``, ``running_var ← (1 − momentum)·running_var + momentum·σ²·m/(m − 1)``; they start
at 0 and 1.
"""

import math
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Buffers, Params, Shape
from stepcnn.engine.types import Array


class BatchNormCache(NamedTuple):
    x_hat: Array  # (N, C, H, W): the normalised input
    mean: Array  # (C,): μ
    var: Array  # (C,): σ², biased
    inv_std: Array  # (C,): 1/√(σ² + ε)
    gamma: Array  # (C,)


def _c(a: Array) -> Array:
    """A per-channel ``(C,)`` vector, broadcastable against ``(N, C, H, W)``."""
    return a[None, :, None, None]


def batchnorm2d_forward(
    x: Array, gamma: Array, beta: Array, eps: float
) -> tuple[Array, BatchNormCache]:
    """``out = γ·(x − μ)/√(σ² + ε) + β`` with μ, σ² per channel over ``(N, H, W)``."""
    mean = x.mean(axis=(0, 2, 3))
    centred = x - _c(mean)
    var = (centred * centred).mean(axis=(0, 2, 3))
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centred * _c(inv_std)
    out: Array = _c(gamma) * x_hat + _c(beta)
    return out, BatchNormCache(x_hat, mean, var, inv_std, gamma)


def batchnorm2d_backward(dout: Array, cache: BatchNormCache) -> tuple[Array, Array, Array]:
    """``dx = γ/σ·(g − mean(g) − x̂·mean(g·x̂))``, ``dγ = Σ g·x̂``, ``dβ = Σ g`` per channel."""
    dgamma, dbeta = batchnorm2d_param_grads(dout, cache)
    m = dout.size // dout.shape[1]
    dx: Array = _c(cache.gamma * cache.inv_std) * (
        dout - _c(dbeta / m) - cache.x_hat * _c(dgamma / m)
    )
    return dx, dgamma, dbeta


def batchnorm2d_param_grads(dout: Array, cache: BatchNormCache) -> tuple[Array, Array]:
    """``(dγ, dβ)`` of :func:`batchnorm2d_backward` alone."""
    return (dout * cache.x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))


def batchnorm2d_running(
    buffers: Buffers, cache: BatchNormCache, momentum: float, count: int
) -> Buffers:
    """The running statistics after one forward over ``count`` = N·H·W values per channel."""
    unbiased = cache.var * (count / (count - 1))
    return {
        "running_mean": (1 - momentum) * buffers["running_mean"] + momentum * cache.mean,
        "running_var": (1 - momentum) * buffers["running_var"] + momentum * unbiased,
    }


def batchnorm2d_forward_naive(
    x: Array, gamma: Array, beta: Array, eps: float
) -> tuple[Array, BatchNormCache]:
    """Loop form of :func:`batchnorm2d_forward`: one channel, then one value, at a time."""
    n_batch, channels, h, w = x.shape
    m = n_batch * h * w
    mean, var, inv_std = np.zeros(channels), np.zeros(channels), np.zeros(channels)
    x_hat, out = np.zeros_like(x), np.zeros_like(x)
    for c in range(channels):
        mean[c] = sum(x[n, c, i, j] for n in range(n_batch) for i in range(h) for j in range(w)) / m
        var[c] = (
            sum(
                (x[n, c, i, j] - mean[c]) ** 2
                for n in range(n_batch)
                for i in range(h)
                for j in range(w)
            )
            / m
        )
        inv_std[c] = 1.0 / math.sqrt(var[c] + eps)
        for n in range(n_batch):
            for i in range(h):
                for j in range(w):
                    x_hat[n, c, i, j] = (x[n, c, i, j] - mean[c]) * inv_std[c]
                    out[n, c, i, j] = gamma[c] * x_hat[n, c, i, j] + beta[c]
    return out, BatchNormCache(x_hat, mean, var, inv_std, gamma)


def batchnorm2d_backward_naive(dout: Array, cache: BatchNormCache) -> tuple[Array, Array, Array]:
    """Loop form of :func:`batchnorm2d_backward`: the channel sums, then dx one value a time."""
    n_batch, channels, h, w = dout.shape
    m = n_batch * h * w
    dgamma, dbeta, dx = np.zeros(channels), np.zeros(channels), np.zeros_like(dout)
    for (n, c, i, j), g in np.ndenumerate(dout):
        dbeta[c] += g
        dgamma[c] += g * cache.x_hat[n, c, i, j]
    for (n, c, i, j), g in np.ndenumerate(dout):
        scale = cache.gamma[c] * cache.inv_std[c]
        dx[n, c, i, j] = scale * (g - dbeta[c] / m - cache.x_hat[n, c, i, j] * dgamma[c] / m)
    return dx, dgamma, dbeta


@dataclass(frozen=True)
class BatchNorm2d:
    """``batchnorm2d``: ``(C, H, W)`` → ``(C, H, W)``; weight γ and bias β of ``num_features``."""

    num_features: int
    eps: float = 1e-5
    momentum: float = 0.1
    type: ClassVar[str] = "batchnorm2d"
    trainable: ClassVar[bool] = True

    def output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def param_shapes(self) -> tuple[Shape, Shape]:
        return (self.num_features,), (self.num_features,)

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        assert params is not None
        return batchnorm2d_forward(x, params.weight, params.bias, self.eps)

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return batchnorm2d_backward(dout, cache)

    def param_grads(self, dout: Array, cache: Any) -> tuple[Array, Array]:
        """``(dγ, dβ)`` without ``dx``: what training needs of the first layer."""
        return batchnorm2d_param_grads(dout, cache)

    def batch_problem(self, batch_size: int, input_shape: Shape) -> str:
        """Why a batch cannot be normalised ("" if it can): one value per channel has no
        variance (PyTorch refuses it in training mode)."""
        _, h, w = input_shape
        if batch_size * h * w > 1:
            return ""
        return (
            "batchnorm2d needs more than one value per channel to normalise, but batch_size 1 "
            f"with a {h}×{w} input gives one: raise batch_size or move it before the pooling"
        )

    def initial_weight(self) -> Array:
        """γ starts at 1 (and β at 0), as in PyTorch."""
        return np.ones(self.num_features)

    def initial_buffers(self) -> Buffers:
        """PyTorch's: running mean 0, running variance 1."""
        return {
            "running_mean": np.zeros(self.num_features),
            "running_var": np.ones(self.num_features),
        }

    def update_buffers(self, buffers: Buffers | None, x: Array, cache: Any) -> Buffers:
        """The running statistics after this forward (from the initial ones at first)."""
        count = x.size // x.shape[1]
        return batchnorm2d_running(buffers or self.initial_buffers(), cache, self.momentum, count)


LAYER = BatchNorm2d
