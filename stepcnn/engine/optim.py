"""Stochastic gradient descent."""

from stepcnn.engine.types import Array


def sgd_update(param: Array, grad: Array, learning_rate: float) -> Array:
    """One SGD step, ``p ← p − learning_rate · grad``, returned as a new array.

    The update never happens inside backward: training computes all gradients first,
    then applies this to every parameter.
    """
    result: Array = param - learning_rate * grad
    return result
