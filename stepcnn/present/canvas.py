"""Per-step helper for building panels: tensors as they stand at the step, and their marks."""

from functools import cached_property

import numpy as np

from stepcnn.engine.types import Array
from stepcnn.present.cells import Mark, scale_of
from stepcnn.present.grid import Grid, make_grid, make_grids, wrapped_grid
from stepcnn.timeline import Partial, Step, TensorId, Timeline
from stepcnn.timeline.numbers import idx
from stepcnn.timeline.step import Region
from stepcnn.timeline.tensors import final_value


def region_mask(shape: tuple[int, ...], region: Region) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[region.cells] = True
    return mask


class Canvas:
    """The tensors of step ``step`` and how to draw them."""

    def __init__(
        self,
        timeline: Timeline,
        step: Step,
        precision: int,
        selected: tuple[TensorId, tuple[int, ...]] | None = None,
    ) -> None:
        self.timeline = timeline
        self.step = step
        self.precision = precision
        self.selected = selected
        self._tensors: dict[TensorId, Partial] = {}
        self._scales: dict[TensorId, float] = {}

    @cached_property
    def record(self):  # type: ignore[no-untyped-def]
        return self.timeline.run.record(self.step.iteration)

    def tensor(self, tid: TensorId) -> Partial:
        """``tid`` as it stands after this step."""
        if tid not in self._tensors:
            self._tensors[tid] = self.timeline.tensor_at(self.step.k, tid)
        return self._tensors[tid]

    def scale(self, tid: TensorId) -> float:
        """Colour scale from the tensor's final values, so colours stay put while it fills."""
        if tid not in self._scales:
            try:
                self._scales[tid] = scale_of(final_value(self.record, tid))
            except KeyError:
                self._scales[tid] = scale_of(self.tensor(tid).values)
        return self._scales[tid]

    def marks(
        self, tid: TensorId, shape: tuple[int, ...], sub: tuple[int, ...]
    ) -> list[tuple[np.ndarray, Mark]]:
        """READ/WRITE/SELECTED masks of ``tid[sub]`` for this step."""
        out: list[tuple[np.ndarray, Mark]] = []
        for regions, mark in ((self.step.reads, Mark.READ), (self.step.writes, Mark.WRITE)):
            for region in regions:
                if region.tensor == tid:
                    out.append((region_mask(shape, region)[sub], mark))
        if self.selected is not None and self.selected[0] == tid:
            mask = np.zeros(shape, dtype=bool)
            cell = self.selected[1]
            if len(cell) == len(shape) and all(
                0 <= i < d for i, d in zip(cell, shape, strict=True)
            ):
                mask[cell] = True
                out.append((mask[sub], Mark.SELECTED))
        return out

    # ---- grids of tensors ---------------------------------------------------------------

    def map_grids(
        self,
        tid: TensorId,
        n: int,
        channels: list[int] | None = None,
        name: str = "",
        focus: tuple[int, int] | None = None,
        extra: list[tuple[np.ndarray, Mark]] | None = None,
    ) -> list[Grid]:
        """Channels of sample ``n`` of a ``(N, C, H, W)`` tensor, one grid each."""
        t = self.tensor(tid)
        shape = t.values.shape
        count = shape[1]
        chosen = channels if channels is not None else list(range(count))
        paged = channels is None and count > 1
        return make_grids(
            [f"{name}[{n},{c}]" if name else f"channel {c}" for c in chosen],
            t.values[n, chosen],
            precision=self.precision,
            scale=self.scale(tid),
            known=None if t.known is None else t.known[n, chosen],
            tensor=tid,
            prefixes=[(n, c) for c in chosen],
            marks=[(m[chosen], mk) for m, mk in self.marks(tid, shape, (n,)) + (extra or [])],
            focus=focus,
            channels=[c if paged else None for c in chosen],
        )

    def vector_grid(
        self,
        tid: TensorId,
        n: int,
        name: str,
        wrap: int | None = None,
        focus_index: int | None = None,
    ) -> Grid:
        """Row ``n`` of an ``(N, F)`` tensor, wrapped into rows of ``wrap``."""
        t = self.tensor(tid)
        values = t.values[n]
        return wrapped_grid(
            f"{name}[{n}]",
            values,
            wrap or default_wrap(values.size),
            precision=self.precision,
            scale=self.scale(tid),
            known=None if t.known is None else t.known[n],
            tensor=tid,
            prefix=(n,),
            marks=self.marks(tid, t.values.shape, (n,)),
            focus_index=focus_index,
        )

    def vector_grid_1d(self, tid: TensorId, name: str) -> Grid:
        """A 1-D tensor (e.g. a bias gradient), wrapped."""
        t = self.tensor(tid)
        return wrapped_grid(
            name,
            t.values,
            default_wrap(t.values.size),
            precision=self.precision,
            scale=self.scale(tid),
            tensor=tid,
            marks=self.marks(tid, t.values.shape, ()),
        )

    def matrix_grid(self, tid: TensorId, name: str, focus: tuple[int, int] | None = None) -> Grid:
        """A whole 2-D tensor (e.g. linear weights ``[out][in]``)."""
        t = self.tensor(tid)
        return make_grid(
            name,
            t.values,
            precision=self.precision,
            scale=self.scale(tid),
            known=t.known,
            tensor=tid,
            marks=self.marks(tid, t.values.shape, ()),
            focus=focus,
        )

    def slice_grids(self, tid: TensorId, o: int, name: str) -> list[Grid]:
        """Slice ``o`` of a parameter-like tensor: a filter ``(C, kh, kw)`` or a row ``(I,)``."""
        t = self.tensor(tid)
        shape = t.values.shape
        marks = self.marks(tid, shape, (o,))
        if len(shape) == 1:
            return [
                make_grid(
                    f"{name}[{o}]",
                    t.values[o : o + 1],
                    precision=self.precision,
                    scale=self.scale(tid),
                    tensor=tid,
                    marks=[(m.reshape(1), mk) for m, mk in marks],
                )
            ]
        if len(shape) == 2:
            return [
                wrapped_grid(
                    f"{name}[{o}]",
                    t.values[o],
                    default_wrap(shape[1]),
                    precision=self.precision,
                    scale=self.scale(tid),
                    tensor=tid,
                    prefix=(o,),
                    marks=marks,
                )
            ]
        channels = range(shape[1])
        return make_grids(
            [f"{name}[{o},{c}]" for c in channels],
            t.values[o],
            precision=self.precision,
            scale=self.scale(tid),
            tensor=tid,
            prefixes=[(o, c) for c in channels],
            marks=marks,
            channels=[c if shape[1] > 1 else None for c in channels],
        )

    def operand_grids(
        self, values: Array, name: str, scale: float | None = None, of: tuple[int, ...] = ()
    ) -> list[Grid]:
        """An operand of the step (no tensor behind it): a map, a stack of maps or a vector.
        The maps of a stack are labelled by channel: ``name[c]``, or with ``of`` (the filter
        the stack is one of) ``W[f,c]`` — ``W new[f,c]`` reads ``W[f,c] new``."""
        head, _, rest = name.partition(" ")

        def label(c: int) -> str:
            return " ".join(t for t in (f"{head}{idx((*of, c))}", rest) if t)

        if values.ndim == 3:
            several = values.shape[0] > 1
            return make_grids(
                [label(c) if several else name for c in range(values.shape[0])],
                values,
                precision=self.precision,
                scale=scale or scale_of(values),
                channels=[c if several else None for c in range(values.shape[0])],
            )
        if values.ndim == 1:
            return [
                wrapped_grid(
                    name,
                    values,
                    default_wrap(values.size),
                    precision=self.precision,
                    scale=scale or scale_of(values),
                )
            ]
        return [make_grid(name, values, precision=self.precision, scale=scale or scale_of(values))]


def default_wrap(size: int) -> int:
    """Cells per row for a vector: all of it when short, else rows of 8."""
    return size if size <= 12 else 8
