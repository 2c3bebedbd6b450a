"""``maxpool2d`` in generated code: each window's winner, and the gradient sent to it only."""

from typing import Any

TYPE = "maxpool2d"
HAS_PARAMS = False
EXERCISE = True

PYTHON = '''
def maxpool2d_forward(x, kernel, stride):
    """maxpool2d.forward, one output cell per step: the largest value of its window

        out[n][c][r][s] = max x[n][c][r·sh : r·sh + kh][s·sw : s·sw + kw]

    x [N][C][H][W], kernel (kh, kw), stride (sh, sw); no padding, floor mode. A tie goes to the
    first cell of the window in row-major order (a NaN wins). Returns [N][C][Ho][Wo],
    Ho = (H − kh) // sh + 1.
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = zeros((n_batch, channels, ho, wo))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    # maxpool2d.forward: the window's winner
                    best = -math.inf
                    for i in range(kh):
                        for j in range(kw):
                            v = x[n][c][r * sh + i][s * sw + j]
                            if v != v or (v > best and best == best):
                                best = v
                    out[n][c][r][s] = best
    return out


def maxpool2d_backward(dout, x, kernel, stride):
    """maxpool2d.backward, one output-gradient cell g per step: the whole g goes to the
    window's winner (the first largest cell); every other cell of the window gets nothing.
    Overlapping windows add up. Returns dx shaped like x.
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = len(dout[0][0]), len(dout[0][0][0])
    dx = zeros((n_batch, channels, h, wd))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    # maxpool2d.backward: g is routed to the winner
                    best, at = -math.inf, (r * sh, s * sw)
                    for i in range(kh):
                        for j in range(kw):
                            v = x[n][c][r * sh + i][s * sw + j]
                            if v != v or (v > best and best == best):
                                best, at = v, (r * sh + i, s * sw + j)
                    dx[n][c][at[0]][at[1]] += dout[n][c][r][s]
    return dx
'''

NUMPY = '''
def maxpool2d_forward(x, kernel, stride):
    """maxpool2d.forward, one output cell per step: the largest value of its window (the
    first one on a tie, a NaN wins). x (N, C, H, W) → (N, C, Ho, Wo), Ho = (H − kh) // sh + 1.
    """
    (kh, kw), (sh, sw) = kernel, stride
    n_batch, channels, h, wd = x.shape
    ho, wo = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = np.zeros((n_batch, channels, ho, wo))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    best = -np.inf
                    for i in range(kh):
                        for j in range(kw):
                            v = x[n, c, r * sh + i, s * sw + j]
                            if np.isnan(v) or (v > best and not np.isnan(best)):
                                best = v
                    out[n, c, r, s] = best
    return out


def maxpool2d_backward(dout, x, kernel, stride):
    """maxpool2d.backward, one output-gradient cell g per step: g goes to the window's winner."""
    (kh, kw), (sh, sw) = kernel, stride
    dx = np.zeros_like(x)
    for (n, c, r, s), g in np.ndenumerate(dout):
        best, at = -np.inf, (r * sh, s * sw)
        for i in range(kh):
            for j in range(kw):
                v = x[n, c, r * sh + i, s * sw + j]
                if np.isnan(v) or (v > best and not np.isnan(best)):
                    best, at = v, (r * sh + i, s * sw + j)
        dx[n, c, at[0], at[1]] += g
    return dx
'''


def geometry(layer: Any) -> tuple[object, ...]:
    """``kernel, stride``."""
    return (tuple(layer.kernel_size), tuple(layer.stride))


def torch_module(layer: Any) -> str:
    return f"nn.MaxPool2d({tuple(layer.kernel_size)}, {tuple(layer.stride)})"
