"""``sigmoid`` in generated code: one element a step; backward uses the output y."""

from typing import Any

from stepcnn.codegen.guesses import Guesses

TYPE = "sigmoid"
HAS_PARAMS = False
EXERCISE = True

PYTHON = '''
def _sigmoid(v):
    """1 / (1 + e^−v), written so that e^… never overflows."""
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid_forward(x):
    """sigmoid.forward, one element per step: out = 1 / (1 + e^−x). Any shape → the same."""
    return elementwise(_sigmoid, x)


def sigmoid_backward(dout, x):
    """sigmoid.backward, one element per step: dx = dout · y · (1 − y) with y = sigmoid(x)."""
    return elementwise(lambda g, v: g * (1.0 - _sigmoid(v)) * _sigmoid(v), dout, x)
'''

NUMPY = '''
def sigmoid_forward(x):
    """sigmoid.forward, one element per step: out = 1 / (1 + e^−x)."""
    out = np.zeros_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = 1.0 / (1.0 + np.exp(-v))
    return out


def sigmoid_backward(dout, x):
    """sigmoid.backward, one element per step: dx = dout · y · (1 − y) with y = sigmoid(x)."""
    dx = np.zeros_like(dout)
    for i, v in np.ndenumerate(x):
        y = 1.0 / (1.0 + np.exp(-v))
        dx[i] = dout[i] * (1.0 - y) * y
    return dx
'''


def geometry(layer: Any) -> tuple[object, ...]:
    return ()


def torch_module(layer: Any) -> str:
    return "nn.Sigmoid()"


MISTAKES: dict[str, Guesses] = {}
"""No classic mistake of its own is recognised (see :mod:`stepcnn.codegen.mistakes`)."""
