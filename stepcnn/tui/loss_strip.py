"""The loss sparkline widget: draws :func:`stepcnn.present.sparkline.loss_line`."""

import numpy as np

from stepcnn.present.sparkline import LossLine, loss_line
from stepcnn.timeline.training import TrainingRun
from stepcnn.tui.palette import palette_of
from stepcnn.tui.text import TextBlock

WIDTH = 24


class LossStrip(TextBlock):
    """One bar per iteration (or group of iterations); the current iteration highlighted."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=1)
        self._computed = -1
        self._losses = np.zeros(0)
        self._for: tuple[int, int] | None = None  # (computed, iteration) of self.line
        self.line = LossLine("", None, False)

    def show(self, run: TrainingRun, iteration: int) -> None:
        if (run.computed, iteration) == self._for:  # stepping within an iteration: no work
            return
        if run.computed != self._computed:  # losses read once per newly trained iteration
            self._computed = run.computed
            self._losses = run.losses()
        self._for = (run.computed, iteration)
        line = loss_line(self._losses, WIDTH, iteration)
        if line == self.line:
            return
        self.line = line
        self._draw()

    def restyle(self) -> None:
        """Draw again in the app's (new) theme."""
        self._draw()

    def _draw(self) -> None:
        palette = palette_of(self.app)
        bar, current = palette.bar, palette.bar_current  # the current iteration's bar stands out
        line = self.line
        c = line.current
        if c is None:
            self.set([[(line.bars, bar)]])
        else:
            bars = line.bars
            self.set([[(bars[:c], bar), (bars[c], current), (bars[c + 1 :], bar)]])
