"""``conv2d`` in generated code: the loops the debugger steps through, one output cell a step;
and its classic mistakes (:data:`MISTAKES`)."""

from collections.abc import Iterator
from typing import Any

import numpy as np

from stepcnn.codegen.guesses import (
    MAX_EMULATED,
    Guess,
    Guesses,
    overwrite_line,
    window_cuts,
    window_line,
)
from stepcnn.engine.kinds.conv2d import conv2d_backward as engine_backward
from stepcnn.engine.kinds.conv2d import conv2d_forward as engine_forward
from stepcnn.engine.types import Array

TYPE = "conv2d"
HAS_PARAMS = True
EXERCISE = True

PYTHON = '''
def conv2d_forward(x, w, b, stride, padding):
    """conv2d.forward, one output cell per step:

        out[n][f][r][c] = b[f] + Σ_{ch,i,j} w[f][ch][i][j] · xpad[n][ch][r·sh + i][c·sw + j]

    x [N][C][H][W], w [F][C][kh][kw], b [F], stride (sh, sw), padding (ph, pw): zeros around
    the input. Returns out [N][F][Ho][Wo], Ho = (H + 2·ph − kh) // sh + 1 (likewise Wo).
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    filters, kh, kw = len(w), len(w[0][0]), len(w[0][0][0])
    (sh, sw), (ph, pw) = stride, padding
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = zeros((n_batch, filters, ho, wo))
    for n in range(n_batch):
        for f in range(filters):
            for r in range(ho):
                for c in range(wo):
                    # conv2d.forward: out[n, f, r, c] = Σ patch ⊙ W[f] + b[f]
                    total = 0.0
                    for ch in range(channels):
                        for i in range(kh):
                            for j in range(kw):
                                row, col = r * sh + i - ph, c * sw + j - pw
                                inside = 0 <= row < h and 0 <= col < wd
                                v = x[n][ch][row][col] if inside else 0.0  # padding: a zero
                                total += v * w[f][ch][i][j]
                    out[n][f][r][c] = total + b[f]
    return out


def conv2d_backward(dout, x, w, stride, padding):
    """conv2d.backward, one output-gradient cell g = dout[n][f][r][c] per step:

        dw[f] += g · patch(n, r, c)     (every position adds into the same dw[f]: shared weights)
        db[f] += g
        dx[n][:, window(r, c)] += g · w[f]   (padding cells are not inputs: nothing goes there)

    dout [N][F][Ho][Wo], x [N][C][H][W], w [F][C][kh][kw]. Returns (dx, dw, db) shaped like
    x, w and [F].
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    filters, kh, kw = len(w), len(w[0][0]), len(w[0][0][0])
    ho, wo = len(dout[0][0]), len(dout[0][0][0])
    (sh, sw), (ph, pw) = stride, padding
    dx = zeros((n_batch, channels, h, wd))
    dw = zeros((filters, channels, kh, kw))
    db = zeros((filters,))
    for n in range(n_batch):
        for f in range(filters):
            for r in range(ho):
                for c in range(wo):
                    # conv2d.backward: dW[f] += g·patch, db[f] += g, dx[window] += g·W[f]
                    g = dout[n][f][r][c]
                    db[f] += g
                    for ch in range(channels):
                        for i in range(kh):
                            for j in range(kw):
                                row, col = r * sh + i - ph, c * sw + j - pw
                                inside = 0 <= row < h and 0 <= col < wd
                                v = x[n][ch][row][col] if inside else 0.0
                                dw[f][ch][i][j] += g * v
                                if inside:
                                    dx[n][ch][row][col] += g * w[f][ch][i][j]
    return dx, dw, db
'''

NUMPY = '''
def conv2d_forward(x, w, b, stride, padding):
    """conv2d.forward, one output cell per step: out[n, f, r, c] = Σ patch ⊙ w[f] + b[f].

    x (N, C, H, W), w (F, C, kh, kw), b (F,), stride (sh, sw), padding (ph, pw) → out
    (N, F, Ho, Wo) with Ho = (H + 2·ph − kh) // sh + 1.
    """
    (sh, sw), (ph, pw) = stride, padding
    n_batch, filters, kh, kw = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # zeros around the input
    ho, wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros((n_batch, filters, ho, wo))
    for n in range(n_batch):
        for f in range(filters):
            for r in range(ho):
                for c in range(wo):
                    # conv2d.forward: out[n, f, r, c] = Σ patch ⊙ W[f] + b[f]
                    patch = xp[n, :, r * sh : r * sh + kh, c * sw : c * sw + kw]
                    out[n, f, r, c] = np.sum(patch * w[f]) + b[f]
    return out


def conv2d_backward(dout, x, w, stride, padding):
    """conv2d.backward, one output-gradient cell g per step: dw[f] += g·patch, db[f] += g,
    dxpad[n, :, window] += g·w[f]; the padding is cut off dx at the end.

    Returns (dx, dw, db) shaped like x, w and (F,).
    """
    (sh, sw), (ph, pw) = stride, padding
    kh, kw = w.shape[2], w.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(w.shape[0])
    n_batch, filters, ho, wo = dout.shape
    for n in range(n_batch):
        for f in range(filters):
            for r in range(ho):
                for c in range(wo):
                    # conv2d.backward: dW[f] += g·patch, db[f] += g, dx[window] += g·W[f]
                    g = dout[n, f, r, c]
                    rows, cols = slice(r * sh, r * sh + kh), slice(c * sw, c * sw + kw)
                    dw[f] += g * xp[n, :, rows, cols]
                    db[f] += g
                    dxp[n, :, rows, cols] += g * w[f]
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return dx, dw, db
'''


