"""Turning numbers into drawable cells: text, a colour tone and a mark.

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
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return 1.0
    top = float(finite.max())
    return top if top > 0 else 1.0


def tones(values: Array, scale: float) -> np.ndarray:
    """Diverging colour bins ``−TONES…TONES``, zero at zero; NaN and ±inf get NONFINITE_TONE."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.rint(np.clip(values / scale, -1.0, 1.0) * TONES)
    return np.where(np.isfinite(values), np.nan_to_num(t), NONFINITE_TONE).astype(np.int8)


def format_number(value: float, precision: int) -> str:
    """Fixed decimals while short; scientific notation for large or tiny-but-nonzero values."""
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    text = f"{value:.{precision}f}"
    if len(text) > precision + 6:
        return f"{value:.1e}"
    if value != 0 and float(text) == 0 and abs(value) < 10**-precision / 2:
        # A small number must not look like an exact zero.
        return f"{value:.0e}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def format_block(values: Array, precision: int) -> np.ndarray:
    """:func:`format_number` over a whole array: one vectorised pass for the ordinary cells,
    the rare special ones (non-finite, too long, tiny, negative zero) one by one."""
    flat = values.ravel()
    if flat.size == 0:
        return np.zeros(values.shape, dtype=object)
    with np.errstate(invalid="ignore", over="ignore"):
        text = np.char.mod(f"%.{precision}f", flat)
        tiny = 10.0**-precision / 2
        special = ~np.isfinite(flat) | (np.char.str_len(text) > precision + 6)
        special |= (np.abs(flat) < tiny) & ((flat != 0) | np.signbit(flat))  # tiny, or -0.0
    fixed = text.astype(object)
    for i in np.flatnonzero(special):
        fixed[i] = format_number(float(flat[i]), precision)
    return fixed.reshape(values.shape)
