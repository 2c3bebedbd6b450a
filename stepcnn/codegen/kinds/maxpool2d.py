"""``maxpool2d`` in generated code: each window's winner, and the gradient sent to it only;
and its classic mistakes (:data:`MISTAKES`)."""

from collections.abc import Iterator
from typing import Any

import numpy as np

from stepcnn.codegen.guesses import MAX_EMULATED, Guess, Guesses, overwrite_line, window_line
from stepcnn.codegen.kinds import _pool
from stepcnn.engine.types import Array
from stepcnn.engine.windows import sliding_windows

TYPE = "maxpool2d"
HAS_PARAMS = False
EXERCISE = True

PYTHON = _pool.python_functions(
    TYPE,
    """maxpool2d.forward, one output cell per step: the largest value of its window

        out[n][c][r][s] = max x[n][c][r·sh : r·sh + kh][s·sw : s·sw + kw]

    x [N][C][H][W], kernel (kh, kw), stride (sh, sw); no padding, floor mode. A tie goes to the
    first cell of the window in row-major order (a NaN wins). Returns [N][C][Ho][Wo],
    Ho = (H − kh) // sh + 1.""",
    """
# maxpool2d.forward: the window's winner
best = -math.inf
for i in range(kh):
    for j in range(kw):
        v = x[n][c][r * sh + i][s * sw + j]
        if v != v or (v > best and best == best):
            best = v
out[n][c][r][s] = best
""",
    """maxpool2d.backward, one output-gradient cell g per step: the whole g goes to the
    window's winner (the first largest cell); every other cell of the window gets nothing.
    Overlapping windows add up. Returns dx shaped like x.""",
    """
# maxpool2d.backward: g is routed to the winner
best, at = -math.inf, (r * sh, s * sw)
for i in range(kh):
    for j in range(kw):
        v = x[n][c][r * sh + i][s * sw + j]
        if v != v or (v > best and best == best):
            best, at = v, (r * sh + i, s * sw + j)
dx[n][c][at[0]][at[1]] += dout[n][c][r][s]
""",
)

NUMPY = _pool.numpy_functions(
    TYPE,
    """maxpool2d.forward, one output cell per step: the largest value of its window (the
    first one on a tie, a NaN wins). x (N, C, H, W) → (N, C, Ho, Wo), Ho = (H − kh) // sh + 1.
    """,
    """
best = -np.inf
for i in range(kh):
    for j in range(kw):
        v = x[n, c, r * sh + i, s * sw + j]
        if np.isnan(v) or (v > best and not np.isnan(best)):
            best = v
out[n, c, r, s] = best
""",
    "maxpool2d.backward, one output-gradient cell g per step: g goes to the window's winner.",
    """
best, at = -np.inf, (r * sh, s * sw)
for i in range(kh):
    for j in range(kw):
        v = x[n, c, r * sh + i, s * sw + j]
        if np.isnan(v) or (v > best and not np.isnan(best)):
            best, at = v, (r * sh + i, s * sw + j)
dx[n, c, at[0], at[1]] += g
""",
)

geometry = _pool.geometry


def torch_module(layer: Any) -> str:
    return _pool.torch_module("MaxPool2d", layer)


# ---- the classic mistakes: what a learner's slip makes of the right answer -------------------


def _routed(dout: Array, x: Array, windows: Array, width: int, stride: Any, add: bool) -> Array:
    """``dx`` with each ``g`` sent to its window's first largest cell (``width`` columns a
    window), added or (``add`` false) assigned."""
    winners = windows.reshape(*windows.shape[:4], -1).argmax(axis=-1)
    dx = np.zeros_like(x)
    for (n, c, r, s), g in np.ndenumerate(dout):
        i, j = divmod(int(winners[n, c, r, s]), width)
        at = (n, c, r * stride[0] + i, s * stride[1] + j)
        dx[at] = dx[at] + g if add else g
    return dx


def forward_mistakes(args: list[Any]) -> Iterator[Guess]:
    x, kernel, stride = args
    for what, _, windows in _pool.short_windows(x, kernel, stride):
        yield window_line("out", what), {"out": windows.max(axis=(-2, -1))}


def backward_mistakes(args: list[Any]) -> Iterator[Guess]:
    dout, x, kernel, stride = args
    if dout.size > MAX_EMULATED:
        return
    for what, width, windows in _pool.short_windows(x, kernel, stride):
        yield window_line("dx", what), {"dx": _routed(dout, x, windows, width, stride, True)}
    line = overwrite_line("dx", "g routed to each cell", "dx[winner] = g", "window it wins")
    whole = sliding_windows(x, kernel, stride)
    yield line, {"dx": _routed(dout, x, whole, kernel[1], stride, False)}


MISTAKES: dict[str, Guesses] = {"forward": forward_mistakes, "backward": backward_mistakes}
"""Per phase, the classic mistakes :mod:`stepcnn.codegen.mistakes` tests a wrong answer for."""
