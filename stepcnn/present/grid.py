"""What a matrix panel draws: grids of cells, each cell a text, a tone and a mark."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from stepcnn.engine.types import Array
from stepcnn.present.cells import Mark, scale_of, tones
from stepcnn.present.numformat import NumberFormat, choose, shared
from stepcnn.timeline.step import TensorId

NO_CONNECTION = "·"
"""What a structural zero (an entry that is no connection) shows."""


@dataclass(frozen=True, eq=False)
class Grid:
    """A 2-D slice of a tensor (or of an operand), ready to draw.

    Cell ``(r, c)`` of the grid is element ``prefix + (r + row0, c + col0)`` of ``tensor``
    (``prefix + (r·wrap + c,)`` for a vector wrapped into rows); ``row0``/``col0`` are negative
    when the grid shows zero padding around a map.

    Numbers are formatted on demand (:meth:`text_block`), so a large matrix of which a
    viewport shows a corner costs only the cells drawn. Every cell is written in one
    :class:`~stepcnn.present.numformat.NumberFormat`: the panel's (``number_format``, shared
    by the grids of a panel), else one chosen from this grid's own values.
    """

    label: str
    values: np.ndarray  # (rows, cols) float
    precision: int
    tone: np.ndarray  # (rows, cols) int8
    mark: np.ndarray  # (rows, cols) int8 (Mark)
    known: np.ndarray | None = None  # False: not computed yet, drawn as "·"
    tensor: TensorId | None = None
    prefix: tuple[int, ...] = ()
    row0: int = 0
    col0: int = 0
    wrap: int | None = None
    size: int | None = None  # elements of a wrapped vector (the last row may be short)
    focus: tuple[int, int] | None = None  # the cell a viewport should keep in sight
    # A matrix with structural zeros (a conv layer's M): ``ties`` −1 is no connection, drawn
    # NO_CONNECTION; with ``tie_names`` (indexed by tie, no-connection mark last) every cell
    # shows the name of the weight it is instead of its number.
    ties: np.ndarray | None = None
    tie_names: np.ndarray | None = None
    blocks: Callable[[int], np.ndarray] | None = None  # overview tones per block of cells
    names_width: int = 0  # the longest of ``tie_names`` when known (0: found from them)
    channel: int | None = None  # one channel of several (the layout pages them; None: not)
    number_format: NumberFormat | None = None  # the panel's (None: chosen from the values)

    @cached_property
    def shown_values(self) -> np.ndarray:
        """The values the cells show as numbers (not the ones not computed yet)."""
        if self.known is None:
            return self.values
        shown: np.ndarray = self.values[self.known]
        return shown

    @cached_property
    def fmt(self) -> NumberFormat:
        """The format every cell of this grid is written in."""
        if self.number_format is not None:
            return self.number_format
        return choose(self.shown_values, self.precision)

    def overview(self, step: int) -> np.ndarray:
        """Tones of the compact overview, one per ``step × step`` block of cells."""
        if self.blocks is not None:
            return self.blocks(step)
        return self.tone[::step, ::step]

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.values.shape
        return int(rows), int(cols)

    def text_block(self, rows: slice, cols: slice) -> np.ndarray:
        """The texts of a block of cells, formatted in one vectorised pass."""
        if self.ties is not None and self.tie_names is not None:
            names: np.ndarray = self.tie_names[self.ties[rows, cols]]
            return names
        block = self.fmt.block(self.values[rows, cols])
        if self.ties is not None:
            block = np.where(self.ties[rows, cols] >= 0, block, NO_CONNECTION)
        if self.known is not None:
            block = np.where(self.known[rows, cols], block, "·")
        if self.size is not None and self.wrap is not None:
            r = np.arange(self.shape[0])[rows, None]
            c = np.arange(self.shape[1])[None, cols]
            block = np.where(r * self.wrap + c >= self.size, "", block)
        return block

    @cached_property
    def text(self) -> np.ndarray:
        """Every cell's text (the whole grid; drawing formats only the visible block)."""
        return self.text_block(slice(None), slice(None))

    def text_width(self) -> int:
        """The longest text any cell can show, found from a few extreme values."""
        if self.tie_names is not None:
            return self.names_width or max(len(str(n)) for n in self.tie_names)
        return self.fmt.width(self.shown_values)

    def formatted(self, fmt: NumberFormat) -> "Grid":
        """This grid written in ``fmt`` (as ``replace(self, number_format=fmt)``, without the
        cost of a frozen dataclass's ``__init__``: a panel formats some thirty grids a step)."""
        new = object.__new__(Grid)
        new.__dict__.update(self.__dict__)
        for derived in ("fmt", "text"):  # cached from the old format
            new.__dict__.pop(derived, None)
        new.__dict__["number_format"] = fmt
        return new

    def cell_index(self, r: int, c: int) -> tuple[int, ...] | None:
        """The tensor element under grid cell ``(r, c)``, or None (padding, or no tensor)."""
        if self.tensor is None:
            return None
        if self.wrap is not None:
            i = r * self.wrap + c
            return (*self.prefix, i) if self.size is None or i < self.size else None
        rr, cc = r + self.row0, c + self.col0
        if rr < 0 or cc < 0 or self.mark[r, c] == Mark.PAD:
            return None
        return (*self.prefix, rr, cc)


