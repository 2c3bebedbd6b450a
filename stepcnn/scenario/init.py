"""Initial parameters: the file's own, else drawn from the scenario's seed.

Scheme (documented in the README): the weight of layer ``i`` that the file does not give is
drawn from ``U(−1/√fan_in, 1/√fan_in)`` — PyTorch's default bound — with
``numpy.random.default_rng([seed, i])``, where ``fan_in`` is ``in_channels·kh·kw`` for conv2d and
``in_features`` for linear; a kind with a fixed start (batchnorm2d's γ = 1) takes it. Biases
not given are zeros. Each layer has its own stream, so giving
one layer's weights never changes another layer's.
"""

import math

import numpy as np

from stepcnn.engine.layers import Layer, Params
from stepcnn.engine.types import Array


def init_weight(shape: tuple[int, ...], seed: int, layer_index: int) -> Array:
    """``U(−b, b)`` with ``b = 1/√fan_in`` from the layer's own random stream."""
    fan_in = math.prod(shape[1:])
    bound = 1.0 / math.sqrt(fan_in)
    rng = np.random.default_rng([seed, layer_index])
    return rng.uniform(-bound, bound, size=shape)


def initial_params(
    layers: tuple[Layer, ...],
    given: list[tuple[Array | None, Array | None]],
    seed: int,
) -> tuple[Params | None, ...]:
    """Parameters for every layer (``None`` for layers without any)."""
    result: list[Params | None] = []
    for i, (layer, (weight, bias)) in enumerate(zip(layers, given, strict=True)):
        shapes = layer.param_shapes()
        if shapes is None:
            result.append(None)
            continue
        w_shape, b_shape = shapes
        fixed = getattr(layer, "initial_weight", None)  # batchnorm2d: γ = 1, as PyTorch
        if weight is not None:
            w = weight
        else:
            w = fixed() if fixed is not None else init_weight(w_shape, seed, i)
        b = bias if bias is not None else np.zeros(b_shape)
        result.append(Params(w, b))
    return tuple(result)
