"""A running sum on screen: ``before + contribution = after`` for the cell being added.

A step of a backward pass adds into a gradient that many steps share (``dW[f] += g·patch``);
a forward step adds the bias to the dot product. The panel of the accumulating matrix says,
for one cell, what it held, what this step adds and what it holds now — in the matrix's own
number format, chosen so that the contribution shows (see
:mod:`stepcnn.present.numformat`).
"""

from dataclasses import replace
from decimal import Decimal, InvalidOperation

import numpy as np

from stepcnn.engine.types import Array
from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.numformat import NumberFormat
from stepcnn.timeline.numbers import idx
from stepcnn.timeline.step import TensorId

MORE_DIGITS = 3
"""Decimals a running sum's caption may add to its matrix's for its numbers to add up."""


def sum_text(fmt: NumberFormat, before: float, contribution: float, after: float) -> str:
    """``0.310 + 0.004 = 0.314``; a negative contribution in parentheses.

    Each number rounded on its own, the shown terms may not add up to the shown sum
    (``1.000 + 1.000 = 1.999`` for 0.9996 + 0.9996 = 1.9992): then all three get as many more
    decimals as it takes for them to (``0.9996 + 0.9996 = 1.9992``); if even MORE_DIGITS more
    do not do it, the sum is written with ``≈`` — never an equation that does not hold."""
    for extra in range(MORE_DIGITS + 1):
        more = replace(fmt, precision=fmt.precision + extra)
        texts = more.text(before), more.text(contribution), more.text(after)
        if adds_up(*texts):
            return _written(*texts, "=")
    return _written(fmt.text(before), fmt.text(contribution), fmt.text(after), "≈")


def adds_up(before: str, added: str, after: str) -> bool:
    """Does ``before + added``, rounded to the last digit ``after`` shows, read ``after``
    (a tie either way)? (A NaN or an infinity cannot be checked: True.)"""
    try:
        b, c, a = (Decimal(t.replace("−", "-")) for t in (before, added, after))
    except InvalidOperation:
        return True
    if not (b.is_finite() and c.is_finite() and a.is_finite()):
        return True
    unit = Decimal(1).scaleb(int(a.as_tuple().exponent))
    return abs(b + c - a) * 2 <= unit


def _written(before: str, added: str, after: str, sign: str) -> str:
    return f"{before} + {f'({added})' if added.startswith('-') else added} {sign} {after}"


def with_running_sum(
    panel: Panel, name: str, before: float, contribution: float, after: float
) -> Panel:
    """``panel`` (ready to draw) captioned ``name: before + contribution = after``, its
    number format chosen so that all three are written well."""
    ready = replace(
        panel, also=(*panel.also, np.array([before, contribution, after]))
    ).with_cell_width()
    fmt = ready.number_format
    assert fmt is not None
    # The factor of a scaled matrix stays by the name: a caption too long is cut at its end.
    cell, _, what = name.partition(" = ")  # "out[0,0,0,0] = Σ + b" → "out[…]", "Σ + b"
    named = f"{cell} {fmt.factor}" if fmt.factor else cell  # the factor by the cell, not by b
    named = f"{named} = {what}" if what else named
    numbers = sum_text(fmt, before, contribution, after)
    # Narrow: the cell's name goes (its cell is marked on the grid), the numbers stay whole.
    short = f"{what}: {numbers}" if what else numbers
    return replace(ready, caption=f"{named}: {numbers}", short_caption=short)


def added_cell(
    contribution: Array,
    chosen: tuple[int, ...] | None = None,
    allowed: np.ndarray | None = None,
) -> tuple[int, ...]:
    """The cell of a block added to a running sum that the caption follows: ``chosen`` (the
    cell the person selected) when it is in the block, else the largest contribution (a NaN
    or an infinity first); only ``allowed`` cells (a window's cells inside the map)."""
    ok = np.ones(contribution.shape, dtype=bool) if allowed is None else allowed
    if (
        chosen is not None
        and len(chosen) == contribution.ndim
        and all(0 <= i < d for i, d in zip(chosen, contribution.shape, strict=True))
        and ok[chosen]
    ):
        return chosen
    magnitude = np.where(np.isfinite(contribution), np.abs(contribution), np.inf)
    magnitude = np.where(ok, magnitude, -1.0)
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(magnitude)), contribution.shape))


def accumulated(
    cv: Canvas, panel: Panel, tid: TensorId, name: str, cell: tuple[int, ...], added: float
) -> Panel:
    """``panel`` (showing ``tid``) captioned with ``tid[cell]`` before this step, what it
    adds, and the cell now."""
    before = cv.timeline.value_before(cv.step.k, tid, cell)
    after = float(cv.tensor(tid).values[cell])
    return with_running_sum(panel, cell_name(name, cell), before, added, after)


def selected_of(cv: Canvas, tid: TensorId) -> tuple[int, ...] | None:
    """The selected cell when it is a cell of ``tid``."""
    if cv.selected is None or cv.selected[0] != tid:
        return None
    return cv.selected[1]


def cell_name(name: str, cell: tuple[int, ...]) -> str:
    return f"{name}{idx(cell)}"


def selected_in(cv: Canvas, layer: int, names: tuple[str, ...], row: int) -> tuple[int, ...] | None:
    """The rest of the selected cell's index when it is in row ``row`` of one of the layer's
    tensors ``names`` (a weight and its gradient share indices), else None."""
    if cv.selected is None:
        return None
    tid, cell = cv.selected
    if tid.layer != layer or tid.name not in names or not cell or cell[0] != row:
        return None
    return cell[1:]


def dw_running_sum(cv: Canvas, panel: Panel, f: int) -> Panel:
    """The dW panel captioned with the cell of row ``f`` of dW (a filter, a weight row) this
    step adds most to, or the selected one: ``dW[f,c,i,j]: before + g·x = after``."""
    layer = cv.step.layer
    assert layer is not None
    ops = cv.step.operands
    contribution = ops["dw_contribution"]
    cell = added_cell(contribution, selected_in(cv, layer, ("weight", "grad_weight"), f))
    after = float(cv.tensor(TensorId(layer, "grad_weight")).values[(f, *cell)])
    return with_running_sum(
        panel,
        cell_name("dW", (f, *cell)),
        float(ops["dw_before"][cell]),
        float(contribution[cell]),
        after,
    )
