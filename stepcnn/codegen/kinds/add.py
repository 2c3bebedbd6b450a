"""``add`` in generated code: the element-wise sum of the inputs ``from`` names (a residual
block's merge); backward hands the gradient to every input unchanged."""

from typing import Any

from stepcnn.codegen.guesses import Guesses

TYPE = "add"
HAS_PARAMS = False
EXERCISE = True

PYTHON = '''
def add_forward(xs):
    """add.forward, one element per step: out = x1 + x2 + … (added left to right).

    xs is the list of inputs, tensors of one shape (nested lists) → out, that shape.
    """
    out = xs[0]
    for x in xs[1:]:
        out = elementwise(lambda a, b: a + b, out, x)
    return out


def add_backward(dout, xs):
    """add.backward, one element per step: d out / d xk = 1, so every input's gradient is dout.

    Returns [dx1, dx2, …], one gradient per input of xs, each shaped like dout. (Where an input
    is also read by another layer, that layer's gradient is added to it: a fork.)
    """
    return [elementwise(lambda g: g, dout) for _ in xs]
'''

NUMPY = '''
def add_forward(xs):
    """add.forward, one element per step: out = x1 + x2 + … (xs: the inputs, one shape)."""
    out = np.zeros_like(xs[0])
    for i in np.ndindex(out.shape):
        s = xs[0][i]
        for x in xs[1:]:
            s = s + x[i]
        out[i] = s
    return out


def add_backward(dout, xs):
    """add.backward, one element per step: every input receives dout (d out / d xk = 1);
    returns [dx1, dx2, …], one per input."""
    dxs = []
    for _ in xs:
        dx = np.zeros_like(dout)
        for i, g in np.ndenumerate(dout):
            dx[i] = g
        dxs.append(dx)
    return dxs
'''


def geometry(layer: Any) -> tuple[object, ...]:
    return ()


def torch_module(layer: Any) -> str:
    return "Add()"


MISTAKES: dict[str, Guesses] = {}
"""No classic mistake of its own is recognised (see :mod:`stepcnn.codegen.mistakes`)."""
