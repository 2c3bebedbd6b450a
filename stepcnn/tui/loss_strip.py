"""The loss sparkline widget: draws :func:`stepcnn.present.sparkline.loss_line`."""

import numpy as np
from rich.style import Style

from stepcnn.present.sparkline import LossLine, loss_line
from stepcnn.training import TrainingRun
from stepcnn.tui.text import TextBlock

WIDTH = 24
BAR = Style(color="#5f87d7")
CURRENT = Style(color="#ffd75f", bgcolor="#3a3a3a")  # the current iteration: its bar in yellow


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
        c = line.current
        if c is None:
            self.set([[(line.bars, BAR)]])
        else:
            bars = line.bars
            self.set([[(bars[:c], BAR), (bars[c], CURRENT), (bars[c + 1 :], BAR)]])
