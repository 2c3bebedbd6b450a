"""The gradient check (``d``): backprop's ``dW`` of the current filter / weight row beside
centred finite differences of the loss."""

from stepcnn.engine.types import Array
from stepcnn.present.grid import Grid, Panel, make_grid, wrapped_grid
from stepcnn.present.views import View, ViewContent
from stepcnn.session.gradcheck import GradCheck
from stepcnn.session.session import Session

NOTHING = "gradient check: go to a conv2d or linear step"


def _grids(values: Array, name: str, precision: int) -> tuple[Grid, ...]:
    """A filter ``(C, kh, kw)`` as its channels (every one: the layout pages them when they
    do not all fit, ``t`` turns the page), a weight row ``(I,)`` wrapped."""
    if values.ndim == 3:
        several = values.shape[0] > 1
        return tuple(
            make_grid(
                f"{name}[{c}]", values[c], precision=precision, channel=c if several else None
            )
            for c in range(values.shape[0])
        )
    return (
        wrapped_grid(name, values, 8 if values.size > 12 else values.size, precision=precision),
    )


def _table(check: GradCheck) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    columns = ("weight", "analytic dW", "numeric (L(w+ε) − L(w−ε)) / 2ε", "difference")
    rows = tuple(
        (
            "[" + ",".join(str(v) for v in cell) + "]",
            f"{analytic: .8f}",
            f"{numeric: .8f}",
            f"{difference: .1e}",
        )
        for cell, analytic, numeric, difference in check.rows()
    )
    return columns, rows


def build(session: Session) -> ViewContent | str:
    check = session.gradient_check()
    if check is None:
        return session.message or NOTHING
    precision = max(session.precision, 6)
    panels = (
        # exact: the check's numbers are its evidence, none may read as a zero
        Panel("analytic", "backprop dW", _grids(check.analytic, "dW", precision), exact=True),
        Panel("numeric", "finite differences", _grids(check.numeric, "num", precision), exact=True),
        Panel(
            "difference",
            "difference",
            _grids(check.differences, "Δ", 1),
            row=1,
            optional=True,
            exact=True,
        ),
    )
    verdict = "agree" if check.agrees else "DISAGREE"
    return ViewContent(
        f"Gradient check — {check.title}",
        panels,
        notes=(
            f"max |difference| = {check.max_error:.2e}, relative = {check.relative_error:.2e}: "
            f"backprop and finite differences {verdict} (ε = {check.eps:g})",
        ),
        table=_table(check),
        data=check,
    )


VIEW = View("gradcheck", "d", "gradient check", build, inline=False)
