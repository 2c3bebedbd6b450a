"""The network as a graph: which tensors each layer reads, and where gradients add.

Layer ``i`` reads the outputs of the layers ``inputs[i]`` (``INPUT``, −1, is the network's
input); in a chain that is the layer before. A layer reads only layers above it, so the
forward pass is one sweep down the list and the backward pass one sweep back up.

A tensor read by several layers is a **fork**. Each reader sends back its own gradient
``gₖ = dL/d(the tensor)`` as it sees it, and since the tensor's every use contributes to the
loss, the total is their sum (the multivariable chain rule)::

    dL/dx = g₁ + g₂ + …

added in the order the backward pass delivers them: the reader furthest down the network
first (for one reader that reads it twice, its inputs in order).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from stepcnn.engine.types import Array

INPUT = -1
"""The node of the network's input in :attr:`Graph.inputs`."""

FORK_OP = "fork.backward"
"""The steps that add up a fork's gradients (one per element of the forked tensor)."""


class Use(NamedTuple):
    """One read of a tensor: by layer ``reader``, as its input number ``slot``."""

    reader: int
    slot: int


@dataclass(frozen=True)
class Graph:
    """``inputs[i]``: the nodes layer ``i`` reads, in order (each ``< i``, or ``INPUT``);
    ``names[i]``: the layer's ``name`` in the scenario (None: it has none)."""

    inputs: tuple[tuple[int, ...], ...]
    names: tuple[str | None, ...] = ()

    @staticmethod
    def chain(count: int) -> "Graph":
        """Each layer reads the one before (the first: the input)."""
        return Graph(tuple((i - 1,) for i in range(count)), (None,) * count)

    def __len__(self) -> int:
        return len(self.inputs)

    @cached_property
    def is_chain(self) -> bool:
        return all(sources == (i - 1,) for i, sources in enumerate(self.inputs))

    @cached_property
    def _uses(self) -> dict[int, tuple[Use, ...]]:
        found: dict[int, list[Use]] = {}
        for reader in reversed(range(len(self.inputs))):
            for slot, node in enumerate(self.inputs[reader]):
                found.setdefault(node, []).append(Use(reader, slot))
        return {node: tuple(uses) for node, uses in found.items()}

    def uses(self, node: int) -> tuple[Use, ...]:
        """Every read of ``node``'s output, in the order backward delivers its gradients."""
        return self._uses.get(node, ())

    def is_fork(self, node: int) -> bool:
        return len(self.uses(node)) > 1

    @cached_property
    def forks(self) -> tuple[int, ...]:
        """The layers whose output is read more than once, in layer order."""
        return tuple(i for i in range(len(self.inputs)) if self.is_fork(i))

    def source(self, layer: int) -> int:
        """The (first) node layer ``layer`` reads."""
        return self.inputs[layer][0]

    def name(self, node: int) -> str:
        """How messages and the screen name a node: its ``name``, else ``layers[i]``."""
        if node == INPUT:
            return "input"
        given = self.names[node] if node < len(self.names) else None
        return given if given is not None else f"layers[{node}]"


def sum_gradients(grads: Sequence[Array]) -> Array:
    """``g₁ + g₂ + …``, left to right: the gradient of a tensor read several times.

    One gradient is returned as it is (a chain adds nothing); the sum is a new array, so no
    reader's gradient is changed.
    """
    total = grads[0]
    for k, g in enumerate(grads[1:]):
        if k == 0:
            total = total + g  # dL/dx = g₁ + g₂
        else:
            total += g  # … + gₖ
    return total


def sum_gradients_naive(grads: Sequence[Array]) -> Array:
    """Loop form of :func:`sum_gradients`: each element's gradients added one by one."""
    total = np.zeros_like(grads[0])
    for index in np.ndindex(total.shape):
        s = grads[0][index]
        for g in grads[1:]:
            s = s + g[index]  # dL/dx[i] = g₁[i] + g₂[i] + …
        total[index] = s
    return total
