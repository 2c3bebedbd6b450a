"""``tanh`` in generated code: one element a step; backward uses the output y."""

from typing import Any

from stepcnn.codegen.guesses import Guesses

TYPE = "tanh"
HAS_PARAMS = False
EXERCISE = True

PYTHON = '''
def tanh_forward(x):
    """tanh.forward, one element per step: out = tanh(x). Any shape → the same shape."""
    return elementwise(math.tanh, x)


def tanh_backward(dout, x):
    """tanh.backward, one element per step: dx = dout · (1 − y²) with y = tanh(x)."""
    return elementwise(lambda g, v: g * (1.0 - math.tanh(v) * math.tanh(v)), dout, x)
'''

NUMPY = '''
def tanh_forward(x):
    """tanh.forward, one element per step: out = tanh(x)."""
    out = np.zeros_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = np.tanh(v)
    return out


def tanh_backward(dout, x):
    """tanh.backward, one element per step: dx = dout · (1 − y²) with y = tanh(x)."""
    dx = np.zeros_like(dout)
    for i, v in np.ndenumerate(x):
        y = np.tanh(v)
        dx[i] = dout[i] * (1.0 - y * y)
    return dx
'''


def geometry(layer: Any) -> tuple[object, ...]:
    return ()


def torch_module(layer: Any) -> str:
    return "nn.Tanh()"


MISTAKES: dict[str, Guesses] = {}
"""No classic mistake of its own is recognised (see :mod:`stepcnn.codegen.mistakes`)."""
