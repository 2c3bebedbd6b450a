"""``stepcnn trace``: every step, as JSON lines (a contract) or readable text."""

import json
import math
from typing import NamedTuple, TextIO

from stepcnn.timeline import Timeline
from stepcnn.timeline.numbering import shown
from stepcnn.timeline.search import ANY, Anything
from stepcnn.training import TrainingRun
from stepcnn.usage import UsageError


def parse_layer_filter(text: str | None, layer_count: int) -> int | Anything | None:
    """``--layer``: a layer index, or ``loss`` (None: the loss belongs to no layer); no
    ``--layer``: ANY."""
    if text is None:
        return ANY
    if text == "loss":
        return None
    if text.isascii() and text.isdigit() and int(text) < layer_count:
        return int(text)
    raise UsageError(
        f"stepcnn trace: argument --layer: must be a layer index from 0 to {layer_count - 1} "
        f"or 'loss', got {text!r} (see stepcnn trace --help)"
    )


class Line(NamedTuple):
    """What one trace line says about one step."""

    k: int
    iteration: int
    phase: str
    layer: int | None
    op: str
    cell: tuple[int, ...]
    value: float | None
    equation: str


def json_line(step: Line, line: int) -> str:
    """The jsonl line of a step: exactly ``json.dumps`` of ``{"line": …} | Step.as_json()``,
    lines, steps and iterations counted from 1 (built directly: this runs once per step)."""
    layer = "null" if step.layer is None else str(step.layer)
    value = step.value
    if value is None:
        value_text = "null"
    else:
        v = float(value)
        value_text = repr(v) if math.isfinite(v) else _NON_FINITE[str(v)]
    index = ", ".join(str(i) for i in step.cell)
    return (
        f'{{"line": {line + 1}, "step": {step.k + 1}, "iteration": {step.iteration + 1}, '
        f'"phase": {_string(step.phase)}, "layer": {layer}, "op": {_string(step.op)}, '
        f'"index": [{index}], "value": {value_text}, "equation": {_string(step.equation)}}}\n'
    )


_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_string = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False)


def text_line(step: Line, line: int) -> str:
    """The ``--format text`` line of a step, without styles: its step number (from 1) first."""
    where = "loss" if step.layer is None else f"layer {step.layer}"
    return (
        f"{shown(step.k):>7}  it {shown(step.iteration)}  {step.phase:<8} {where:<8} {step.op:<22} "
        f"{step.equation}\n"
    )


def write_trace(
    run: TrainingRun,
    out: TextIO,
    *,
    phase: str | None,
    layer: int | Anything | None = ANY,
    fmt: str,
    start: int = 0,
    count: int | None = None,
) -> None:
    """Print the steps that pass the filters; ``step`` counts the lines printed.

    ``start`` and ``count`` print a window: lines ``start … start + count − 1`` of the full
    (filtered) trace, the same bytes, without formatting the lines before the window (their
    iterations are still trained: each starts from the one before).
    """
    timeline = Timeline(run)
    stop = None if count is None else start + count
    console = None
    if fmt == "text" and getattr(out, "isatty", lambda: False)():
        from rich.console import Console
        from rich.markup import escape

        console = Console(file=out, highlight=False, soft_wrap=True)
    line_of = json_line if fmt == "jsonl" else text_line
    line = 0
    for iteration in range(len(run)):
        for seg in timeline.segments:
            if phase is not None and seg.phase != phase:
                continue
            if layer is not ANY and seg.layer != layer:
                continue
            if stop is not None and line >= stop:
                return
            if line + seg.count <= start:
                line += seg.count
                continue
            skip = max(0, start - line)
            line += skip
            last = seg.count if stop is None else min(seg.count, skip + stop - line)
            si = timeline.segments.index(seg)
            for k, index, value, equation in timeline.equations(iteration, si, skip, last):
                step = Line(k, iteration, seg.phase, seg.layer, seg.op.name, index, value, equation)
                if console is None:
                    out.write(line_of(step, line))
                else:
                    where = "loss" if step.layer is None else f"layer {step.layer}"
                    console.print(
                        f"[dim]{shown(step.k):>7}[/dim]  it {shown(step.iteration)}  "
                        f"[bold]{step.phase:<8}[/bold] "
                        f"{where:<8} [cyan]{step.op:<22}[/cyan] {escape(step.equation)}",
                        markup=True,
                    )
                line += 1
