"""batchnorm2d on screen: forward, the channel's statistics and the value normalised; backward,
the three terms of dx and the shares of dγ and dβ."""

import numpy as np

from stepcnn.engine import optim
from stepcnn.engine.kinds import batchnorm2d as engine
from stepcnn.engine.network import LayerRecord
from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.parts import layer_ids, view
from stepcnn.present.update_panels import param_update
from stepcnn.present.weight_story import Row, StoryRows
from stepcnn.timeline.numbers import num, paren
from stepcnn.timeline.step import TensorId

SHORT = "bn"


def batchnorm_forward(cv: Canvas) -> list[Panel]:
    _, x, out, _, _ = layer_ids(cv)
    ops = cv.step.operands
    c = cv.step.index[1]
    stats = [float(ops[k][0]) for k in ("mean", "var", "x_hat", "gamma", "beta")]
    return [
        Panel(
            "input",
            f"input (channel {c}: μ, σ² over the batch)",
            tuple(view(cv, x, cv.step.index, "x")),
        ),
        Panel(
            "stats",
            f"channel {c}",
            tuple(
                grid
                for name, value in zip(("μ", "σ²", "xˆ", "γ", "β"), stats, strict=True)
                for grid in cv.operand_grids(np.array([value]), name)
            ),
            caption=f"xˆ = (x − μ)/√(σ² + ε) = {num(stats[2])}",
        ),
        Panel("output", "output γ·xˆ + β", tuple(view(cv, out, cv.step.index, "out")), row=1),
    ]


def batchnorm_backward(cv: Canvas) -> list[Panel]:
    layer, _, _, gout, gin = layer_ids(cv)
    ops = cv.step.operands
    c = cv.step.index[1]
    g, minus_mean, minus_along = (float(t) for t in ops["terms"])
    return [
        Panel(
            "grad", f"gradient arriving (channel {c})", tuple(view(cv, gout, cv.step.index, "g"))
        ),
        Panel(
            "terms",
            "the three terms of dx",
            tuple(
                grid
                for name, value in (("g", g), ("−mean g", minus_mean), ("−xˆ·m(gxˆ)", minus_along))
                for grid in cv.operand_grids(np.array([value]), name)
            ),
            caption=(
                f"dx = γ/σ·Σ = {num(float(ops['scale'][0]))}·{paren(g + minus_mean + minus_along)}"
            ),
        ),
        Panel(
            "dx",
            "dx (every value of the channel moved μ and σ)",
            tuple(view(cv, gin, cv.step.index, "dx")),
            row=1,
        ),
        Panel(
            "dparams",
            f"dγ[{c}] += g·xˆ, dβ[{c}] += g",
            (
                cv.vector_grid_1d(TensorId(layer, "grad_weight"), "dγ"),
                cv.vector_grid_1d(TensorId(layer, "grad_bias"), "dβ"),
            ),
            row=1,
        ),
    ]


def weight_story_rows(lr: LayerRecord, spec: object, cell: tuple[int, ...]) -> StoryRows:
    """``γ[c]`` met every normalised value ``xˆ[n, c, h, w]`` of its channel, and its gradient."""
    (c,) = cell
    dout, x_hat = lr.grad_output, lr.cache.x_hat
    rows: list[Row] = [
        ((n, h, w), (n, c, h, w), float(x_hat[n, c, h, w]), float(dout[n, c, h, w]))
        for n in range(dout.shape[0])
        for h in range(dout.shape[2])
        for w in range(dout.shape[3])
    ]
    return rows, f"γ[{c}]"


PANELS = {"forward": batchnorm_forward, "backward": batchnorm_backward, "update": param_update}
NARRATION = {
    "forward": (
        "Batch normalization: each channel is shifted and scaled by its own statistics over "
        "the whole batch — mean μ and variance σ² — to xˆ = (x − μ)/√(σ² + ε), then the "
        "learned γ and β set its scale and offset. out{index} = {value:.4g}."
    ),
    "backward": (
        "Every value of a channel moved μ and σ, so each dx has three terms: its own gradient "
        "g = {value:.4g}, minus the channel's mean gradient (μ moved), minus xˆ times the mean "
        "of g·xˆ (σ moved) — all scaled by γ/σ. dγ gathers g·xˆ and dβ gathers g."
    ),
    "update": (
        "The update of channel {index}'s γ (the weight) and β (the bias), like any other "
        "parameter, with learning rate η = {lr}."
    ),
}
SOURCES = {
    "forward": (engine.batchnorm2d_forward_naive, "x_hat[n, c, i, j] ="),
    "backward": (engine.batchnorm2d_backward_naive, "dx[n, c, i, j] ="),
    "update": (optim.sgd_step_naive, "new.flat[i] = w -"),
}
WEIGHT_STORY = weight_story_rows
