"""``stepcnn trace``: every step, as JSON lines (a contract) or readable text."""

import json
import math
from typing import TextIO

from stepcnn.base.usage import UsageError
from stepcnn.base.wording import count as counted
from stepcnn.scenario import Scenario
from stepcnn.timeline import Timeline
from stepcnn.timeline.layout import Layout, Segment
from stepcnn.timeline.numbering import shown
from stepcnn.timeline.search import ANY, Anything
from stepcnn.timeline.training import TrainingRun

Row = tuple[int, tuple[int, ...], float | None, str]
"""``(k, index, value, equation)`` of one step, as :meth:`Timeline.equations` gives it."""


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


def _shown(seg: Segment, phase: str | None, layer: int | Anything | None) -> bool:
    return (phase is None or seg.phase == phase) and (layer is ANY or seg.layer == layer)


def check_start(
    scenario: Scenario,
    iterations: int | None,
    phase: str | None,
    layer: int | Anything | None,
    start: int,
) -> None:
    """``--from K`` (``start`` = K − 1) past the last line of the (filtered) trace: one line,
    before anything is trained. (:func:`write_trace` itself prints an empty window there.)"""
    layout = Layout(
        scenario.layers, scenario.shapes, scenario.batch_size, scenario.loss, scenario.graph
    )
    per_iteration = sum(seg.count for seg in layout.segments if _shown(seg, phase, layer))
    lines = per_iteration * (iterations or scenario.iterations)
    if start > 0 and start >= lines:
        within = f" (1–{lines:,})" if lines else ""
        raise UsageError(
            f"stepcnn trace: argument --from: this trace has {counted(lines, 'line')}{within}, "
            f"got {start + 1} (see stepcnn trace --help)"
        )


def json_lines(
    rows: list[Row], iteration: int, phase: str, layer: int | None, op: str, first_line: int
) -> str:
    """The jsonl lines of one segment's steps ``rows`` (``first_line``: the 0-based line of
    the first): each exactly ``json.dumps`` of ``{"line": …} | Step.as_json()``, lines,
    steps and iterations counted from 1 — built a segment at a time, the fields every step
    of a segment shares written once."""
    shared = (
        f'"iteration": {shown(iteration)}, "phase": {_string(phase)}, '
        f'"layer": {"null" if layer is None else layer}, "op": {_string(op)}, "index": ['
    )
    values = [_json_number(value) for _, _, value, _ in rows]
    equations = list(map(_string, [equation for _, _, _, equation in rows]))
    return "".join(
        [
            f'{{"line": {line}, "step": {shown(k)}, {shared}{", ".join(map(str, index))}], '
            f'"value": {value}, "equation": {equation}}}\n'
            for line, (k, index, _, _), value, equation in zip(
                range(first_line + 1, first_line + 1 + len(rows)),
                rows,
                values,
                equations,
                strict=True,
            )
        ]
    )


def _json_number(value: float | None) -> str:
    """``json.dumps`` of a step's value: the shortest repr that reads back as the same float
    (the engine's own number), ``NaN``/``Infinity`` as Python's json writes them."""
    if value is None:
        return "null"
    v = float(value)
    return repr(v) if math.isfinite(v) else _NON_FINITE[repr(v)]


_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_string = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False)


def text_lines(rows: list[Row], iteration: int, phase: str, layer: int | None, op: str) -> str:
    """The ``--format text`` lines of one segment's steps, without styles: each step's
    number (from 1) first."""
    where = "loss" if layer is None else f"layer {layer}"
    shared = f"  it {shown(iteration)}  {phase:<8} {where:<8} {op:<22} "
    return "".join([f"{shown(k):>7}{shared}{equation}\n" for k, _, _, equation in rows])


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
    styled = fmt == "text" and getattr(out, "isatty", lambda: False)()
    shown_segments = [
        (si, seg) for si, seg in enumerate(timeline.segments) if _shown(seg, phase, layer)
    ]
    per_iteration = sum(seg.count for _, seg in shown_segments)
    if per_iteration == 0:
        return
    first_iteration = min(start // per_iteration, len(run))  # the iterations before: skipped
    line = first_iteration * per_iteration
    for iteration in range(first_iteration, len(run)):
        for si, seg in shown_segments:
            if stop is not None and line >= stop:
                return
            if line + seg.count <= start:  # wholly before the window: not formatted
                line += seg.count
                continue
            skip = max(0, start - line)
            line += skip
            last = seg.count if stop is None else min(seg.count, skip + stop - line)
            rows = list(timeline.equations(iteration, si, skip, last))
            op = seg.op.name
            if styled:
                _print_styled(out, rows, iteration, seg.phase, seg.layer, op)
            elif fmt == "jsonl":
                out.write(json_lines(rows, iteration, seg.phase, seg.layer, op, line))
            else:
                out.write(text_lines(rows, iteration, seg.phase, seg.layer, op))
            line += len(rows)


def _print_styled(
    out: TextIO, rows: list[Row], iteration: int, phase: str, layer: int | None, op: str
) -> None:
    """``--format text`` on a terminal: the same lines, with rich's styles."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=out, highlight=False, soft_wrap=True)
    where = "loss" if layer is None else f"layer {layer}"
    for k, _, _, equation in rows:
        console.print(
            f"[dim]{shown(k):>7}[/dim]  it {shown(iteration)}  [bold]{phase:<8}[/bold] "
            f"{where:<8} [cyan]{op:<22}[/cyan] {escape(equation)}",
            markup=True,
        )
