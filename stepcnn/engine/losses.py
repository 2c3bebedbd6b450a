"""Losses, each returning ``(loss, cache)`` with ``backward(cache) -> dL/d(scores)``.

cross_entropy: scores ``(N, K)``, labels ``(N,)`` ints in ``[0, K)``;
    p = softmax(scores),  L = −(1/N) Σ_n log p[n, label_n],  dL/dscores = (p − onehot) / N.
mse: prediction and target of the same shape with ``M`` elements in all;
    L = (1/M) Σ (y − t)²,  dL/dy = 2 (y − t) / M.
"""

from typing import NamedTuple

import numpy as np

from stepcnn.engine.types import Array, IntArray


class CrossEntropyCache(NamedTuple):
    probs: Array  # softmax probabilities (N, K)
    log_probs: Array  # log-softmax (N, K)
    labels: IntArray
    per_sample: Array  # −log p[n, label_n]  (N,)


LOSS_STEPS = ("forward", "mean", "backward")
"""A loss's steps: each per-sample (or per-element) term, their mean, then the gradient of the
network output, where backward starts."""


def log_softmax(scores: Array) -> Array:
    """Numerically stable ``log(softmax(scores))`` along the last axis."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    result: Array = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return result


def cross_entropy(scores: Array, labels: IntArray) -> tuple[float, CrossEntropyCache]:
    """Softmax + negative log-likelihood, mean over the batch."""
    log_probs = log_softmax(scores)
    per_sample = -log_probs[np.arange(scores.shape[0]), labels]
    return float(per_sample.sum() / scores.shape[0]), CrossEntropyCache(
        np.exp(log_probs), log_probs, labels, per_sample
    )


def cross_entropy_backward(cache: CrossEntropyCache) -> Array:
    """``(softmax − onehot) / N``."""
    n_batch = cache.probs.shape[0]
    grad = cache.probs.copy()
    grad[np.arange(n_batch), cache.labels] -= 1.0
    result: Array = grad / n_batch
    return result


class MseCache(NamedTuple):
    diff: Array  # y − t


def mse(prediction: Array, target: Array) -> tuple[float, MseCache]:
    """Mean of the squared differences over all elements."""
    diff = prediction - target
    return float(np.mean(diff * diff)), MseCache(diff)


def mse_backward(cache: MseCache) -> Array:
    """``2 (y − t) / M``."""
    result: Array = 2.0 * cache.diff / cache.diff.size
    return result
