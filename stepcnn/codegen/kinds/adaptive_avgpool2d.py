"""``adaptive_avgpool2d`` in generated code: each output cell's window (PyTorch's rule) and
its mean; backward shares g among the window's cells."""

from typing import Any

from stepcnn.codegen.guesses import Guesses

TYPE = "adaptive_avgpool2d"
HAS_PARAMS = False
EXERCISE = True

PYTHON = '''
def adaptive_avgpool2d_forward(x, output_size):
    """adaptive_avgpool2d.forward, one output cell per step: the mean of its window, rows
    ⌊r·H/Ho⌋ ≤ i < ⌈(r + 1)·H/Ho⌉ and columns likewise (torch.nn.AdaptiveAvgPool2d).

    x [N][C][H][W], output_size (Ho, Wo) → out [N][C][Ho][Wo].
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    ho, wo = output_size
    out = zeros((n_batch, channels, ho, wo))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                r0, r1 = (r * h) // ho, -(-((r + 1) * h) // ho)
                for s in range(wo):
                    c0, c1 = (s * wd) // wo, -(-((s + 1) * wd) // wo)
                    # adaptive_avgpool2d.forward: the window's mean
                    total = 0.0
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            total += x[n][c][i][j]
                    out[n][c][r][s] = total / ((r1 - r0) * (c1 - c0))
    return out


def adaptive_avgpool2d_backward(dout, x, output_size):
    """adaptive_avgpool2d.backward, one output-gradient cell g per step: g / (window size)
    to every cell of its window (adding where windows overlap). Returns dx shaped like x."""
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    ho, wo = output_size
    dx = zeros((n_batch, channels, h, wd))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                r0, r1 = (r * h) // ho, -(-((r + 1) * h) // ho)
                for s in range(wo):
                    c0, c1 = (s * wd) // wo, -(-((s + 1) * wd) // wo)
                    share = dout[n][c][r][s] / ((r1 - r0) * (c1 - c0))
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            dx[n][c][i][j] += share
    return dx
'''

NUMPY = '''
def adaptive_avgpool2d_forward(x, output_size):
    """adaptive_avgpool2d.forward, one output cell per step: its window's mean."""
    n_batch, channels, h, wd = x.shape
    ho, wo = output_size
    out = np.zeros((n_batch, channels, ho, wo))
    for (n, c, r, s), _ in np.ndenumerate(out):
        r0, r1 = (r * h) // ho, -(-((r + 1) * h) // ho)
        c0, c1 = (s * wd) // wo, -(-((s + 1) * wd) // wo)
        out[n, c, r, s] = np.sum(x[n, c, r0:r1, c0:c1]) / ((r1 - r0) * (c1 - c0))
    return out


def adaptive_avgpool2d_backward(dout, x, output_size):
    """adaptive_avgpool2d.backward: g / (window size) to every cell of the window."""
    _, _, h, wd = x.shape
    ho, wo = output_size
    dx = np.zeros_like(x)
    for (n, c, r, s), g in np.ndenumerate(dout):
        r0, r1 = (r * h) // ho, -(-((r + 1) * h) // ho)
        c0, c1 = (s * wd) // wo, -(-((s + 1) * wd) // wo)
        dx[n, c, r0:r1, c0:c1] += g / ((r1 - r0) * (c1 - c0))
    return dx
'''


def geometry(layer: Any) -> tuple[object, ...]:
    """``output_size``."""
    return (tuple(layer.output_size),)


def torch_module(layer: Any) -> str:
    return f"nn.AdaptiveAvgPool2d({tuple(layer.output_size)})"


MISTAKES: dict[str, Guesses] = {}
"""No classic mistake of its own is recognised (see :mod:`stepcnn.codegen.mistakes`)."""
