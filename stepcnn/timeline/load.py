"""Loading a scenario with every check: its fields, and its narration rules against the steps.

The scenario package validates the file; which steps an iteration has is the timeline's
knowledge, passed to it here as the plan (:class:`~stepcnn.timeline.layout.Layout`).
"""

from collections.abc import Sequence
from pathlib import Path

from stepcnn.engine.graph import Graph
from stepcnn.engine.layers import Layer, Shape
from stepcnn.scenario import loader
from stepcnn.scenario.model import Scenario
from stepcnn.timeline.layout import Layout, Segment


def plan(
    layers: tuple[Layer, ...],
    shapes: list[Shape],
    batch: int,
    loss: str,
    graph: Graph | None = None,
) -> Sequence[Segment]:
    """The segments of one iteration (what a narration rule is checked against)."""
    return Layout(layers, shapes, batch, loss, graph).segments


def load_scenario(ref: str) -> Scenario:
    """A built-in scenario by name, or a scenario file by path; ScenarioError when invalid."""
    return loader.load_scenario(ref, plan=plan)


_RELOADED: list[tuple[tuple[Path, str, str], Scenario]] = []
"""The file :func:`reload_scenario` read last: its path, name in messages and text, and the
scenario parsed from them."""


def reload_scenario(ref: str) -> Scenario:
    """:func:`load_scenario` for loading the same file again (the debugger's reload, its
    ``--watch``): the file is read every time, and parsed only when its text differs from
    what this function read last (the same text gives the same scenario; lenet5's 196,000
    numbers take ~40 ms of ``tomllib``)."""
    path, source = loader.resolve(ref)
    key = (path, source, loader.read_text(path, source))
    for known, scenario in _RELOADED:
        if known == key:
            return scenario
    scenario = loader.parse_scenario(key[2], source, name=path.stem, path=path, plan=plan)
    _RELOADED[:] = [(key, scenario)]
    return scenario


def load_file(path: Path, source: str | None = None) -> Scenario:
    """The scenario file at ``path`` (``source``: how messages name it)."""
    return loader.load_file(path, source, plan=plan)


def parse_scenario(
    text: str, source: str = "<string>", name: str = "scenario", path: Path | None = None
) -> Scenario:
    """A scenario from its TOML text; ScenarioError listing every problem."""
    return loader.parse_scenario(text, source, name, path, plan=plan)
