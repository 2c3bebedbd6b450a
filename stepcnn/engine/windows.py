"""Sliding windows over NCHW tensors, as strided views (no copies)."""

import numpy as np

from stepcnn.engine.types import Array, Pair


def pad_hw(x: Array, padding: Pair) -> Array:
    """Zero-pad the two spatial axes of an ``(N, C, H, W)`` tensor."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def sliding_windows(xp: Array, kernel: Pair, stride: Pair) -> Array:
    """Every ``kh×kw`` window of ``xp`` taken every ``stride`` cells.

    Shapes: ``xp (N, C, H, W)`` → view ``(N, C, H_out, W_out, kh, kw)`` where
    ``windows[n, c, r, s] == xp[n, c, r·sh : r·sh+kh, s·sw : s·sw+kw]``.
    Windows that would run past the bottom/right edge are dropped (floor mode).
    """
    kh, kw = kernel
    sh, sw = stride
    view = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    return view[:, :, ::sh, ::sw]
