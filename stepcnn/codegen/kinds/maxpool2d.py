"""``maxpool2d`` in generated code: each window's winner, and the gradient sent to it only."""

from typing import Any

from stepcnn.codegen.kinds import _pool

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
