"""The loss sparkline widget: draws :func:`stepcnn.present.sparkline.loss_line`."""

import numpy as np

from stepcnn.present.sparkline import LossLine, compared_lines, loss_line
from stepcnn.timeline.training import TrainingRun
from stepcnn.tui.palette import palette_of
from stepcnn.tui.text import Span, TextBlock

WIDTH = 24
COMPARE_WIDTH = 12
"""Columns of each curve when a [compare] optimizer's is drawn beside the scenario's."""


def short_name(run: TrainingRun) -> str:
    """``Adam``, ``SGD``, ``RMSprop``: how the strip labels a run's curve."""
    return run.scenario.optimizer.describe().split()[0]


class LossStrip(TextBlock):
    """One bar per iteration (or group of iterations); the current iteration highlighted."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=1)
        self._computed = -1
        self._losses = np.zeros(0)
        self._for: tuple[int, int, int] | None = None  # (computed, other's, iteration)
        self.line = LossLine("", None, False)
        self.other: LossLine | None = None  # the [compare] optimizer's curve
        self.labels = ("", "")

    def show(self, run: TrainingRun, iteration: int, other: TrainingRun | None = None) -> None:
        """The run's loss curve; with ``other`` (a [compare] run) both, on one scale."""
        key = (run.computed, -1 if other is None else other.computed, iteration)
        if key == self._for:  # stepping within an iteration: no work
            return
        if run.computed != self._computed:  # losses read once per newly trained iteration
            self._computed = run.computed
            self._losses = run.losses()
        self._for = key
        if other is None:
            line, other_line = loss_line(self._losses, WIDTH, iteration), None
        else:
            line, other_line = compared_lines(
                self._losses, other.losses(), COMPARE_WIDTH, iteration
            )
            self.labels = (short_name(run), short_name(other))
        if (line, other_line) == (self.line, self.other):
            return
        self.line, self.other = line, other_line
        self._draw()

    def restyle(self) -> None:
        """Draw again in the app's (new) theme."""
        self._draw()

    def _draw(self) -> None:
        palette = palette_of(self.app)
        bar, current = palette.bar, palette.bar_current  # the current iteration's bar stands out
        line = self.line
        c = line.current
        runs: list[Span]
        if c is None:
            runs = [(line.bars, bar)]
        else:
            bars = line.bars
            runs = [(bars[:c], bar), (bars[c], current), (bars[c + 1 :], bar)]
        if self.other is not None:  # "Adam ▇▅▃▂  SGD █▇▆▅": two curves, one scale
            mine, theirs = self.labels
            runs = [
                (f"{mine} ", palette.dim),
                *runs,
                (f"  {theirs} ", palette.dim),
                (self.other.bars, bar),
            ]
            self.styles.width = sum(len(text) for text, _ in runs)
        self.set([runs])
