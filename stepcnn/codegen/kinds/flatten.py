"""``flatten`` in generated code: the maps laid out as one vector, in C, H, W order."""

from typing import Any

from stepcnn.codegen.guesses import Guesses

TYPE = "flatten"
HAS_PARAMS = False
EXERCISE = False  # not in the graded contract: a reshape

PYTHON = '''
def flatten_forward(x):
    """flatten.forward, one step: each sample [C][H][W] becomes one row, feature
    (c·H + h)·W + w being cell (c, h, w)."""
    return [[v for channel in sample for row in channel for v in row] for sample in x]


def flatten_backward(dout, x):
    """flatten.backward, one step: each gradient goes back to its cell (the inverse reshape)."""
    channels, h, wd = len(x[0]), len(x[0][0]), len(x[0][0][0])
    return [
        [[[g[(c * h + r) * wd + s] for s in range(wd)] for r in range(h)] for c in range(channels)]
        for g in dout
    ]
'''

NUMPY = '''
def flatten_forward(x):
    """flatten.forward, one step: feature (c·H + h)·W + w of a sample is cell (c, h, w)."""
    n_batch, channels, h, wd = x.shape
    out = np.zeros((n_batch, channels * h * wd))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(h):
                for s in range(wd):
                    out[n, (c * h + r) * wd + s] = x[n, c, r, s]
    return out


def flatten_backward(dout, x):
    """flatten.backward, one step: each gradient goes back to its cell."""
    n_batch, channels, h, wd = x.shape
    dx = np.zeros_like(x)
    for n in range(n_batch):
        for c in range(channels):
            for r in range(h):
                for s in range(wd):
                    dx[n, c, r, s] = dout[n, (c * h + r) * wd + s]
    return dx
'''


def geometry(layer: Any) -> tuple[object, ...]:
    return ()


def torch_module(layer: Any) -> str:
    return "nn.Flatten()"


MISTAKES: dict[str, Guesses] = {}
"""No classic mistake of its own is recognised (see :mod:`stepcnn.codegen.mistakes`)."""
