"""A training session: the scenario's iterations, computed on demand, in bounded memory.

Iteration ``i`` starts from the parameters, the optimizer's state (momentum velocities, Adam's
moments) and the layers' buffers (batchnorm's running statistics) iteration ``i − 1`` left,
so iterations are first computed in order, each with the vectorised engine. Memory does not
grow with the iteration count, the way a reverse debugger keeps snapshots:

- a **checkpoint** — the parameters and states an iteration starts from — is kept every
  ``checkpoint_every`` iterations (chosen so that all of them together stay small);
- the **records** (every tensor of an iteration) of the most recently used iterations are kept
  in a small LRU cache, as many as fit in ``RECORD_CACHE_BYTES``;
- every iteration's loss is kept (a float each), for the loss curve.

Any other iteration is recomputed from the nearest checkpoint (or cached record) before it.
The engine is deterministic, so a recomputed record is bit-identical to the first one.
"""

import math
import threading
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from stepcnn.engine.allocator import keep_freed_memory
from stepcnn.engine.layers import Buffers, Params
from stepcnn.engine.network import IterationRecord, train_iteration
from stepcnn.engine.optim import OptState
from stepcnn.engine.types import Array
from stepcnn.scenario.model import Scenario

RECORD_CACHE_BYTES = 128 * 2**20
"""Memory for the cache of recent iteration records (at least two are always kept)."""
MAX_CACHED_RECORDS = 4
"""At most this many records are cached, whatever their size: every record kept alive is
memory the next iteration cannot reuse while it is still in the processor's caches. With 32
records and a checkpoint every iteration, training LeNet-5 in order took 1.8× the engine's
own time per iteration; with 4 and :data:`MIN_CHECKPOINT_EVERY`, about 1.15×."""
CHECKPOINT_BYTES = 160 * 2**20
"""Memory for all checkpoints of a run together (the interval is chosen to fit)."""
MIN_CHECKPOINT_EVERY = 8
"""Checkpoints are at least this many iterations apart (recomputing up to 7 iterations to open
a step is quick; keeping every iteration's parameters is not)."""


class Checkpoint(NamedTuple):
    """What an iteration starts from."""

    params: tuple[Params | None, ...]
    opt_state: tuple[OptState | None, ...] | None
    buffers: tuple[Buffers | None, ...] | None = None

    @classmethod
    def after(cls, record: IterationRecord) -> "Checkpoint":
        """What the iteration after ``record`` starts from."""
        layers = record.layers
        return cls(
            tuple(lr.params_after for lr in layers),
            tuple(lr.opt_state_after for lr in layers),
            tuple(lr.buffers_after for lr in layers),
        )


def _state_bytes(params: tuple[Params | None, ...], buffers_per_param: int) -> int:
    """Bytes of one checkpoint: the parameters and the optimizer's buffers of their size
    (batchnorm's running statistics are no larger than its parameters: not counted)."""
    floats = sum(p.weight.size + p.bias.size for p in params if p is not None)
    return floats * 8 * (1 + buffers_per_param)


def record_bytes(record: IterationRecord) -> int:
    """Bytes held by a record's arrays (each buffer counted once; views cost nothing)."""
    seen: dict[int, int] = {}

    def visit(value: object) -> None:
        if isinstance(value, np.ndarray):
            owner = value
            while owner.base is not None:
                base = owner.base
                if not isinstance(base, np.ndarray):  # as_strided: a wrapper of the array
                    base = getattr(base, "base", None)
                    if not isinstance(base, np.ndarray):
                        break
                owner = base
            seen[id(owner)] = owner.nbytes
        elif isinstance(value, tuple):  # Params, caches (NamedTuples) and tuples of them
            for item in value:
                visit(item)

    visit((record.x, record.y, record.grad_scores, tuple(record.loss_cache)))
    for lr in record.layers:
        visit((lr.input, lr.output, lr.grad_output, lr.grad_input, lr.cache))
        visit((lr.params, lr.grads, lr.params_after))
        for state in (lr.opt_state, lr.opt_state_after):
            if state is not None:
                visit(tuple(state.buffers.values()))
        for buffers in (lr.buffers, lr.buffers_after):
            if buffers is not None:
                visit(tuple(buffers.values()))
    return sum(seen.values())


class TrainingRun:
    """Lazily computed, thread-safe sequence of :class:`IterationRecord`, in bounded memory."""

    def __init__(
        self,
        scenario: Scenario,
        iterations: int | None = None,
        *,
        checkpoint_every: int | None = None,
        cached_records: int | None = None,
    ) -> None:
        keep_freed_memory()  # no page faults for each iteration's large arrays
        self.scenario = scenario
        self.count = scenario.iterations if iterations is None else iterations
        opt = scenario.optimizer
        state = _state_bytes(
            scenario.initial_params, len(opt.state_names) if opt.keeps_state else 0
        )
        self.checkpoint_every = checkpoint_every or max(
            MIN_CHECKPOINT_EVERY, math.ceil(self.count * state / CHECKPOINT_BYTES)
        )
        self._cache_limit = cached_records
        self._checkpoints: dict[int, Checkpoint] = {0: Checkpoint(scenario.initial_params, None)}
        self._records: OrderedDict[int, IterationRecord] = OrderedDict()
        self._losses: list[float] = []
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return self.count

    @property
    def computed(self) -> int:
        """How many iterations have been computed so far (in order, from the first)."""
        return len(self._losses)

    def record(self, i: int) -> IterationRecord:
        """Iteration ``i``'s tensors, computing it (and those it starts from) if needed."""
        if not 0 <= i < self.count:
            raise IndexError(f"iteration {i} out of range (0–{self.count - 1})")
        with self._lock:
            cached = self._records.get(i)
            if cached is not None:
                self._records.move_to_end(i)
                return cached
            start, state = self._nearest_start(i)
            for j in range(start, i + 1):
                record = self._compute(j, state)
                state = Checkpoint.after(record)
                if j + 1 < self.count and (j + 1) % self.checkpoint_every == 0:
                    self._checkpoints.setdefault(j + 1, state)
            return record

    def _nearest_start(self, i: int) -> tuple[int, Checkpoint]:
        """The latest iteration ``≤ i`` whose starting state is at hand, and that state."""
        best = max(c for c in self._checkpoints if c <= i)
        state = self._checkpoints[best]
        previous = max((j for j in self._records if best <= j < i), default=None)
        if previous is not None:
            best = previous + 1
            state = Checkpoint.after(self._records[previous])
        return best, state

    def _compute(self, i: int, state: Checkpoint) -> IterationRecord:
        s = self.scenario
        samples, x, y = s.batch(i)
        record = train_iteration(
            s.layers,
            state.params,
            x,
            y,
            s.loss,
            s.optimizer,
            i,
            samples,
            state.opt_state,
            s.graph,
            buffers=state.buffers,
            seed=s.seed,
        )
        if i == len(self._losses):
            self._losses.append(record.loss)
        self._records[i] = record
        if self._cache_limit is None:  # every record of a run has the same shapes: once
            size = max(1, record_bytes(record))
            self._cache_limit = max(2, min(MAX_CACHED_RECORDS, RECORD_CACHE_BYTES // size))
        while len(self._records) > self._cache_limit:
            self._records.popitem(last=False)
        return record

    def losses(self, upto: int | None = None) -> Array:
        """The loss of each computed iteration (computing up to ``upto`` first)."""
        if upto is not None and upto > 0:
            self.record(min(upto, self.count) - 1)
        return np.array(self._losses)
