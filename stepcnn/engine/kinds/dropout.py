"""Dropout (PyTorch's ``Dropout(p)``, training mode): each unit is dropped with probability p.

Shapes: any; ``out`` and ``dx`` have the shape of ``x``. With a 0/1 ``mask`` (1: kept),

    out = x · mask / (1 − p)          dx = g · mask / (1 − p)

so a kept unit is scaled up by ``1/(1 − p)`` and the expected output equals the input. ``p = 0``
keeps everything (out = x); ``p = 1`` drops everything (out = 0, as PyTorch's ``x·0``).

The mask is not PyTorch's random stream but a fixed function of (the scenario's seed, the
layer's index, the iteration, the unit's row-major index ``k`` in the batch tensor):
unit ``k`` is kept when ``u ≥ p``, with ``u = splitmix64(...)`` in [0, 1) (:func:`unit_uniform`).
Recomputing an iteration therefore gives the same mask, and the generated scripts (python,
numpy, torch) draw the very same one.
"""

from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as np

from stepcnn.engine.layers import Params, ShapeKeeping
from stepcnn.engine.types import Array

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
BOUND = {"bound": True}
"""Field metadata: set by training (the key of the iteration), not part of the definition."""


def _mix(z: int) -> int:
    """splitmix64's finaliser on a 64-bit integer."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def stream_start(key: tuple[int, int, int]) -> int:
    """The 64-bit start of the stream of (seed, layer, iteration): each mixed in turn."""
    h = 0
    for part in key:
        h = _mix(((h ^ part) + GOLDEN) & MASK64)
    return h


def unit_uniform(key: tuple[int, int, int], size: int) -> Array:
    """``u[k] = (splitmix64(start + (k + 1)·golden) >> 11) / 2⁵³`` for ``k < size``: one number
    in [0, 1) per unit, the same for a given key in every language."""
    start = np.uint64(stream_start(key))
    k = np.arange(1, size + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = start + k * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def unit_uniform_naive(key: tuple[int, int, int], size: int) -> Array:
    """Loop form of :func:`unit_uniform`, in Python integers."""
    start = stream_start(key)
    return np.array(
        [(_mix((start + (k + 1) * GOLDEN) & MASK64) >> 11) / float(1 << 53) for k in range(size)]
    )


def dropout_mask(shape: tuple[int, ...], p: float, key: tuple[int, int, int]) -> Array:
    """The 0/1 mask of the iteration: 1 where ``u ≥ p`` (kept), 0 where dropped."""
    size = int(np.prod(shape))
    return (unit_uniform(key, size) >= p).astype(np.float64).reshape(shape)


def scale_of(p: float) -> float:
    """``1/(1 − p)``, and 0 for ``p = 1`` (every unit is dropped)."""
    return 0.0 if p >= 1 else 1.0 / (1.0 - p)


class DropoutCache(NamedTuple):
    mask: Array  # 0/1, shaped like x
    scaled: Array  # mask / (1 − p): what x is multiplied by


def dropout_forward(x: Array, p: float, mask: Array) -> tuple[Array, DropoutCache]:
    """``out = x · mask/(1 − p)``."""
    scaled = mask * scale_of(p)
    return x * scaled, DropoutCache(mask, scaled)


def dropout_backward(dout: Array, cache: DropoutCache) -> tuple[Array, None, None]:
    """``dx = g · mask/(1 − p)``: the gradient flows through the kept units only."""
    return dout * cache.scaled, None, None


def dropout_forward_naive(x: Array, p: float, mask: Array) -> tuple[Array, DropoutCache]:
    """Loop form of :func:`dropout_forward`."""
    out, scaled = np.zeros_like(x), np.zeros_like(x)
    for i, v in np.ndenumerate(x):
        scaled[i] = mask[i] * scale_of(p)
        out[i] = v * scaled[i]
    return out, DropoutCache(mask, scaled)


def dropout_backward_naive(dout: Array, cache: DropoutCache) -> tuple[Array, None, None]:
    """Loop form of :func:`dropout_backward`."""
    dx = np.zeros_like(dout)
    for i, g in np.ndenumerate(dout):
        dx[i] = g * cache.scaled[i]
    return dx, None, None


@dataclass(frozen=True)
class Dropout(ShapeKeeping):
    """``dropout``: any shape, element-wise. ``key`` = (seed, layer index, iteration) is set by
    training for each iteration (:func:`stepcnn.engine.network.train_iteration`)."""

    p: float = 0.5
    key: tuple[int, int, int] = field(default=(0, 0, 0), compare=False, metadata=BOUND)
    type: ClassVar[str] = "dropout"
    seeded: ClassVar[bool] = True

    def forward(self, x: Array, params: Params | None) -> tuple[Array, Any]:
        return dropout_forward(x, self.p, dropout_mask(x.shape, self.p, self.key))

    def backward(self, dout: Array, cache: Any) -> tuple[Array, Array | None, Array | None]:
        return dropout_backward(dout, cache)


LAYER = Dropout
