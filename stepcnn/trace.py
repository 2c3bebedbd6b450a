"""``stepcnn trace``: every step, as JSON lines (a contract) or readable text."""

import json
from typing import TextIO

from rich.markup import escape

from stepcnn.timeline import Timeline
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


def write_trace(
    run: TrainingRun,
    out: TextIO,
    *,
    phase: str | None,
    layer: int | Anything | None = ANY,
    fmt: str,
) -> None:
    """Print the steps that pass the filters; ``step`` counts the lines printed."""
    timeline = Timeline(run)
    line = 0
    console = None
    if fmt == "text":
        from rich.console import Console

        console = Console(file=out, highlight=False, soft_wrap=True)
    for iteration in range(len(run)):
        for seg in timeline.segments:
            if phase is not None and seg.phase != phase:
                continue
            if layer is not ANY and seg.layer != layer:
                continue
            first = iteration * timeline.per_iteration + seg.start
            for k in range(first, first + seg.count):
                step = timeline[k]
                if console is None:
                    record = step.as_json()
                    record["step"] = line
                    record["k"] = step.k
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                else:
                    where = "loss" if step.layer is None else f"layer {step.layer}"
                    console.print(
                        f"[dim]{line:>7}[/dim]  it {step.iteration}  [bold]{step.phase:<8}[/bold] "
                        f"{where:<8} [cyan]{step.op:<22}[/cyan] {escape(step.equation)}",
                        markup=True,
                    )
                line += 1
