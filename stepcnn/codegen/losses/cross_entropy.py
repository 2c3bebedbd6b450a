"""``cross_entropy`` in generated code: softmax, −log p[label], the mean, and its gradient;
and its classic mistakes (:func:`mistakes`)."""

from collections.abc import Iterator
from typing import Any

import numpy as np

from stepcnn.codegen.guesses import Guess

NAME = "cross_entropy"
FUNCTION = "softmax_cross_entropy"
TARGETS = "labels"

PYTHON = '''
def softmax_cross_entropy(scores, labels):
    """cross_entropy: p = softmax(scores[n]); loss = mean over n of −log p[n][labels[n]];
    dscores = (p − onehot(labels)) / N.

    scores [N][K], labels [N] integers in [0, K) → (loss, dscores [N][K]).
    """
    n_batch = len(scores)
    per_sample, dscores = [], []
    for n in range(n_batch):
        # cross_entropy.forward: a numerically stable log-softmax
        top = scores[n][0]
        for v in scores[n]:
            if v > top or v != v:
                top = v
        shifted = [v - top for v in scores[n]]
        log_total = math.log(sum(math.exp(v) for v in shifted))
        log_probs = [v - log_total for v in shifted]
        per_sample.append(-log_probs[labels[n]])
        # cross_entropy.backward: (p − onehot) / N
        grad = [math.exp(v) for v in log_probs]
        grad[labels[n]] -= 1.0
        dscores.append([g / n_batch for g in grad])
    # cross_entropy.mean
    return sum(per_sample) / n_batch, dscores
'''

NUMPY = '''
def softmax_cross_entropy(scores, labels):
    """cross_entropy: p = softmax(scores[n]); loss = mean of −log p[n, label];
    dscores = (p − onehot) / N. scores (N, K), labels (N,) → (loss, dscores)."""
    n_batch = scores.shape[0]
    per_sample, dscores = np.zeros(n_batch), np.zeros_like(scores)
    for n in range(n_batch):
        shifted = scores[n] - np.max(scores[n])
        log_probs = shifted - np.log(np.sum(np.exp(shifted)))
        per_sample[n] = -log_probs[labels[n]]
        dscores[n] = np.exp(log_probs)
        dscores[n, labels[n]] -= 1.0
    return float(np.mean(per_sample)), dscores / n_batch
'''

TORCH = "F.cross_entropy(scores, torch.tensor(labels))"


def mistakes(args: list[Any]) -> Iterator[Guess]:
    """The wrong softmax gradients (no −onehot, no /N, the sign flipped) and a summed loss."""
    scores, labels = args
    n = len(scores)
    shifted = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    onehot = np.zeros_like(p)
    onehot[np.arange(n), labels] = 1.0
    line = "softmax gradient: your dscores is p/N, not (p − onehot)/N: the −1 at each "
    yield line + "sample's label is missing", {"dscores": p / n}
    line = "softmax gradient: your dscores is p − onehot without the /N of the mean"
    yield line, {"dscores": p - onehot}
    line = "softmax gradient: your dscores has its sign flipped: (onehot − p)/N where it is "
    yield line + "(p − onehot)/N", {"dscores": (onehot - p) / n}
    loss = -np.log(p[np.arange(n), labels]).sum()
    yield "loss summed over the batch, not its mean (the /N left out)", {"loss": loss}
