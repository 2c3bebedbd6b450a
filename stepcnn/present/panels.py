"""Which panels each step shows: what it reads (row 0) and what it produces (row 1).

A layer step's panels come from its kind's module in :mod:`stepcnn.present.kinds`; the loss's
from :mod:`stepcnn.present.loss_panels`.
"""

from collections.abc import Callable

from stepcnn.engine.graph import FORK_OP
from stepcnn.present import kind_table
from stepcnn.present.canvas import Canvas
from stepcnn.present.fork_panels import fork_panels
from stepcnn.present.grid import Panel
from stepcnn.present.loss_panels import LOSS_BUILDERS

Builder = Callable[[Canvas], list[Panel]]


def builder_for(cv: Canvas) -> Builder:
    step = cv.step
    if step.layer is None:
        return LOSS_BUILDERS[step.op.rsplit(".", 1)[1]]
    if step.op == FORK_OP:
        return fork_panels
    return kind_table.builder(step.kind, step.phase)


def build_panels(cv: Canvas) -> list[Panel]:
    return [p.with_cell_width() for p in builder_for(cv)(cv)]
