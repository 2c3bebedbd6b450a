"""``linear`` in generated code: one neuron a step forward, one output gradient a step back;
and its classic mistakes (:data:`MISTAKES`)."""

from collections.abc import Iterator
from typing import Any

import numpy as np

from stepcnn.codegen.guesses import Guess, Guesses, overwrite_line

TYPE = "linear"
HAS_PARAMS = True
EXERCISE = True

PYTHON = '''
def linear_forward(x, w, b):
    """linear.forward, one output element per step: out[n][o] = Σ_i w[o][i] · x[n][i] + b[o].

    x [N][I], w [O][I], b [O] → out [N][O].
    """
    out = zeros((len(x), len(w)))
    for n in range(len(x)):
        for o in range(len(w)):
            # linear.forward: row o of W times the input vector, plus b[o]
            total = 0.0
            for i in range(len(x[n])):
                total += w[o][i] * x[n][i]
            out[n][o] = total + b[o]
    return out


def linear_backward(dout, x, w):
    """linear.backward, one output-gradient element g = dout[n][o] per step:

        dw[o] += g · x[n]      db[o] += g      dx[n] += g · w[o]

    dout [N][O], x [N][I], w [O][I]. Returns (dx [N][I], dw [O][I], db [O]).
    """
    dx, dw, db = zeros((len(x), len(x[0]))), zeros((len(w), len(w[0]))), zeros((len(w),))
    for n in range(len(dout)):
        for o in range(len(w)):
            # linear.backward: dW[o] += g·x, db[o] += g, dx += g·W[o]
            g = dout[n][o]
            db[o] += g
            for i in range(len(x[n])):
                dw[o][i] += g * x[n][i]
                dx[n][i] += g * w[o][i]
    return dx, dw, db
'''

NUMPY = '''
def linear_forward(x, w, b):
    """linear.forward, one output element per step: out[n, o] = Σ_i w[o, i] · x[n, i] + b[o]."""
    out = np.zeros((x.shape[0], w.shape[0]))
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            out[n, o] = np.sum(w[o] * x[n]) + b[o]
    return out


def linear_backward(dout, x, w):
    """linear.backward, one output-gradient element g per step: dw[o] += g·x[n], db[o] += g,
    dx[n] += g·w[o]. Returns (dx, dw, db)."""
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros(w.shape[0])
    for (n, o), g in np.ndenumerate(dout):
        dw[o] += g * x[n]
        db[o] += g
        dx[n] += g * w[o]
    return dx, dw, db
'''


def geometry(layer: Any) -> tuple[object, ...]:
    return ()


def torch_module(layer: Any) -> str:
    return f"nn.Linear({layer.in_features}, {layer.out_features})"


# ---- the classic mistakes: what a learner's slip makes of the right answer -------------------


def forward_mistakes(args: list[Any]) -> Iterator[Guess]:
    x, w, b = args
    line = "bias missing: your out is off by exactly b[o] everywhere (+ b[o] left out)"
    yield line, {"out": x @ w.T}
    if w.shape[0] == w.shape[1]:
        line = "weight transposed: your out equals x·W + b; a linear layer computes W·x + b"
        yield line, {"out": x @ w + b}


def backward_mistakes(args: list[Any]) -> Iterator[Guess]:
    """The overwrites as the skeleton's loops (``for n``, ``for o``, ``for i``) leave them."""
    dout, x, w = args
    line = overwrite_line("dW", "sample's g·x", "dw[o] = g·x", "sample")
    yield line, {"dw": np.outer(dout[-1], x[-1])}
    yield overwrite_line("db", "sample's g", "db[o] = g", "sample"), {"db": dout[-1].copy()}
    line = overwrite_line("dx", "output's g·W[o]", "dx[n] = g·W[o]", "output")
    yield line, {"dx": dout[:, -1:] * w[-1]}
    if w.shape[0] == w.shape[1]:
        line = "weight transposed in dx: your dx equals dout·Wᵀ; it is dout·W (dx[n][i] += "
        yield line + "g·w[o][i])", {"dx": dout @ w.T}
        line = "dW transposed: your dw equals the right one transposed (dw[i][o] written for "
        yield line + "dw[o][i])", {"dw": x.T @ dout}


MISTAKES: dict[str, Guesses] = {"forward": forward_mistakes, "backward": backward_mistakes}
"""Per phase, the classic mistakes :mod:`stepcnn.codegen.mistakes` tests a wrong answer for."""
