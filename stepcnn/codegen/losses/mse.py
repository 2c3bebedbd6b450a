"""``mse`` in generated code: the mean of the squared differences, and its gradient; and its
classic mistakes (:func:`mistakes`)."""

from collections.abc import Iterator
from typing import Any

from stepcnn.codegen.guesses import Guess

NAME = "mse"
FUNCTION = "mse"
TARGETS = "targets"

PYTHON = '''
def mse(out, target):
    """mse: loss = (1/M) Σ (y − t)² over all M elements; dout = 2 (y − t) / M.

    out and target the same shape (nested lists) → (loss, dout shaped like out).
    """
    diffs = [y - t for y, t in zip(flat(out), flat(target))]
    m = len(diffs)
    # mse.forward: one squared difference per element; mse.mean: their mean
    loss = sum(d * d for d in diffs) / m
    # mse.backward: 2 (y − t) / M
    return loss, reshape_like([2.0 * d / m for d in diffs], out)
'''

NUMPY = '''
def mse(out, target):
    """mse: loss = (1/M) Σ (y − t)² over all M elements; dout = 2 (y − t) / M."""
    diff = out - target
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size
'''

TORCH = "F.mse_loss(scores, torch.tensor(targets))"


def mistakes(args: list[Any]) -> Iterator[Guess]:
    """The gradient without the mean's /M, or without the square's factor 2."""
    out, target = args
    d = out - target
    yield "mse gradient: 2·(y − t) without the /M of the mean", {"dscores": 2.0 * d}
    yield "mse gradient: (y − t)/M without the factor 2 of the square", {"dscores": d / d.size}
    yield "loss summed over the elements, not their mean (the /M left out)", {"loss": (d * d).sum()}
