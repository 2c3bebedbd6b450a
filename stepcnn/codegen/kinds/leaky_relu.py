"""``leaky_relu`` in generated code: like relu, but negative inputs keep a slope."""

from typing import Any

from stepcnn.codegen.guesses import Guesses

TYPE = "leaky_relu"
HAS_PARAMS = False
EXERCISE = True

PYTHON = '''
def leaky_relu_forward(x, negative_slope):
    """leaky_relu.forward, one element per step: out = x if x > 0 else negative_slope · x.

    x any shape (nested lists) → out, the same shape.
    """
    return elementwise(lambda v: v if v > 0 else v * negative_slope, x)


def leaky_relu_backward(dout, x, negative_slope):
    """leaky_relu.backward, one element per step: dx = dout if x > 0 else negative_slope · dout."""
    return elementwise(lambda g, v: g if v > 0 else g * negative_slope, dout, x)
'''

NUMPY = '''
def leaky_relu_forward(x, negative_slope):
    """leaky_relu.forward, one element per step: out = x if x > 0 else negative_slope · x."""
    out = np.zeros_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = v if v > 0 else v * negative_slope
    return out


def leaky_relu_backward(dout, x, negative_slope):
    """leaky_relu.backward, one element per step: dx = dout if x > 0 else negative_slope · dout."""
    dx = np.zeros_like(dout)
    for i, v in np.ndenumerate(x):
        dx[i] = dout[i] if v > 0 else dout[i] * negative_slope
    return dx
'''


def geometry(layer: Any) -> tuple[object, ...]:
    return (float(layer.negative_slope),)


def torch_module(layer: Any) -> str:
    return f"nn.LeakyReLU({float(layer.negative_slope)!r})"


MISTAKES: dict[str, Guesses] = {}
"""No classic mistake of its own is recognised (see :mod:`stepcnn.codegen.mistakes`)."""
