"""A training session: the scenario's iterations, computed on demand and kept.

Iteration ``i`` starts from the parameters iteration ``i − 1`` left, so iterations are computed
in order, each once, with the vectorised engine; every tensor is kept for the timeline.
"""

import threading

import numpy as np

from stepcnn.engine.network import IterationRecord, train_iteration
from stepcnn.engine.types import Array
from stepcnn.scenario.model import Scenario


class TrainingRun:
    """Lazily computed, thread-safe list of :class:`IterationRecord`."""

    def __init__(self, scenario: Scenario, iterations: int | None = None) -> None:
        self.scenario = scenario
        self.count = scenario.iterations if iterations is None else iterations
        self._records: list[IterationRecord] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.count

    @property
    def computed(self) -> int:
        """How many iterations have been computed so far."""
        return len(self._records)

    def record(self, i: int) -> IterationRecord:
        """Iteration ``i``'s tensors, computing it (and those before it) if needed."""
        if not 0 <= i < self.count:
            raise IndexError(f"iteration {i} out of range (0–{self.count - 1})")
        if i < len(self._records):
            return self._records[i]
        with self._lock:
            while len(self._records) <= i:
                self._records.append(self._compute(len(self._records)))
        return self._records[i]

    def _compute(self, i: int) -> IterationRecord:
        s = self.scenario
        if i == 0:
            params, velocity = s.initial_params, None
        else:
            previous = self._records[i - 1].layers
            params = tuple(layer.params_after for layer in previous)
            velocity = tuple(layer.velocity_after for layer in previous)
        samples, x, y = s.batch(i)
        return train_iteration(s.layers, params, x, y, s.loss, s.optimizer, i, samples, velocity)

    def losses(self, upto: int | None = None) -> Array:
        """The loss of each computed iteration (computing up to ``upto`` first)."""
        if upto is not None and upto > 0:
            self.record(min(upto, self.count) - 1)
        return np.array([r.loss for r in self._records])
