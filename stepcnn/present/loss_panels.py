"""The loss on screen: scores, softmax and the label (or prediction and target), the mean, and
where backward starts."""

from collections.abc import Callable

import numpy as np

from stepcnn.present.canvas import Canvas
from stepcnn.present.cells import Mark
from stepcnn.present.grid import Grid, Panel, make_grid
from stepcnn.present.parts import view
from stepcnn.timeline.step import TensorId

LOSS = {
    name: TensorId(None, name)
    for name in ("probs", "per_sample", "sq_error", "loss", "grad_scores", "y")
}


def _scores(cv: Canvas) -> TensorId:
    last = len(cv.timeline.run.scenario.layers) - 1
    return TensorId(last, "output")


def cross_entropy_forward(cv: Canvas) -> list[Panel]:
    (n,) = cv.step.index
    ops = cv.step.operands
    return [
        Panel("scores", "scores z", (cv.vector_grid(_scores(cv), n, "z"),)),
        Panel(
            "label",
            f"label {int(ops['label'][0])} (one-hot)",
            tuple(cv.operand_grids(ops["onehot"], "y")),
        ),
        Panel("probs", "softmax p", (cv.vector_grid(LOSS["probs"], n, "p"),), row=1),
        Panel("loss", "per-sample loss −log p[label]", (_per_sample(cv),), row=1),
    ]


def _per_sample(cv: Canvas) -> Grid:
    t = cv.tensor(LOSS["per_sample"])
    return make_grid(
        "L[n]",
        t.values[None, :],
        precision=cv.precision,
        scale=cv.scale(LOSS["per_sample"]),
        known=None if t.known is None else t.known[None, :],
        marks=[(m[None, :], mk) for m, mk in cv.marks(LOSS["per_sample"], t.values.shape, ())],
    )


def loss_mean(cv: Canvas) -> list[Panel]:
    loss = cv.tensor(LOSS["loss"]).values
    terms = cv.step.operands["terms"]
    return [
        Panel("terms", "terms", tuple(cv.operand_grids(terms, "terms"))),
        Panel(
            "loss",
            "loss (mean)",
            (
                make_grid(
                    "L",
                    loss.reshape(1, 1),
                    precision=max(cv.precision, 4),
                    marks=[(np.ones((1, 1), bool), Mark.WRITE)],
                ),
            ),
            row=1,
        ),
    ]


def mse_forward(cv: Canvas) -> list[Panel]:
    index = cv.step.index
    return [
        Panel("prediction", "prediction y", tuple(view(cv, _scores(cv), index, "y"))),
        Panel("target", "target t", tuple(_target(cv, index))),
        Panel("error", "(y − t)²", tuple(view(cv, LOSS["sq_error"], index, "e")), row=1),
    ]


def _target(cv: Canvas, index: tuple[int, ...]) -> list[Grid]:
    y = cv.record.y
    n = index[0]
    sel = np.zeros(y.shape, dtype=bool)
    sel[index] = True
    if y.ndim == 4:
        c = index[1]
        return [
            make_grid(
                f"t[{n},{c}]",
                y[n, c],
                precision=cv.precision,
                marks=[(sel[n, c], Mark.READ)],
                focus=(index[2], index[3]),
            )
        ]
    return [
        make_grid(
            f"t[{n}]", y[n][None, :], precision=cv.precision, marks=[(sel[n][None, :], Mark.READ)]
        )
    ]


def loss_backward(cv: Canvas) -> list[Panel]:
    index = cv.step.index
    n = index[0]
    g = LOSS["grad_scores"]
    if cv.timeline.run.scenario.loss == "cross_entropy":
        onehot = np.zeros(cv.record.grad_scores.shape[1])
        onehot[int(cv.record.y[n])] = 1.0
        inputs = [
            Panel("probs", "softmax p", (cv.vector_grid(LOSS["probs"], n, "p"),)),
            Panel("label", "one-hot label", tuple(cv.operand_grids(onehot, "y"))),
        ]
    else:
        inputs = [
            Panel("prediction", "prediction y", tuple(view(cv, _scores(cv), index, "y"))),
            Panel("target", "target t", tuple(_target(cv, index))),
        ]
    return [*inputs, Panel("grad", "dL/d(output)", tuple(view(cv, g, index, "g")), row=1)]


LOSS_BUILDERS: dict[str, Callable[[Canvas], list[Panel]]] = {
    "forward": lambda cv: (
        cross_entropy_forward(cv) if cv.step.kind == "cross_entropy" else mse_forward(cv)
    ),
    "mean": loss_mean,
    "backward": loss_backward,
}
"""The loss's panels by op (``cross_entropy.mean`` → ``"mean"``)."""
