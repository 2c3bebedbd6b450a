"""``relu`` in generated code: one element a step, gated on the input's sign."""

from typing import Any

from stepcnn.codegen.guesses import Guesses

TYPE = "relu"
HAS_PARAMS = False
EXERCISE = True

PYTHON = '''
def relu_forward(x):
    """relu.forward, one element per step: out = x if x > 0 else 0 (a NaN stays NaN).

    x any shape (nested lists) → out, the same shape.
    """
    return elementwise(lambda v: v if (v > 0 or v != v) else 0.0, x)


def relu_backward(dout, x):
    """relu.backward, one element per step: dx = dout where the *input* x > 0, else 0.

    (At exactly 0 the gradient is blocked, as in PyTorch.) Returns dx shaped like x.
    """
    return elementwise(lambda g, v: 0.0 if v <= 0 else g, dout, x)
'''

NUMPY = '''
def relu_forward(x):
    """relu.forward, one element per step: out = x if x > 0 else 0 (a NaN stays NaN)."""
    out = np.zeros_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = v if (v > 0 or np.isnan(v)) else 0.0
    return out


def relu_backward(dout, x):
    """relu.backward, one element per step: dx = dout where the input x > 0, else 0."""
    dx = np.zeros_like(dout)
    for i, v in np.ndenumerate(x):
        if not v <= 0:
            dx[i] = dout[i]
    return dx
'''


def geometry(layer: Any) -> tuple[object, ...]:
    return ()


def torch_module(layer: Any) -> str:
    return "nn.ReLU()"


MISTAKES: dict[str, Guesses] = {}
"""No classic mistake of its own is recognised (see :mod:`stepcnn.codegen.mistakes`)."""