def geometry(layer: Any) -> tuple[object, ...]:
    """The arguments after the tensors: ``stride, padding``."""
    return (tuple(layer.stride), tuple(layer.padding))


def torch_module(layer: Any) -> str:
    return (
        f"nn.Conv2d({layer.in_channels}, {layer.out_channels}, "
        f"kernel_size={tuple(layer.kernel_size)}, stride={tuple(layer.stride)}, "
        f"padding={tuple(layer.padding)})"
    )


# ---- the classic mistakes: what a learner's slip makes of the right answer -------------------


def _out(x: Array, w: Array, b: Array, stride: Any, padding: Any) -> Array:
    return engine_forward(x, np.ascontiguousarray(w), b, stride, padding)[0]


def _grads(dout: Array, x: Array, w: Array, stride: Any, padding: Any) -> tuple[Array, ...]:
    cache = engine_forward(x, np.ascontiguousarray(w), np.zeros(w.shape[0]), stride, padding)[1]
    return tuple(engine_backward(dout, cache))


def _filters(w: Array) -> Iterator[tuple[str, Array]]:
    """The filter as a slip reads it: transposed (a square one), rotated 180° (flipped as a
    true convolution does), or a window one row or column short (its last ones zero); each
    with its line, ``{r}`` standing for the result."""
    if w.shape[-1] == w.shape[-2]:
        line = "filter transposed: your {r} equals the right one computed with W[f] transposed"
        yield line + " (w[f][ch][j][i] for w[f][ch][i][j])", w.swapaxes(-1, -2)
    line = "filter rotated 180°: your {r} equals the right one computed with W[f] flipped"
    yield line + " (as a true convolution does; conv2d slides W[f] as it is)", w[..., ::-1, ::-1]
    for what, rows, columns in window_cuts(*w.shape[-2:]):
        cut = np.zeros_like(w)
        cut[..., :rows, :columns] = w[..., :rows, :columns]
        yield window_line("{r}", what), cut


def forward_mistakes(args: list[Any]) -> Iterator[Guess]:
    x, w, b, stride, padding = args
    line = "bias missing: your out is off by exactly b[f] everywhere (+ b[f] left out)"
    yield line, {"out": _out(x, w, np.zeros_like(b), stride, padding)}
    for line, read in _filters(w):
        yield line.format(r="out"), {"out": _out(x, read, b, stride, padding)}


def _overwritten(dout: Array, x: Array, w: Array, stride: Any, padding: Any) -> dict[str, Array]:
    """The skeleton's loops with ``=`` for every ``+=``: what each cell keeps is the last
    share sent to it (``dw`` twice: assigned at every window cell, or only inside the image)."""
    (sh, sw), (ph, pw) = stride, padding
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    inside = np.pad(np.ones(x.shape[1:], dtype=bool), ((0, 0), (ph, ph), (pw, pw)))
    dxp, dw, dw_inside, db = np.zeros_like(xp), np.zeros_like(w), np.zeros_like(w), np.zeros(len(w))
    for (n, f, r, c), g in np.ndenumerate(dout):
        rows, cols = slice(r * sh, r * sh + kh), slice(c * sw, c * sw + kw)
        dw[f] = g * xp[n, :, rows, cols]
        mask = inside[:, rows, cols]
        dw_inside[f][mask] = g * xp[n, :, rows, cols][mask]
        db[f] = g
        dxp[n, :, rows, cols] = g * w[f]
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return {"dx": dx, "dw": dw, "dw inside": dw_inside, "db": db}


def backward_mistakes(args: list[Any]) -> Iterator[Guess]:
    dout, x, w, stride, padding = args
    if dout.size <= MAX_EMULATED:
        over = _overwritten(dout, x, w, stride, padding)
        for name in ("dw", "dw inside"):
            line = overwrite_line("dW", "position's g·patch", "dw[f] = g·patch", "position")
            yield line, {"dw": over[name]}
        yield overwrite_line("db", "position's g", "db[f] = g", "position"), {"db": over["db"]}
        line = overwrite_line("dx", "g·W[f] sent to each cell", "dx[window] = g·W[f]", "window")
        yield line, {"dx": over["dx"]}
    line = "dW transposed: your dw equals the right one transposed (dw[f][ch][j][i] written "
    line += "for dw[f][ch][i][j])"
    yield line, {"dw": _grads(dout, x, w, stride, padding)[1].swapaxes(-1, -2)}
    for line, read in _filters(w):
        yield line.format(r="dx"), {"dx": _grads(dout, x, read, stride, padding)[0]}


MISTAKES: dict[str, Guesses] = {"forward": forward_mistakes, "backward": backward_mistakes}
"""Per phase, the classic mistakes :mod:`stepcnn.codegen.mistakes` tests a wrong answer for."""
