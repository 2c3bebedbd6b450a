"""Display settings: which panels start hidden and where the session opens.

Schema (all optional)::

    [display]
    hidden = ["narration", "source"]     # panels hidden at start
    start_iteration = 1                   # counted from 1, as on the screen
    start_phase = "backward"              # forward | backward | update
    start_layer = 0                       # index into [[layers]]
    precision = 3                         # decimals shown in matrices (0–6)
"""

from dataclasses import dataclass

from stepcnn.base.wording import one_of
from stepcnn.engine.network import PHASES
from stepcnn.scenario.fields import MISSING, Table, describe, suggest

PANELS = ("network", "sparkline", "equation", "narration", "source")

MIN_PRECISION, MAX_PRECISION = 0, 6
"""Decimals a matrix can show (the file's ``precision``; the ``.``/``,`` keys stay within)."""


@dataclass(frozen=True)
class Display:
    hidden: tuple[str, ...] = ("source",)
    start_iteration: int = 1  # as people count: the first iteration is 1
    start_phase: str | None = None
    start_layer: int | None = None
    precision: int = 2


def read_display(table: Table | None, layer_count: int, iterations: int | None) -> Display:
    """The ``[display]`` table."""
    if table is None:
        return Display()
    default = Display()
    hidden_raw = table.raw("hidden")
    hidden = default.hidden
    if hidden_raw is not MISSING:
        if not isinstance(hidden_raw, list) or not all(isinstance(p, str) for p in hidden_raw):
            table.error("hidden", f"must be a list of panel names, got {describe(hidden_raw)}")
        else:
            bad = [p for p in hidden_raw if p not in PANELS]
            if bad:
                listed = ", ".join(f'"{p}"' for p in PANELS)
                table.error(
                    "hidden",
                    f"unknown panel {describe(bad[0])}{suggest(bad[0], PANELS)}; panels: {listed}",
                )
            else:
                hidden = tuple(hidden_raw)
    start_iteration = table.integer(
        "start_iteration", 1, minimum=1, what="an iteration number (the first is 1)"
    )
    if iterations is not None and start_iteration > iterations:
        table.error(
            "start_iteration",
            f"must be at most iterations ({iterations}), got {describe(start_iteration)}",
        )
        start_iteration = 1
    start_phase = table.choice("start_phase", PHASES)
    start_layer = table.integer("start_layer", minimum=0, what="a layer number (from 0)")
    if start_layer is not None and start_layer >= layer_count:
        table.error(
            "start_layer",
            f"must name {one_of(layer_count, 'layer')}, got {describe(start_layer)}",
        )
        start_layer = None
    precision = table.integer(
        "precision",
        default.precision,
        minimum=MIN_PRECISION,
        maximum=MAX_PRECISION,
        what=f"an integer from {MIN_PRECISION} to {MAX_PRECISION}",
    )
    table.finish()
    return Display(hidden, start_iteration, start_phase, start_layer, precision)
