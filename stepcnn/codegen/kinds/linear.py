"""``linear`` in generated code: one neuron a step forward, one output gradient a step back."""

from typing import Any

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
