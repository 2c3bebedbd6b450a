"""What one elementary step of a training iteration is, as the debugger shows it."""

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from stepcnn.engine.network import PHASES
from stepcnn.engine.types import Array

__all__ = ["PHASES", "CellIndex", "Partial", "Region", "Step", "TensorId"]


class TensorId(NamedTuple):
    """A tensor of the iteration: ``layer`` indexes ``[[layers]]`` (None for the loss/input).

    Names: ``x`` (the batch), ``output``, ``grad_input``, ``weight``, ``bias``,
    ``grad_weight``, ``grad_bias`` per layer; ``probs``, ``per_sample``, ``loss``,
    ``targets``, ``grad_scores`` for the loss. A layer's input is the previous layer's output
    (or ``x``); its ``grad_output`` is the next layer's ``grad_input`` (or ``grad_scores``).
    """

    layer: int | None
    name: str


CellIndex = tuple[int | slice, ...]


class Region(NamedTuple):
    """Cells of a tensor that a step reads or writes (numpy-style index, slices allowed)."""

    tensor: TensorId
    cells: CellIndex


@dataclass(frozen=True)
class Step:
    """One elementary operation, derived from the iteration's stored tensors.

    ``index`` is the output element (forward), the output-gradient element (backward) or the
    parameter slice (update). ``value`` is the element computed (forward) or the gradient
    propagated (backward); ``None`` for the flatten reshape and for updates.
    ``operands`` are the small named arrays the step works with (the patch, the filter, the
    element-wise products, …), ready to be drawn.
    """

    k: int
    iteration: int
    offset: int  # step number within the iteration
    phase: str
    layer: int | None
    kind: str  # layer type, or the loss name for loss steps
    op: str
    index: tuple[int, ...]
    value: float | None
    equation: str
    operands: dict[str, Array] = field(default_factory=dict)
    reads: tuple[Region, ...] = ()
    writes: tuple[Region, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The ``stepcnn trace --format jsonl`` record (a contract)."""
        value = self.value
        return {
            "step": self.k,
            "iteration": self.iteration,
            "phase": self.phase,
            "layer": self.layer,
            "op": self.op,
            "index": list(self.index),
            "value": None if value is None else float(value),
            "equation": self.equation,
        }


@dataclass(frozen=True)
class Partial:
    """A tensor as it stands at some step: values, and which cells are already computed.

    ``known`` is ``None`` when every cell is known.
    """

    values: Array
    known: np.ndarray | None = None

    @staticmethod
    def prefix(values: Array, upto: int) -> "Partial":
        """Cells ``0…upto`` (row-major) known, the rest not yet."""
        known = (np.arange(values.size) <= upto).reshape(values.shape)
        return Partial(values, known)

    @staticmethod
    def unknown(shape: tuple[int, ...]) -> "Partial":
        return Partial(np.zeros(shape), np.zeros(shape, dtype=bool))
