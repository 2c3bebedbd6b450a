"""The loss sparkline: one bar per iteration (or per group of iterations), the current
iteration marked, on a log scale when the loss spans decades.

Pure data for the widget to draw: the bar characters, which column holds the current
iteration, and whether the scale is logarithmic.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stepcnn.engine.types import Array

BARS = "▁▂▃▄▅▆▇█"
NONFINITE = "×"  # a column holding a NaN or an infinite loss
LOG_SPAN = 100.0  # a log scale once the largest finite loss is this many times the smallest


@dataclass(frozen=True)
class LossLine:
    bars: str  # one character per column
    current: int | None  # the column holding the current iteration
    log: bool  # bar heights are log10(loss)


def loss_line(losses: Sequence[float] | Array, width: int, current: int | None) -> LossLine:
    """``losses[i]`` is iteration ``i``'s loss (those computed so far); ``width`` columns at
    most, column ``c`` averaging iterations ``c·n/cols … (c+1)·n/cols − 1``; the lowest
    column is ``▁``, the highest ``█``."""
    values = np.asarray(losses, dtype=float)
    log = _log_scale([values])
    means, edges = _columns(values, width, log)
    return _line(means, edges, _range([means]), current, log)


def compared_lines(
    losses: Sequence[float] | Array,
    other: Sequence[float] | Array,
    width: int,
    current: int | None,
) -> tuple[LossLine, LossLine]:
    """Two loss curves on one scale (the same heights mean the same loss): the scenario's,
    with the current iteration marked, and the ``[compare]`` optimizer's."""
    a, b = np.asarray(losses, dtype=float), np.asarray(other, dtype=float)
    log = _log_scale([a, b])
    (ma, ea), (mb, eb) = _columns(a, width, log), _columns(b, width, log)
    bounds = _range([ma, mb])
    return _line(ma, ea, bounds, current, log), _line(mb, eb, bounds, None, log)


def _log_scale(curves: list[Array]) -> bool:
    good = np.concatenate([v[np.isfinite(v)] for v in curves])
    return bool(good.size and good.min() > 0 and good.max() >= LOG_SPAN * good.min())


def _columns(values: Array, width: int, log: bool) -> tuple[list[float | None], np.ndarray]:
    """Each column's mean (None: it holds a non-finite loss) and the columns' edges."""
    n = values.size
    if n == 0 or width < 1:
        return [], np.zeros(1, dtype=int)
    cols = min(n, width)
    edges = (np.arange(cols + 1) * n) // cols
    with np.errstate(all="ignore"):
        scaled = np.log10(values) if log else values
    means: list[float | None] = []
    for c in range(cols):
        part = scaled[edges[c] : edges[c + 1]]
        means.append(float(part.mean()) if np.isfinite(part).all() else None)
    return means, edges


def _range(columns: list[list[float | None]]) -> tuple[float, float]:
    shown = [m for means in columns for m in means if m is not None]
    return (min(shown), max(shown)) if shown else (0.0, 0.0)


def _line(
    means: list[float | None],
    edges: np.ndarray,
    bounds: tuple[float, float],
    current: int | None,
    log: bool,
) -> LossLine:
    if not means:
        return LossLine("", None, False)
    low, high = bounds
    chars = []
    for m in means:
        if m is None:
            chars.append(NONFINITE)
            continue
        level = round((m - low) / (high - low) * 7) if high > low else 3
        chars.append(BARS[max(0, min(7, level))])
    column = None
    n = int(edges[-1])
    if current is not None and 0 <= current < n:
        column = int(np.searchsorted(edges, current, side="right")) - 1
    return LossLine("".join(chars), column, log)
