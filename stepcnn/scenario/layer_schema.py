"""``[[layers]]`` entries: each read by its kind's reader in :mod:`stepcnn.scenario.kinds`.

A reader gets the per-sample input shape (``None`` once an earlier layer was wrong, when only
the keys can be checked) and returns the layer, its given parameters and its output shape.
"""

import difflib
from collections.abc import Callable
from types import ModuleType

from stepcnn.engine.graph import Graph
from stepcnn.engine.layers import Shape
from stepcnn.engine.registry import kind_module as module_of
from stepcnn.engine.registry import layer_types
from stepcnn.scenario.fields import MISSING, Table, describe, suggest
from stepcnn.scenario.graph_schema import read_wiring
from stepcnn.scenario.layer_fields import ReadLayer, shape_text

__all__ = ["ReadLayer", "read_layers", "read_network", "shape_text"]

Reader = Callable[[Table, Shape | None], ReadLayer | None]

NOT_A_LAYER = {
    "softmax": (
        "is not a layer here: cross_entropy already contains the softmax (it takes the raw "
        "scores of the last linear layer), so end the network with linear"
    ),
    "log_softmax": "is not a layer here: cross_entropy already contains the (log-)softmax",
}
"""Layer names a teacher may write that stepcnn deliberately has not, with the reason."""


def kind_module(kind: str) -> ModuleType:
    return module_of("stepcnn.scenario.kinds", kind)


def _meant(value: str) -> tuple[str | None, str]:
    """The kind a ``type`` that is not a kind most likely means (None: no guess), and what to
    say about it."""
    kinds = layer_types()
    lowered = value.lower()
    if lowered in NOT_A_LAYER:
        return None, f"; {value!r} {NOT_A_LAYER[lowered]}"
    if lowered in kinds:
        return lowered, f'; did you mean "{lowered}"? (types are lower case)'
    for kind in kinds:
        if lowered in kind_module(kind).ALIASES:
            return kind, f'; did you mean "{kind}"?'
    close = difflib.get_close_matches(value, list(kinds), n=1, cutoff=0.6)
    return (close[0], suggest(value, kinds)) if close else (None, "")


def _read_type(table: Table) -> tuple[str | None, bool]:
    """The layer's kind and whether it is the one written (False: a wrong ``type``, reported,
    read as the kind it most likely means so that later layers' shapes stay known)."""
    value = table.raw("type", required=True)
    if value is MISSING:
        return None, False
    kinds = layer_types()
    if isinstance(value, str) and value in kinds:
        return value, True
    listed = ", ".join(f'"{k}"' for k in kinds)
    meant, hint = _meant(value) if isinstance(value, str) else (None, "")
    table.error("type", f"must be one of {listed}, got {describe(value)}{hint}")
    return meant, False


def read_layers(tables: list[Table], input_shape: Shape | None) -> list[ReadLayer] | None:
    """Every layer, its shapes inferred along the graph; ``None`` if any layer was wrong."""
    return read_network(tables, input_shape)[0]


def _input_shape(
    table: Table, kind: str, inputs: tuple[int, ...], shapes: list[Shape | None], names: list[str]
) -> Shape | None:
    """The shape the layer reads (None: unknown, or its ``from`` is wrong for its kind)."""
    merges = getattr(kind_module(kind), "MERGES", False)
    if merges and len(inputs) < 2:
        table.error("from", f'{kind} needs at least two inputs, e.g. from = ["a", "b"]')
        return None
    if not merges and len(inputs) != 1:
        listed = ", ".join(names[j + 1] for j in inputs)
        table.error(
            "from", f"{kind} reads one input, got {len(inputs)} ({listed}): add them with an add"
        )
        return None
    got = [shapes[j + 1] for j in inputs]
    if any(s is None for s in got):
        return None
    first = got[0]
    for j, shape in zip(inputs[1:], got[1:], strict=True):
        if shape != first:
            assert first is not None and shape is not None
            table.error(
                "from",
                f"{kind} needs inputs of one shape, got {shape_text(first)} "
                f"({names[inputs[0] + 1]}) and {shape_text(shape)} ({names[j + 1]})",
            )
            return None
    return first


def read_network(
    tables: list[Table], input_shape: Shape | None
) -> tuple[list[ReadLayer] | None, Graph | None]:
    """Every layer and the graph they form (None for a plain chain, which names nothing);
    ``(None, None)`` if any layer was wrong."""
    wiring = read_wiring(tables)
    names = ["input", *(n or f"layers[{i}]" for i, n in enumerate(wiring.names))]
    result: list[ReadLayer] = []
    shapes: list[Shape | None] = [input_shape]  # the input's, then each layer's output
    failed = False
    for table, inputs in zip(tables, wiring.inputs, strict=True):
        kind, written = _read_type(table)
        if kind is None:
            failed = True
            shapes.append(None)
            table.known.extend(k for k in table.data if k != "type")
            continue
        shape = None if inputs is None else _input_shape(table, kind, inputs, shapes, names)
        read: Reader = kind_module(kind).read
        got = read(table, shape)
        if written:
            table.finish()  # (keys of a guessed kind are not judged)
        else:
            failed = True
        if inputs is None or got is None or got.layer is None or shape is None:
            failed = True
            shapes.append(None)
            continue
        result.append(got)
        shapes.append(got.layer.output_shape(shape))
    if failed or any(i is None for i in wiring.inputs):
        return None, None
    return result, None if wiring.is_plain_chain else wiring.graph()
