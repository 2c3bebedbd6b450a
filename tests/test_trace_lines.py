"""``stepcnn trace`` writes a segment at a time; its bytes are those of one step at a time."""

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console
from rich.markup import escape
from timeline_cases import CASES, DIVERGING, scenario

from stepcnn.io.trace import Row, write_trace
from stepcnn.scenario.model import Scenario
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.search import ANY, Anything
from stepcnn.timeline.training import TrainingRun


def reference(s: Scenario, fmt: str) -> str:
    """The trace written step by step from ``timeline[k]``: ``json.dumps`` of the step's
    record, or the styled line printed by rich to a file (which drops the styles)."""
    timeline = Timeline(TrainingRun(s))
    out = io.StringIO()
    console = Console(file=out, highlight=False, soft_wrap=True)
    for line, step in enumerate(timeline):
        if fmt == "jsonl":
            record = {"line": line + 1, **step.as_json()}  # counted from 1, as on the screen
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            where = "loss" if step.layer is None else f"layer {step.layer}"
            console.print(
                f"[dim]{step.k + 1:>7}[/dim]  it {step.iteration + 1}  "
                f"[bold]{step.phase:<8}[/bold] "
                f"{where:<8} [cyan]{step.op:<22}[/cyan] {escape(step.equation)}",
                markup=True,
            )
    return out.getvalue()


def traced(s: Scenario, fmt: str, phase: str | None = None, **window: Any) -> str:
    out = io.StringIO()
    write_trace(TrainingRun(s), out, phase=phase, fmt=fmt, **window)
    return out.getvalue()


SCENARIOS = {
    **{name: (lambda case=case: scenario(case)) for name, case in CASES.items()},
    "diverging": lambda: scenario(DIVERGING),  # NaN and infinities
    "lenet-like": lambda: load_scenario("rgb-stride-padding"),
    "maxpool-routing": lambda: load_scenario("maxpool-routing"),
}


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_trace_is_byte_identical_to_one_written_step_by_step(name: str, fmt: str) -> None:
    s = SCENARIOS[name]()
    want = reference(s, fmt)
    assert want
    assert traced(s, fmt).encode() == want.encode()


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_a_window_is_the_same_lines_of_the_whole_trace(fmt: str) -> None:
    s = scenario(CASES["tour"])
    lines = traced(s, fmt).splitlines(keepends=True)
    total = len(lines)
    for start, count in [(0, 1), (3, 17), (total - 5, 100), (total // 2, 0), (total + 3, 4)]:
        window = traced(s, fmt, start=start, count=count)
        assert window == "".join(lines[start : start + count]), (start, count)
    assert traced(s, fmt, start=7) == "".join(lines[7:])


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_a_window_formats_only_its_own_steps(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `--from K --count N` near the end of a run: the steps before the window are never
    # turned into equations, only the N of the window are.
    asked: list[tuple[int, int, int, int]] = []
    equations = Timeline.equations

    def spy(self: Timeline, iteration: int, segment: int, first: int, stop: int) -> Iterator[Row]:
        asked.append((iteration, segment, first, stop))
        return equations(self, iteration, segment, first, stop)

    s = scenario(CASES["tour"])
    total = len(Timeline(TrainingRun(s)))
    monkeypatch.setattr(Timeline, "equations", spy)
    window = traced(s, fmt, start=total - 7, count=4)
    assert len(window.splitlines()) == 4
    assert sum(stop - first for _, _, first, stop in asked) == 4
    assert all(iteration == len(TrainingRun(s)) - 1 for iteration, *_ in asked)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_equations_of_a_range_are_those_of_its_steps(name: str) -> None:
    # Timeline.equations over any part of a segment (conv2d writes a range at once) gives
    # each step's value and equation as timeline[k] does, however the range is cut.
    timeline = Timeline(TrainingRun(SCENARIOS[name]()))
    last = len(timeline.run) - 1
    for si, seg in enumerate(timeline.segments):
        n = seg.count
        for first, stop in {(0, n), (1, n), (n // 3, n - n // 4), (n - 1, n), (n // 2, n // 2)}:
            if not 0 <= first <= stop <= n:
                continue
            for iteration in {0, last}:
                got = list(timeline.equations(iteration, si, first, stop))
                assert len(got) == stop - first
                for k, index, value, equation in got:
                    step = timeline[k]
                    assert (k, index, equation) == (step.k, step.index, step.equation)
                    assert value == step.value or (value != value and step.value != step.value)


@pytest.mark.parametrize(
    ("phase", "layer"), [("backward", ANY), (None, 0), ("update", 4), (None, None), ("forward", 2)]
)
def test_a_window_of_a_filtered_trace_is_the_same_lines_of_it(
    phase: str | None, layer: int | Anything | None
) -> None:
    s = scenario(CASES["tour"])
    lines = traced(s, "jsonl", phase, layer=layer).splitlines(keepends=True)
    total = len(lines)
    assert total > 0
    for start, count in [(0, 3), (total // 3, total // 3), (total - 2, 9), (total, 1)]:
        window = traced(s, "jsonl", phase, layer=layer, start=start, count=count)
        assert window == "".join(lines[start : start + count]), (phase, layer, start, count)