@dataclass(frozen=True, eq=False)
class Panel:
    """One bordered matrix panel: a title and grids drawn side by side."""

    key: str  # stable identity of the panel's role, e.g. "input" (for layout reuse)
    title: str
    grids: tuple[Grid, ...]
    row: int = 0  # 0: what the step reads, 1: what it produces
    caption: str = ""
    short_caption: str = ""  # the caption for a narrow panel ("" : the caption, cut at a word)
    optional: bool = False  # may be left out when the terminal is too narrow
    cell_width: int = field(default=0)
    # Numbers the panel's format must also write well besides its cells (a running sum's
    # contribution: a matrix whose format hid what is added to it would seem not to change).
    also: tuple[np.ndarray, ...] = ()
    # Every non-zero value must read as non-zero (a gradient check's numbers are evidence):
    # the panel is not scaled with cells below its last decimal.
    exact: bool = False

    def with_cell_width(self) -> "Panel":
        """The panel ready to draw: one number format for all its grids (the channels of a
        map are one matrix), and the cell width that fits every cell."""
        grids = self.grids
        numeric = [g.tie_names is None and g.number_format is None for g in grids]
        widths = [g.text_width() for g, free in zip(grids, numeric, strict=True) if not free]
        if any(numeric):
            values = [g.shown_values for g, free in zip(grids, numeric, strict=True) if free]
            keep = None if self.exact else self.also
            precision = max(g.precision for g, free in zip(grids, numeric, strict=True) if free)
            fmt = shared(values, precision, scaled=True, keep=keep)
            grids = tuple(
                g.formatted(fmt) if free else g for g, free in zip(grids, numeric, strict=True)
            )
            # The longest text of all of them: the text of a value grows with its distance
            # from zero on either side, so the extremes of all the grids together find it.
            widths.append(fmt.width(np.concatenate([v.ravel() for v in values])))
        width = max(widths, default=1) + 1
        return replace(self, grids=grids, cell_width=max(width, 3))

    @property
    def number_format(self) -> NumberFormat | None:
        """The format the panel's numbers are written in (None: no numbers)."""
        return next((g.fmt for g in self.grids if g.tie_names is None), None)


def make_grid(
    label: str,
    values: Array,
    *,
    precision: int,
    scale: float | None = None,
    known: np.ndarray | None = None,
    tensor: TensorId | None = None,
    prefix: tuple[int, ...] = (),
    row0: int = 0,
    col0: int = 0,
    marks: list[tuple[np.ndarray, Mark]] | None = None,
    focus: tuple[int, int] | None = None,
    channel: int | None = None,
) -> Grid:
    """A grid of a 2-D array; ``marks`` are (boolean mask, mark) pairs applied in order of
    priority (a higher mark is never overwritten by a lower one)."""
    values = np.atleast_2d(values)
    known2d = None if known is None else np.atleast_2d(known)
    tone, mark = _cells(values, scale, known2d, marks)
    return Grid(
        label,
        values,
        precision,
        tone,
        mark,
        known2d,
        tensor,
        prefix,
        row0,
        col0,
        focus=focus,
        channel=channel,
    )


def make_grids(
    labels: list[str],
    values: Array,
    *,
    precision: int,
    scale: float | None = None,
    known: np.ndarray | None = None,
    tensor: TensorId | None = None,
    prefixes: list[tuple[int, ...]] | None = None,
    row0: int = 0,
    col0: int = 0,
    marks: list[tuple[np.ndarray, Mark]] | None = None,
    focus: tuple[int, int] | None = None,
    channels: list[int | None] | None = None,
) -> list[Grid]:
    """One grid per map of a ``(C, H, W)`` stack, as :func:`make_grid` makes each (``marks``:
    masks of the stack's shape, or of one map's for all of them), in one vectorised pass
    over the whole stack; the grids' arrays are views of the stack's."""
    tone, mark = _cells(values, scale, known, marks)
    return [
        Grid(
            label,
            values[i],
            precision,
            tone[i],
            mark[i],
            None if known is None else known[i],
            tensor,
            prefixes[i] if prefixes is not None else (),
            row0,
            col0,
            focus=focus,
            channel=channels[i] if channels is not None else None,
        )
        for i, label in enumerate(labels)
    ]


def _cells(
    values: np.ndarray,
    scale: float | None,
    known: np.ndarray | None,
    marks: list[tuple[np.ndarray, Mark]] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The tone and the mark of every cell of ``values``: a cell not ``known`` is neutral
    and marked UNKNOWN; each mask of ``marks`` raises its cells' marks to its own."""
    mark = np.zeros(values.shape, dtype=np.int8)
    tone = tones(values, scale if scale is not None else scale_of(values))
    if known is not None:
        unknown = ~known
        mark[unknown] = Mark.UNKNOWN
        tone[unknown] = 0
    for mask, m in marks or []:
        np.maximum(mark, np.int8(m), out=mark, where=mask)
    return tone, mark


def wrapped_grid(
    label: str,
    vector: Array,
    wrap: int,
    *,
    precision: int,
    scale: float | None = None,
    known: np.ndarray | None = None,
    tensor: TensorId | None = None,
    prefix: tuple[int, ...] = (),
    marks: list[tuple[np.ndarray, Mark]] | None = None,
    focus_index: int | None = None,
) -> Grid:
    """A vector drawn as rows of ``wrap`` cells (the last row padded with blanks)."""
    size = vector.size
    rows = -(-size // wrap)
    pad = rows * wrap - size

    def fold(a: np.ndarray, fill: object) -> np.ndarray:
        return np.concatenate([a.ravel(), np.full(pad, fill, dtype=a.dtype)]).reshape(rows, wrap)

    grid = make_grid(
        label,
        fold(vector, 0.0),
        precision=precision,
        scale=scale if scale is not None else scale_of(vector),
        known=None if known is None else fold(known, True),
        marks=[(fold(m, False), mk) for m, mk in marks or []],
    )
    focus = None if focus_index is None else divmod(focus_index, wrap)
    return replace(grid, tensor=tensor, prefix=prefix, wrap=wrap, size=size, focus=focus)
