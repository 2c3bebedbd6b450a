"""The timeline: random access to every elementary step of a training run.

``timeline[k]`` finds iteration ``k // per_iteration`` and the segment by bisection, then
derives the step from that iteration's stored tensors by index arithmetic. Nothing is replayed
or snapshotted, so step k costs the same at k = 10 and k = 10⁷, and stepping back costs what
stepping forward costs. Memory is the iterations' tensors, never a function of the step count.
"""

import itertools
from collections.abc import Iterator

import numpy as np

from stepcnn.timeline.layout import Layout, Segment
from stepcnn.timeline.ops import OpContext
from stepcnn.timeline.step import Partial, Step, TensorId
from stepcnn.timeline.tensors import final_value, initial_value
from stepcnn.timeline.training import TrainingRun


class Timeline:
    """Every step of every iteration of a :class:`TrainingRun`, by number."""

    def __init__(self, run: TrainingRun) -> None:
        self.run = run
        s = run.scenario
        self.layout = Layout(s.layers, s.shapes, s.batch_size, s.loss, s.graph)
        self.per_iteration = self.layout.per_iteration
        self._producers: dict[TensorId, int] = {}
        self._last_partial: tuple[int, dict[TensorId, Partial]] | None = None
        for i, seg in enumerate(self.layout.segments):
            for tid in seg.op.writes_tensors(seg.layer):
                self._producers.setdefault(tid, i)

    def __len__(self) -> int:
        return self.per_iteration * len(self.run)

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self.layout.segments

    def position(self, k: int) -> tuple[int, int, int]:
        """``(iteration, segment number, step within the segment)`` of step ``k``."""
        if not 0 <= k < len(self):
            raise IndexError(f"step {k} out of range (0–{len(self) - 1})")
        iteration, offset = divmod(k, self.per_iteration)
        si = self.layout.locate(offset)
        return iteration, si, offset - self.layout.segments[si].start

    def context(self, iteration: int, segment: Segment) -> OpContext:
        record = self.run.record(iteration)
        spec = None if segment.layer is None else self.run.scenario.layers[segment.layer]
        s = self.run.scenario
        return OpContext(record, segment.layer, spec, s.optimizer, s.layers)

    def step_number(self, iteration: int, segment_number: int, local: int) -> int:
        return iteration * self.per_iteration + self.layout.segments[segment_number].start + local

    def __getitem__(self, k: int) -> Step:
        if k < 0:
            k += len(self)
        iteration, si, local = self.position(k)
        seg = self.layout.segments[si]
        index = tuple(int(i) for i in np.unravel_index(local, seg.shape)) if seg.shape else ()
        with np.errstate(all="ignore"):  # diverged runs hold inf/NaN: IEEE results, no warnings
            body = seg.op.step(self.context(iteration, seg), index)
        return Step(
            k=k,
            iteration=iteration,
            offset=seg.start + local,
            phase=seg.phase,
            layer=seg.layer,
            kind=seg.kind,
            op=seg.op.name,
            index=index,
            value=body.value,
            equation=body.equation,
            operands=body.operands,
            reads=body.reads,
            writes=body.writes,
        )

    def equations(
        self, iteration: int, segment_number: int, first: int, stop: int
    ) -> Iterator[tuple[int, tuple[int, ...], float | None, str]]:
        """``(k, index, value, equation)`` of the segment's steps ``first … stop − 1`` in one
        iteration: what ``timeline[k]`` gives for them, without the operands (for ``trace``)."""
        seg = self.layout.segments[segment_number]
        ctx = self.context(iteration, seg)
        fast = getattr(seg.op, "equation", None)
        bulk = getattr(seg.op, "equations", None)  # a whole range at once
        base = iteration * self.per_iteration + seg.start
        with np.errstate(all="ignore"):
            cells = itertools.islice(itertools.product(*map(range, seg.shape)), first, stop)
            if bulk is not None:
                for local, index, (value, equation) in zip(
                    itertools.count(first), cells, bulk(ctx, first, stop)
                ):
                    yield base + local, index, value, equation
                return
            for local, index in enumerate(cells, first):
                if fast is not None:
                    value, equation = fast(ctx, index)
                else:
                    body = seg.op.step(ctx, index)
                    value, equation = body.value, body.equation
                yield base + local, index, value, equation

    def __iter__(self) -> Iterator[Step]:
        for k in range(len(self)):
            yield self[k]

    # ---- the state of any tensor at any step -------------------------------------------

    def tensor_at(self, k: int, tensor: TensorId) -> Partial:
        """``tensor`` as it stands once step ``k`` has run.

        Tensors produced by an earlier segment are complete, the current segment's are partial
        (filled up to this cell, or the running sums so far), later ones not computed yet —
        except parameters, which hold their old values until their update step.
        """
        iteration, si, _ = self.position(k)
        record = self.run.record(iteration)
        producer = self._producers.get(tensor, -1)
        if producer < si:
            return Partial(final_value(record, tensor))
        if producer == si:
            return self.partial(k)[tensor]
        before = initial_value(record, tensor)
        if before is not None:
            return Partial(before)
        return Partial.unknown(final_value(record, tensor).shape)

    def partial(self, k: int) -> dict[TensorId, Partial]:
        """The tensors step ``k`` writes, as they stand after it (the last answer is kept: a
        screen asks for several of them at the same step)."""
        if self._last_partial is not None and self._last_partial[0] == k:
            return self._last_partial[1]
        iteration, si, local = self.position(k)
        seg = self.layout.segments[si]
        with np.errstate(all="ignore"):
            result = seg.op.partial(self.context(iteration, seg), local)
        self._last_partial = (k, result)
        return result

    def steps_writing(self, iteration: int, tensor: TensorId, cell: tuple[int, ...]) -> list[int]:
        """Every step of ``iteration`` that writes ``tensor[cell]``, in order (a running sum
        such as ``dW`` is written by several)."""
        si = self._producers.get(tensor)
        if si is None:
            return []
        seg = self.layout.segments[si]
        with np.errstate(all="ignore"):
            history = seg.op.cell_history(self.context(iteration, seg), tensor, cell)
        if history is None:
            return []
        return [self.step_number(iteration, si, int(local)) for local in history[0]]

    def value_before(self, k: int, tensor: TensorId, cell: tuple[int, ...]) -> float:
        """``tensor[cell]`` just before step ``k`` adds into it (a running sum that step ``k``
        writes; 0 before the first step that does), from the cell's own history."""
        iteration, si, local = self.position(k)
        seg = self.layout.segments[si]
        with np.errstate(all="ignore"):
            history = seg.op.cell_history(self.context(iteration, seg), tensor, cell)
        if history is None:
            return 0.0
        steps, values = history
        earlier = values[steps < local]
        return float(earlier[-1]) if earlier.size else 0.0

    def step_writing(self, iteration: int, tensor: TensorId, cell: tuple[int, ...]) -> int | None:
        """The first step of ``iteration`` that writes ``tensor[cell]`` (for click-to-jump)."""
        si = self._producers.get(tensor)
        if si is None:
            return None
        seg = self.layout.segments[si]
        with np.errstate(all="ignore"):
            history = seg.op.cell_history(self.context(iteration, seg), tensor, cell)
        if history is None or history[0].size == 0:
            return None
        return self.step_number(iteration, si, int(history[0][0]))
