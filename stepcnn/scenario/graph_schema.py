"""``name`` and ``from`` in ``[[layers]]``: which outputs each layer reads.

A layer may have a ``name`` (letters, digits and ``_``, not starting with a digit; unique; not
``"input"``, the network's input). ``from = ["a", "b"]`` lists what it reads: names of layers
above it, or ``"input"``; without ``from`` a layer reads the layer before (the first: the
input). A name further down would make the forward pass wait for itself; where that closes a
loop the problem says so with the loop (``a reads c, c reads a``). Every output but the last
layer's must be read by some layer: the last layer's output is the network's.
"""

import re
from dataclasses import dataclass

from stepcnn.engine.graph import INPUT, Graph
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.fields import MISSING, Table, describe, suggest

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYS = ("name", "from")


@dataclass
class Wiring:
    """What ``name``/``from`` say, per layer: ``inputs[i]`` None where it is wrong (reported)."""

    names: list[str | None]
    inputs: list[tuple[int, ...] | None]
    given: list[bool]  # whether the layer has a ``from``

    def graph(self) -> Graph | None:
        """The graph, or None where any layer's inputs are wrong; a plain chain gives None too
        when no layer has a ``name`` or ``from`` (the chain as it always was)."""
        if any(i is None for i in self.inputs):
            return None
        inputs = tuple(i for i in self.inputs if i is not None)
        return Graph(inputs, tuple(self.names))

    @property
    def is_plain_chain(self) -> bool:
        return not any(self.given) and not any(n is not None for n in self.names)


def _label(names: list[str | None], i: int) -> str:
    return f'"{names[i]}" (layers[{i}])' if names[i] is not None else f"layers[{i}]"


def _read_names(tables: list[Table]) -> list[str | None]:
    names: list[str | None] = []
    first: dict[str, int] = {}
    for i, table in enumerate(tables):
        value = table.raw("name")
        name = None
        if value is MISSING:
            pass
        elif not isinstance(value, str) or not NAME.fullmatch(value) or len(value) > 40:
            table.error(
                "name",
                "must be a name of letters, digits and _ (not starting with a digit, at most "
                f"40 characters), got {describe(value)}",
            )
        elif value == "input":
            table.error("name", 'may not be "input": "input" is the network\'s input in from')
        elif value in first:
            table.error("name", f'"{value}" is the name of layers[{first[value]}] already')
        else:
            first[value] = i
            name = value
        names.append(name)
    return names


def _loop(edges: list[list[int]], start: int, goal: int) -> list[int] | None:
    """A path of reads from layer ``start`` back to ``goal`` (each step: a layer it reads)."""
    seen = {start}
    stack = [(start, [start])]
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        for nxt in edges[node]:
            if nxt not in seen and nxt != INPUT:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def read_wiring(tables: list[Table]) -> Wiring:
    """Every layer's ``name`` and ``from``, resolved to layer indices (problems recorded)."""
    names = _read_names(tables)
    index = {n: i for i, n in enumerate(names) if n is not None}
    known = ["input", *index]
    given = []
    raw: list[list[tuple[int, str] | None] | None] = []  # (node, field) per entry
    for i, table in enumerate(tables):
        value = table.raw("from")
        given.append(value is not MISSING)
        if value is MISSING:
            raw.append([(i - 1, "")])
            continue
        if isinstance(value, str):
            table.error("from", f'must be a list of names, e.g. from = ["{value}"]')
            raw.append(None)
            continue
        if not isinstance(value, list) or not value:
            table.error("from", f'must be a list of layer names or "input", got {describe(value)}')
            raw.append(None)
            continue
        entries: list[tuple[int, str] | None] = []
        for k, item in enumerate(value):
            where = f"{table.where('from')}[{k}]"
            if not isinstance(item, str):
                table.problems.append(Problem(where, f"must be a layer name, got {describe(item)}"))
                entries.append(None)
            elif item == "input":
                entries.append((INPUT, where))
            elif item in index:
                entries.append((index[item], where))
            else:
                listed = ", ".join(f'"{n}"' for n in known)
                table.problems.append(
                    Problem(
                        where,
                        f"no layer is named {describe(item)}{suggest(item, known)} "
                        f"(names: {listed})",
                    )
                )
                entries.append(None)
        raw.append(entries)
    edges = [[e[0] for e in got if e is not None] if got else [] for got in raw]
    inputs: list[tuple[int, ...] | None] = []
    for i, got in enumerate(raw):
        if got is None or any(e is None for e in got):
            inputs.append(None)
            continue
        ok = True
        for node, where in (e for e in got if e is not None):
            if node < i:
                continue
            ok = False
            if node == i:
                message = f"{_label(names, i)} is this layer: a layer cannot read its own output"
            else:
                path = _loop(edges, node, i)
                if path is not None:
                    reads = ", ".join(
                        f"{_label(names, a)} reads {_label(names, b)}"
                        for a, b in zip([i, *path[:-1]], path, strict=True)
                    )
                    message = f"makes a cycle: {reads}"
                else:
                    message = (
                        f"{_label(names, node)} is further down: a layer reads only layers "
                        "above it (move this layer below it)"
                    )
            tables[i].problems.append(Problem(where, message))
        inputs.append(tuple(e[0] for e in got if e is not None) if ok else None)
    wiring = Wiring(names, inputs, given)
    if all(i is not None for i in inputs) and not wiring.is_plain_chain:
        read_by = {j for i in inputs if i is not None for j in i}
        for i, table in enumerate(tables[:-1]):
            if i not in read_by:
                how = (
                    f'name it in a later layer\'s from (from = ["{names[i]}", …])'
                    if names[i] is not None
                    else "give it a name and name it in a later layer's from"
                )
                table.error(
                    "",
                    "its output is read by no layer (the last layer's output is the network's): "
                    f"{how}, or remove it",
                )
    return wiring
