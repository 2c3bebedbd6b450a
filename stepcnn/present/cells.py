"""Turning numbers into drawable cells: a colour tone and a mark (the text is the matrix's
number format's: :mod:`stepcnn.present.numformat`).

The widgets only map (tone, mark) to colours; every decision about what a cell shows is made
here, from the timeline's tensors.
"""

from enum import IntEnum

import numpy as np

from stepcnn.engine.types import Array

TONES = 4
"""Tones run from −TONES (most negative) through 0 (zero: neutral) to +TONES."""

NONFINITE_TONE = 9
"""The tone of a NaN or an infinity."""


class Mark(IntEnum):
    """What a cell is to the current step (one per cell, highest priority wins)."""

    NONE = 0
    PAD = 1  # zero padding around a map
    UNKNOWN = 2  # not computed yet at this step
    SELECTED = 3  # the cell the user picked (watch / weight view)
    READ = 4  # read by this step
    WINNER = 5  # the max-pool window's winning cell
    WRITE = 6  # written by this step


def scale_of(values: Array) -> float:
    """The colour scale of a tensor: its largest finite magnitude (1 if none)."""
    values = np.asarray(values)
    if values.size == 0:
        return 1.0
    top = float(np.abs(values).max())
    if not np.isfinite(top):  # NaN or an infinity somewhere: the largest finite one
        finite = np.abs(values[np.isfinite(values)])
        if finite.size == 0:
            return 1.0
        top = float(finite.max())
    return top if top > 0 else 1.0


def tones(values: Array, scale: float) -> np.ndarray:
    """Diverging colour bins ``−TONES…TONES``, zero at zero; NaN and ±inf get NONFINITE_TONE."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.asarray(np.rint(np.clip(values / scale, -1.0, 1.0) * TONES), dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all() or np.isnan(t).any():
        t[np.isnan(t)] = 0.0  # a NaN scale: neutral
        t[~finite] = NONFINITE_TONE
    return t.astype(np.int8)
