"""A conv2d layer seen as a matrix: names for its tied weights, and ``M`` for one iteration.

Shared by the "as a fully connected layer" view, the im2col view and ``stepcnn matrix``.
Every number comes from :mod:`stepcnn.engine.conv_matrix`; this module only names things.
"""

import string
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from stepcnn.engine.conv_matrix import (
    ParameterCounts,
    conv2d_as_matrix,
    conv2d_tie,
    parameter_counts,
)
from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.network import IterationRecord
from stepcnn.engine.types import Array, IntArray
from stepcnn.present.cells import TONES, Mark, scale_of
from stepcnn.present.cells import tones as cell_tones
from stepcnn.present.grid import NO_CONNECTION

LETTERS = string.ascii_lowercase + string.ascii_uppercase


def weight_names(weight_shape: tuple[int, int, int, int]) -> list[str]:
    """A short name per filter weight, by flat index: letters when there are at most 52;
    else the filter number and a letter for the weight inside the filter; else the index."""
    count = int(np.prod(weight_shape))
    per_filter = count // weight_shape[0]
    if count <= len(LETTERS):
        return list(LETTERS[:count])
    if per_filter <= len(LETTERS):
        return [f"{k // per_filter}{LETTERS[k % per_filter]}" for k in range(count)]
    return [str(k) for k in range(count)]


def weight_index(weight_shape: tuple[int, int, int, int], flat: int) -> tuple[int, int, int, int]:
    f, c, i, j = np.unravel_index(flat, weight_shape)
    return int(f), int(c), int(i), int(j)


@dataclass(frozen=True)
class ConvMatrix:
    """``M`` of conv layer ``spec`` on input ``(C, H, W)`` with the weights ``weight``."""

    spec: Conv2d
    input_shape: tuple[int, int, int]
    weight: Array

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        f, c, kh, kw = self.weight.shape
        return int(f), int(c), int(kh), int(kw)

    @cached_property
    def tie(self) -> IntArray:
        return conv2d_tie(self.weight_shape, self.input_shape, self.spec.stride, self.spec.padding)

    @cached_property
    def matrix(self) -> Array:
        return conv2d_as_matrix(self.weight, self.input_shape, self.spec.stride, self.spec.padding)[
            0
        ]

    @cached_property
    def names(self) -> list[str]:
        return weight_names(self.weight_shape)

    @cached_property
    def name_width(self) -> int:
        return max(len(name) for name in self.names)

    @cached_property
    def name_table(self) -> np.ndarray:
        """Names by flat weight index, with the no-connection mark last (so ``tie`` −1 picks
        it)."""
        return np.array([*self.names, NO_CONNECTION], dtype=object)

    @property
    def output_hw(self) -> tuple[int, int]:
        _, ho, wo = self.spec.output_shape(self.input_shape)
        return ho, wo

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.tie.shape
        return int(rows), int(cols)

    @cached_property
    def counts(self) -> ParameterCounts:
        return parameter_counts(
            self.weight_shape, self.input_shape, self.spec.stride, self.spec.padding
        )

    def row_of(self, f: int, r: int, c: int) -> int:
        ho, wo = self.output_hw
        return (f * ho + r) * wo + c

    def title(self) -> str:
        rows, cols = self.shape
        return f"M {rows}×{cols}"

    def counts_text(self, short: bool = False, tiny: bool = False) -> str:
        """The three parameter counts (``short``: fits the caption of a narrow panel;
        ``tiny``: of a narrower one still, "dense" for "fully connected")."""
        c = self.counts
        if short or tiny:
            dense = "dense" if tiny else "fully connected"
            return f"params: conv {c.conv:,} · untied {c.local:,} · {dense} {c.dense:,}"
        return (
            f"parameters: conv {c.conv:,} · untied (locally connected) {c.local:,} · "
            f"fully connected {c.dense:,}"
        )

    def weight_label(self, flat: int) -> str:
        f, c, i, j = weight_index(self.weight_shape, flat)
        return f"{self.names[flat]} = W[{f},{c},{i},{j}]"

    def row_text(self, row: int) -> str:
        """The names of row ``row`` of ``M``, ``·`` where there is no connection."""
        return " ".join(str(s) for s in self.name_table[self.tie[row]])

    # ---- drawing helpers (cached: a big layer's M has millions of entries) --------------

    @cached_property
    def tones(self) -> np.ndarray:
        """The colour tone of every entry: its weight's tone, neutral on no connection."""
        table = np.append(cell_tones(self.weight.ravel(), scale_of(self.weight)), np.int8(0))
        result: np.ndarray = table[self.tie]
        return result

    @cached_property
    def base_mark(self) -> np.ndarray:
        """No connection drawn like padding (dim); connections unmarked."""
        mark: np.ndarray = (self.tie < 0).view(np.int8) * np.int8(Mark.PAD)  # else Mark.NONE (0)
        return mark

    @cached_property
    def _scratch(self) -> tuple[np.ndarray, list[Any]]:
        return self.base_mark.copy(), []

    def marked(self, edits: list[tuple[Any, np.ndarray]]) -> np.ndarray:
        """:attr:`base_mark` with ``edits`` (index, marks) applied, in one reused array (a
        big ``M`` has millions of entries: no copy per frame). The previous call's edits are
        undone first, so the array returned before is only valid until the next call."""
        mark, dirty = self._scratch
        for index in dirty:
            mark[index] = self.base_mark[index]
        dirty.clear()
        for index, values in edits:
            mark[index] = values
            dirty.append(index)
        return mark

    @cached_property
    def _blocks(self) -> dict[int, np.ndarray]:
        return {}

    def blocks(self, step: int) -> np.ndarray:
        """Overview tones: a block of ``step × step`` entries is coloured when it holds a
        connection, so the band structure of ``M`` shows."""
        if step not in self._blocks:
            rows, cols = self.shape
            br, bc = -(-rows // step), -(-cols // step)
            connected = np.zeros((br * step, bc * step), dtype=bool)
            connected[:rows, :cols] = self.tie >= 0
            anywhere = connected.reshape(br, step, bc, step).any(axis=(1, 3))
            self._blocks[step] = np.where(anywhere, np.int8(TONES), np.int8(0)).astype(np.int8)
        return self._blocks[step]


_CACHE: dict[tuple[int, int], tuple[object, ConvMatrix]] = {}


def matrix_for(record: IterationRecord, spec: Conv2d, layer: int) -> ConvMatrix:
    """``M`` of ``layer`` with the weights iteration ``record`` used (a few kept)."""
    key = (id(record), layer)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is record:
        return hit[1]
    lr = record.layers[layer]
    assert lr.params is not None
    _, c, h, w = lr.input.shape
    cm = ConvMatrix(spec, (int(c), int(h), int(w)), lr.params.weight)
    if len(_CACHE) >= 4:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (record, cm)
    return cm
