"""The SGD update on screen: one filter or weight row before and after, with its bias."""

from dataclasses import replace

import numpy as np

from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.numformat import choose
from stepcnn.timeline.numbers import num

BIAS_LABELS = {
    "bias_before": "b",
    "grad_bias": "db",
    "bias_decay": "λb",
    "bias_velocity_before": "v",
    "bias_velocity_after": "v new",
    "bias_after": "b new",
}
"""The bias's numbers, in the order they are used (those the optimizer has)."""

BIAS_STATE_LABELS = {"bias_m_after": "m", "bias_v_after": "v", "bias_s_after": "s"}
"""Adam's and RMSprop's state of the bias: a panel of its own, each number in its own format
(v, an average of squares, is orders of magnitude below b and db)."""


def param_update(cv: Canvas) -> list[Panel]:
    layer = cv.step.layer
    assert layer is not None
    (o,) = cv.step.index
    ops = cv.step.operands
    before = ops["weight_before"]
    scale = (
        float(max(np.abs(before).max(initial=0), np.abs(ops["weight_after"]).max(initial=0))) or 1.0
    )
    panels = [
        # before and after in one format (and one colour scale), so the change reads
        Panel(
            "before",
            f"W[{o}] before",
            tuple(cv.operand_grids(before, "W", scale, of=(o,))),
            also=(ops["weight_after"],),
        ),
        Panel("grad", f"dW[{o}]", tuple(cv.operand_grids(ops["grad_weight"], "dW", of=(o,)))),
    ]
    if "decay" in ops:
        panels.append(
            Panel(
                "decay",
                f"λ·W[{o}] (weight decay)",
                tuple(cv.operand_grids(ops["decay"], "λW", of=(o,))),
            )
        )
    if "velocity_before" in ops:
        panels.append(
            Panel(
                "v_before",
                f"v[{o}] before",
                tuple(cv.operand_grids(ops["velocity_before"], "v", of=(o,))),
            )
        )
    if "velocity_after" in ops:
        panels.append(
            Panel(
                "v_after",
                f"v[{o}] = μ·v + g" if "velocity_before" in ops else f"v[{o}] = g (first)",
                tuple(cv.operand_grids(ops["velocity_after"], "v new", of=(o,))),
                row=1,
            )
        )
    panels += _state_panels(cv, o)
    rule = (
        "W − η·v"
        if "velocity_after" in ops
        else "W − η·mˆ/(√vˆ + ε)"
        if "m_after" in ops
        else "W − η·g/(√s + ε)"
        if "s_after" in ops
        else ("W − η·(dW + λW)" if "decay" in ops else "W − η·dW")
    )
    return [
        *panels,
        Panel(
            "after",
            f"W[{o}] ← {rule}",
            tuple(cv.operand_grids(ops["weight_after"], "W new", scale, of=(o,))),
            row=1,
            also=(before,),
        ),
        Panel(
            "bias",
            f"bias b[{o}] (db → new b)" if rule == "W − η·dW" else f"bias b[{o}] (same rule)",
            tuple(
                grid
                for name, label in BIAS_LABELS.items()
                if name in ops
                for grid in cv.operand_grids(ops[name], label)
            ),
            row=1,
        ),
        *_bias_state_panel(cv, o),
    ]


def _bias_state_panel(cv: Canvas, o: int) -> list[Panel]:
    """The optimizer's state of bias ``o`` after this step (Adam's m and v, RMSprop's s)."""
    ops = cv.step.operands
    grids = tuple(
        replace(grid, number_format=choose(ops[name], cv.precision, scaled=True))
        for name, label in BIAS_STATE_LABELS.items()
        if name in ops
        for grid in cv.operand_grids(ops[name], label)
    )
    return [Panel("bias_state", f"state of b[{o}]", grids, row=1)] if grids else []


def _state_panels(cv: Canvas, o: int) -> list[Panel]:
    """Adam's m, v and their bias corrections mˆ, vˆ, or RMSprop's s, after this step."""
    ops = cv.step.operands
    if "m_after" in ops:
        c1, c2 = (float(c) for c in ops["corrections"])
        return [
            Panel(
                "m",
                f"m[{o}] = β₁m + (1−β₁)g",
                tuple(cv.operand_grids(ops["m_after"], "m", of=(o,))),
            ),
            Panel(
                "v",
                f"v[{o}] = β₂v + (1−β₂)g²",
                tuple(cv.operand_grids(ops["v_after"], "v", of=(o,))),
            ),
            Panel(
                "m_hat",
                f"mˆ = m/{num(c1)}",
                tuple(cv.operand_grids(ops["m_hat"], "mˆ", of=(o,))),
                optional=True,
            ),
            Panel(
                "v_hat",
                f"vˆ = v/{num(c2)}",
                tuple(cv.operand_grids(ops["v_hat"], "vˆ", of=(o,))),
                optional=True,
            ),
        ]
    if "s_after" in ops:
        return [
            Panel(
                "s", f"s[{o}] = αs + (1−α)g²", tuple(cv.operand_grids(ops["s_after"], "s", of=(o,)))
            )
        ]
    return []
