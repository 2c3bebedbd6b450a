"""``avgpool2d`` in generated code: each window's mean; backward shares g among every cell."""

from typing import Any

TYPE = "avgpool2d"
HAS_PARAMS = False
EXERCISE = True

PYTHON = '''
def avgpool2d_forward(x, kernel, stride):
    """avgpool2d.forward, one output cell per step: the mean of its window

        out[n][c][r][s] = Σ x[n][c][r·sh : r·sh + kh][s·sw : s·sw + kw] / (kh·kw)

    x [N][C][H][W], kernel (kh, kw), stride (sh, sw); no padding, floor mode (as
    torch.nn.AvgPool2d(k, s)). Returns [N][C][Ho][Wo], Ho = (H − kh) // sh + 1.
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = zeros((n_batch, channels, ho, wo))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    # avgpool2d.forward: the window's mean
                    total = 0.0
                    for i in range(kh):
                        for j in range(kw):
                            total += x[n][c][r * sh + i][s * sw + j]
                    out[n][c][r][s] = total / (kh * kw)
    return out


def avgpool2d_backward(dout, x, kernel, stride):
    """avgpool2d.backward, one output-gradient cell g per step: g / (kh·kw) goes to *every*
    cell of the window (max-pool sends all of g to one winner). Returns dx shaped like x.
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = len(dout[0][0]), len(dout[0][0][0])
    dx = zeros((n_batch, channels, h, wd))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    # avgpool2d.backward: g/(kh·kw) to every cell of the window
                    share = dout[n][c][r][s] / (kh * kw)
                    for i in range(kh):
                        for j in range(kw):
                            dx[n][c][r * sh + i][s * sw + j] += share
    return dx
'''

NUMPY = '''
def avgpool2d_forward(x, kernel, stride):
    """avgpool2d.forward, one output cell per step: the mean of its window."""
    (kh, kw), (sh, sw) = kernel, stride
    n_batch, channels, h, wd = x.shape
    ho, wo = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = np.zeros((n_batch, channels, ho, wo))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    window = x[n, c, r * sh : r * sh + kh, s * sw : s * sw + kw]
                    out[n, c, r, s] = np.sum(window) / (kh * kw)
    return out


def avgpool2d_backward(dout, x, kernel, stride):
    """avgpool2d.backward, one output-gradient cell g per step: g/(kh·kw) to every window cell."""
    (kh, kw), (sh, sw) = kernel, stride
    dx = np.zeros_like(x)
    for (n, c, r, s), g in np.ndenumerate(dout):
        dx[n, c, r * sh : r * sh + kh, s * sw : s * sw + kw] += g / (kh * kw)
    return dx
'''


def geometry(layer: Any) -> tuple[object, ...]:
    """``kernel, stride``."""
    return (tuple(layer.kernel_size), tuple(layer.stride))


def torch_module(layer: Any) -> str:
    return f"nn.AvgPool2d({tuple(layer.kernel_size)}, {tuple(layer.stride)})"
