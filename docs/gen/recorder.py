"""Which fields the scenario loader reads, found by running it: every read a teacher can make.

The loader reads its fields imperatively (``table.integer("seed", 0, minimum=0)``), so the
reference is taken from the reads themselves: while :func:`explore` runs, every getter of
:class:`~stepcnn.scenario.fields.Table` (and ``read_pair``, the kinds' ``int or [h, w]``
reader) records its table, key and arguments. Starting from one small document per layer kind,
each document read spawns the variants that make more of the loader run: an absent table
present (``[display] = {}``), an absent array of tables with one entry, a choice set to each
of its options (``loss = "mse"`` reads ``target``). A field a later change reads appears here
without anything else to update.
"""

import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from unittest import mock

from stepcnn.engine.registry import kind_modules, layer_kinds
from stepcnn.scenario import layer_fields
from stepcnn.scenario.errors import ScenarioError
from stepcnn.scenario.fields import Table
from stepcnn.timeline.load import parse_scenario

RAW_VALUES: dict[tuple[str, str], tuple[object, ...]] = {
    ("", "optimizer"): ("sgd", "adam", "rmsprop"),
    ("compare", "optimizer"): ("sgd", "adam", "rmsprop"),
}
"""Values the explorer also tries for a field read raw (a choice checked by hand), by
``(table, key)``, the table's indices written ``[]``: a value that makes the loader read more
fields (an optimizer's own settings) belongs here."""

GETTERS = ("raw", "string", "integer", "number", "choice", "boolean", "table", "tables")
"""The getters of Table that read a key (each records itself; the reads inside it do not)."""


@dataclass(frozen=True)
class Read:
    """One read: ``table`` as the loader names it (``"layers[0]"``, ``""`` at the top)."""

    table: str
    key: str
    getter: str  # one of GETTERS, or "pair"
    arguments: tuple[tuple[str, Any], ...]  # the getter's other arguments, defaults filled in

    def argument(self, name: str) -> Any:
        return dict(self.arguments).get(name)

    @property
    def required(self) -> bool:
        if self.getter == "pair":
            return self.argument("default") is None
        return bool(self.argument("required"))


def _recording(getter: Callable[..., Any], name: str, log: list[Read], depth: list[int]) -> Any:
    signature = inspect.signature(getter)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if depth[0] == 0:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            values = dict(bound.arguments)
            table: Table = values.pop("self", None) or values.pop("table")
            key = values.pop("key")
            log.append(Read(table.path, key, name, tuple(values.items())))
        depth[0] += 1
        try:
            return getter(*args, **kwargs)
        finally:
            depth[0] -= 1

    return wrapper


@contextmanager
def recording() -> Iterator[list[Read]]:
    """Within it, every field the loader reads is appended to the list it gives."""
    log: list[Read] = []
    depth = [0]
    kind_modules("stepcnn.scenario.kinds")  # every kind's reader imported, so it is patched
    pair = layer_fields.read_pair
    with ExitStack() as stack:
        for name in GETTERS:
            wrapped = _recording(getattr(Table, name), name, log, depth)
            stack.enter_context(mock.patch.object(Table, name, wrapped))
        pair_wrapper = _recording(pair, "pair", log, depth)
        import sys

        for module_name, module in list(sys.modules.items()):
            if (
                module_name.startswith("stepcnn.scenario")
                and getattr(module, "read_pair", 0) is pair
            ):
                stack.enter_context(mock.patch.object(module, "read_pair", pair_wrapper))
        yield log


def toml(value: Any) -> str:
    """``value`` as TOML (inline tables and arrays): enough for the documents made here."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def document_text(doc: dict[str, Any]) -> str:
    return "\n".join(f"{key} = {toml(value)}" for key, value in doc.items()) + "\n"


_PART = re.compile(r"^(\w+)(?:\[(\d+)\])?$")


def _parts(table: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in table.split(".") if table else []:
        match = _PART.match(piece)
        assert match, f"a table path the explorer cannot follow: {table!r}"
        parts.append(match.group(1))
        if match.group(2) is not None:
            parts.append(int(match.group(2)))
    return parts


def with_value(doc: dict[str, Any], table: str, key: str, value: Any) -> dict[str, Any] | None:
    """A copy of ``doc`` with ``table.key`` set to ``value`` (None: the table is not there)."""
    import copy

    new = copy.deepcopy(doc)
    node: Any = new
    for part in _parts(table):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(node, dict):
        return None
    node[key] = value
    return new


def seed(kind: str) -> dict[str, Any]:
    """The smallest document that gets the loader to the reader of ``kind``."""
    return {
        "title": "fields",
        "learning_rate": 0.1,
        "loss": "cross_entropy",
        "samples": [{"input": [[0.0] * 6 for _ in range(6)], "label": 0}],
        "layers": [{"type": kind}],
    }


def _variants(doc: dict[str, Any], read: Read) -> Iterator[tuple[Any, dict[str, Any]]]:
    present = with_value(doc, read.table, read.key, None)
    if present is None:
        return
    options: list[Any] = []
    if read.getter == "choice":
        options = list(read.argument("options"))
    elif read.getter == "table":
        options = [{}]
    elif read.getter == "tables":
        options = [[{}]]
    elif read.getter == "raw":
        options = list(RAW_VALUES.get((re.sub(r"\[\d+\]", "[]", read.table), read.key), ()))
    for option in options:
        new = with_value(doc, read.table, read.key, option)
        if new is not None and new != doc:
            yield option, new


def explore() -> list[tuple[str, Read]]:
    """Every read the loader makes, each with the layer kind of the document that made it."""
    reads: list[tuple[str, Read]] = []
    seen_reads: set[tuple[str, Read]] = set()
    tried: set[tuple[str, str, str, str]] = set()
    with recording() as log:
        for kind in layer_kinds():
            queue = [seed(kind)]
            while queue:
                doc = queue.pop(0)
                log.clear()
                # The documents are incomplete on purpose: every read still happens.
                with suppress(ScenarioError):
                    parse_scenario(document_text(doc), "fields.toml")
                made = list(log)
                for read in made:
                    if (kind, read) not in seen_reads:
                        seen_reads.add((kind, read))
                        reads.append((kind, read))
                    for option, new in _variants(doc, read):
                        mark = (kind, read.table, read.key, toml(option))
                        if mark not in tried:
                            tried.add(mark)
                            queue.append(new)
    return reads
