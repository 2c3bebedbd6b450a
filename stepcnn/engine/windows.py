"""Sliding windows over NCHW tensors, as strided views (no copies), and their inverse.

``im2col`` lays every window out as one column of a matrix (one copy), so a convolution is one
BLAS matrix product; ``col2im_add`` sends such columns back onto the map with ``kh·kw``
strided adds (where windows overlap, the contributions add up).
"""

import math
from functools import lru_cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import as_strided

from stepcnn.engine.types import Array, IntArray, Pair

T = TypeVar("T", bound=np.generic)

INDEX_LIMIT = 1 << 20
"""Largest index table kept per geometry (entries); larger maps use strided adds instead."""


def pad_hw(x: Array, padding: Pair) -> Array:
    """Zero-pad the two spatial axes of an ``(N, C, H, W)`` tensor."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph : ph + h, pw : pw + w] = x
    return xp


def sliding_windows(xp: npt.NDArray[T], kernel: Pair, stride: Pair) -> npt.NDArray[T]:
    """Every ``kh×kw`` window of ``xp`` taken every ``stride`` cells.

    Shapes: ``xp (N, C, H, W)`` → read-only view ``(N, C, H_out, W_out, kh, kw)`` where
    ``windows[n, c, r, s] == xp[n, c, r·sh : r·sh+kh, s·sw : s·sw+kw]``.
    Windows that would run past the bottom/right edge are dropped (floor mode).
    """
    n, c, h, w = xp.shape
    (kh, kw), (sh, sw) = kernel, stride
    s0, s1, s2, s3 = xp.strides
    shape = (n, c, (h - kh) // sh + 1, (w - kw) // sw + 1, kh, kw)
    view: npt.NDArray[T] = as_strided(
        xp, shape, (s0, s1, s2 * sh, s3 * sw, s2, s3), writeable=False
    )
    return view


def im2col(windows: npt.NDArray[T]) -> npt.NDArray[T]:
    """The patch matrices, one per sample: ``(N, C·kh·kw, H_out·W_out)``, row ``(c, i, j)``,
    column ``(r, s)``. Column ``(r, s)`` of sample ``n`` is the window under output cell
    ``(r, s)``, laid out flat."""
    n, c, ho, wo, kh, kw = windows.shape
    cols: npt.NDArray[T] = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)
    return cols


def map_col2im(dcols: Array, shape: tuple[int, ...], kernel: Pair) -> Array:
    """Stride-1 col2im over whole maps, by ``kh·kw`` adds of one contiguous run each.

    ``dcols (kh·kw·C, N·H·W)``: row ``(i, j, c)``, column ``(n, y, x)`` for *every* cell of
    the ``(H, W)`` map of ``shape (N, C, H, W)``, the contribution of window ``(n, y, x)``
    (its first cell at ``(y, x)``) to its cell ``(i, j)`` in channel ``c``. That cell is
    ``(y + i, x + j)``: in a buffer laid out ``(C, N, H, W)``, flat position
    ``c·N·H·W + (n·H + y)·W + x + (i·W + j)``, so the ``C`` rows of offset ``(i, j)`` add, as
    one contiguous run, at ``i·W + j`` past the start. Columns whose window runs past the
    bottom or right edge are not windows at all: they must hold zeros (their run spills onto
    the next row or map). Returns ``(N, C, H, W)`` (a view of the channel-major buffer).
    """
    n, c, h, w = shape
    kh, kw = kernel
    size = c * n * h * w
    buffer = np.zeros(size + (kh - 1) * w + kw - 1)
    parts = dcols.reshape(kh, kw, size)
    for i in range(kh):
        for j in range(kw):
            start = i * w + j
            buffer[start : start + size] += parts[i, j]
    result: Array = buffer[:size].reshape(c, n, h, w).transpose(1, 0, 2, 3)
    return result


@lru_cache(maxsize=32)
def window_positions(shape: tuple[int, ...], kernel: Pair, stride: Pair) -> IntArray:
    """Flat (row-major) position in a map of ``shape`` of every window cell, as
    ``(N, C, H_out, W_out, kh, kw)``; computed once per geometry."""
    positions = np.arange(math.prod(shape)).reshape(shape)
    table: IntArray = np.ascontiguousarray(sliding_windows(positions, kernel, stride))
    table.setflags(write=False)
    return table


@lru_cache(maxsize=32)
def _col_positions(shape: tuple[int, ...], kernel: Pair, stride: Pair) -> IntArray:
    table: IntArray = im2col(window_positions(shape, kernel, stride)).ravel()
    table.setflags(write=False)
    return table


def scatter_add(positions: IntArray, values: Array, shape: tuple[int, ...]) -> Array:
    """A new array of ``shape``: zeros, plus each value added at its flat position, in order."""
    flat = np.bincount(positions, weights=values.ravel(), minlength=math.prod(shape))
    result: Array = flat.astype(np.float64, copy=False).reshape(shape)
    return result


def col2im(cols: Array, shape: tuple[int, ...], kernel: Pair, stride: Pair) -> Array:
    """The inverse of :func:`im2col`: ``cols (N, C·kh·kw, H_out·W_out)`` back onto a map of
    ``shape``, where every cell holds the sum of the patch-matrix entries that read it (in row
    order ``(c, i, j)``, as ``col2im_add``)."""
    if cols.size <= INDEX_LIMIT:
        return scatter_add(_col_positions(shape, kernel, stride), cols, shape)
    n, c = shape[:2]
    kh, kw = kernel
    ho, wo = (shape[2] - kh) // stride[0] + 1, (shape[3] - kw) // stride[1] + 1
    target = np.zeros(shape)
    col2im_add(target, cols.reshape(n, c, kh, kw, ho, wo).transpose(0, 1, 4, 5, 2, 3), stride)
    return target


def window_cells(out_hw: Pair, i: int, j: int, stride: Pair) -> tuple[slice, slice]:
    """The map cells that offset ``(i, j)`` of every window covers, as two strided slices."""
    (ho, wo), (sh, sw) = out_hw, stride
    return slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)


def col2im_add(target: Array, parts: Array, stride: Pair) -> None:
    """``target[n, c, window(r, s)] += parts[n, c, r, s]`` for every window, in place.

    ``parts (N, C, H_out, W_out, kh, kw)`` holds each window's contribution to each of its
    cells; the adds go offset by offset (``kh·kw`` strided adds).
    """
    ho, wo, kh, kw = parts.shape[2:]
    for i in range(kh):
        for j in range(kw):
            rows, cols = window_cells((ho, wo), i, j, stride)
            target[:, :, rows, cols] += parts[:, :, :, :, i, j]
