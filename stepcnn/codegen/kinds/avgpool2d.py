"""``avgpool2d`` in generated code: each window's mean; backward shares g among every cell;
and its classic mistake (:data:`MISTAKES`): a window a row or column short."""

from collections.abc import Iterator
from typing import Any

from stepcnn.codegen.guesses import Guess, Guesses, window_line
from stepcnn.codegen.kinds import _pool

TYPE = "avgpool2d"
HAS_PARAMS = False
EXERCISE = True

PYTHON = _pool.python_functions(
    TYPE,
    """avgpool2d.forward, one output cell per step: the mean of its window

        out[n][c][r][s] = Σ x[n][c][r·sh : r·sh + kh][s·sw : s·sw + kw] / (kh·kw)

    x [N][C][H][W], kernel (kh, kw), stride (sh, sw); no padding, floor mode (as
    torch.nn.AvgPool2d(k, s)). Returns [N][C][Ho][Wo], Ho = (H − kh) // sh + 1.""",
    """
# avgpool2d.forward: the window's mean
total = 0.0
for i in range(kh):
    for j in range(kw):
        total += x[n][c][r * sh + i][s * sw + j]
out[n][c][r][s] = total / (kh * kw)
""",
    """avgpool2d.backward, one output-gradient cell g per step: g / (kh·kw) goes to *every*
    cell of the window (max-pool sends all of g to one winner). Returns dx shaped like x.""",
    """
# avgpool2d.backward: g/(kh·kw) to every cell of the window
share = dout[n][c][r][s] / (kh * kw)
for i in range(kh):
    for j in range(kw):
        dx[n][c][r * sh + i][s * sw + j] += share
""",
)

NUMPY = _pool.numpy_functions(
    TYPE,
    "avgpool2d.forward, one output cell per step: the mean of its window.",
    """
window = x[n, c, r * sh : r * sh + kh, s * sw : s * sw + kw]
out[n, c, r, s] = np.sum(window) / (kh * kw)
""",
    "avgpool2d.backward, one output-gradient cell g per step: g/(kh·kw) to every window cell.",
    """
dx[n, c, r * sh : r * sh + kh, s * sw : s * sw + kw] += g / (kh * kw)
""",
)

geometry = _pool.geometry


def torch_module(layer: Any) -> str:
    return _pool.torch_module("AvgPool2d", layer)


def forward_mistakes(args: list[Any]) -> Iterator[Guess]:
    """A short window's sum, divided by the whole window's size (as the loop leaves it)."""
    x, kernel, stride = args
    for what, _, windows in _pool.short_windows(x, kernel, stride):
        out = windows.sum(axis=(-2, -1)) / (kernel[0] * kernel[1])
        yield window_line("out", what), {"out": out}


MISTAKES: dict[str, Guesses] = {"forward": forward_mistakes}
"""Per phase, the classic mistakes :mod:`stepcnn.codegen.mistakes` tests a wrong answer for."""
