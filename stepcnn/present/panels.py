"""Which panels each kind of step shows: what it reads (row 0) and what it produces (row 1)."""

from collections.abc import Callable

import numpy as np

from stepcnn.engine.layers import Conv2d, MaxPool2d
from stepcnn.present.canvas import Canvas
from stepcnn.present.cells import Mark
from stepcnn.present.grid import Grid, Panel, make_grid
from stepcnn.timeline.numbers import num
from stepcnn.timeline.step import TensorId
from stepcnn.timeline.tensors import grad_output_id, input_id

Builder = Callable[[Canvas], list[Panel]]


def _layer_ids(cv: Canvas) -> tuple[int, TensorId, TensorId, TensorId, TensorId]:
    layer = cv.step.layer
    assert layer is not None
    count = len(cv.timeline.run.scenario.layers)
    return (
        layer,
        input_id(layer),
        TensorId(layer, "output"),
        grad_output_id(layer, count),
        TensorId(layer, "grad_input"),
    )


def _spec(cv: Canvas) -> object:
    assert cv.step.layer is not None
    return cv.timeline.run.scenario.layers[cv.step.layer]


def _is_map(cv: Canvas, tid: TensorId) -> bool:
    return cv.tensor(tid).values.ndim == 4


def _view(cv: Canvas, tid: TensorId, index: tuple[int, ...], name: str) -> list[Grid]:
    """The map channel (or vector) holding ``index``, following that cell."""
    n = index[0]
    if _is_map(cv, tid):
        return cv.map_grids(tid, n, [index[1]], name, focus=(index[2], index[3]))
    return [cv.vector_grid(tid, n, name, focus_index=index[1] if len(index) > 1 else None)]


def _padded_input(cv: Canvas, tid: TensorId, spec: Conv2d, n: int, r: int, c: int) -> list[Grid]:
    """Input channels with their zero padding drawn, the window under output cell (r, c) marked."""
    t = cv.tensor(tid)
    (ph, pw), (kh, kw), (sh, sw) = spec.padding, spec.kernel_size, spec.stride
    count = t.values.shape[1]
    grids = []
    for ch in range(min(count, 3)):
        values = np.pad(t.values[n, ch], ((ph, ph), (pw, pw)))
        pad = np.pad(
            np.zeros(t.values.shape[2:], dtype=bool), ((ph, ph), (pw, pw)), constant_values=True
        )
        window = np.zeros(values.shape, dtype=bool)
        window[r * sh : r * sh + kh, c * sw : c * sw + kw] = True
        label = f"x[{n},{ch}]" + (" padded" if ph or pw else "")
        if ch == min(count, 3) - 1 and count > 3:
            label += f" (+{count - 3} more)"
        grids.append(
            make_grid(
                label,
                values,
                precision=cv.precision,
                scale=cv.scale(tid),
                tensor=tid,
                prefix=(n, ch),
                row0=-ph,
                col0=-pw,
                marks=[(pad, Mark.PAD), (window, Mark.READ)],
                focus=(r * sh + kh // 2, c * sw + kw // 2),
            )
        )
    return grids


# ---- forward ------------------------------------------------------------------------------


def conv_forward(cv: Canvas) -> list[Panel]:
    layer, x, out, _, _ = _layer_ids(cv)
    spec = _spec(cv)
    assert isinstance(spec, Conv2d)
    n, f, r, c = cv.step.index
    ops = cv.step.operands
    return [
        Panel("input", "input patch (all channels)", tuple(_padded_input(cv, x, spec, n, r, c))),
        Panel("filter", f"filter W[{f}]", tuple(cv.slice_grids(TensorId(layer, "weight"), f, "W"))),
        Panel(
            "products",
            "patch ⊙ filter",
            tuple(cv.operand_grids(ops["products"], "⊙")),
            caption=f"Σ = {num(float(ops['products'].sum()))}",
            optional=True,
        ),
        Panel(
            "output", f"output map {f} (Σ + b)", tuple(_view(cv, out, cv.step.index, "out")), row=1
        ),
    ]


def elementwise_forward(cv: Canvas) -> list[Panel]:
    _, x, out, _, _ = _layer_ids(cv)
    index = cv.step.index
    return [
        Panel("input", "input", tuple(_view(cv, x, index, "x"))),
        Panel("output", "output = max(0, x)", tuple(_view(cv, out, index, "out")), row=1),
    ]


def pool_forward(cv: Canvas) -> list[Panel]:
    _, x, out, _, _ = _layer_ids(cv)
    spec = _spec(cv)
    assert isinstance(spec, MaxPool2d)
    n, c, r, s = cv.step.index
    winner = _winner_mask(cv, spec, x, cv.step.index)
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    grids = cv.map_grids(
        x, n, [c], "x", focus=(r * sh + kh // 2, s * sw + kw // 2), extra=[(winner, Mark.WINNER)]
    )
    return [
        Panel("input", "window (winner in green)", tuple(grids)),
        Panel(
            "output",
            "output map (max of each window)",
            tuple(_view(cv, out, cv.step.index, "out")),
            row=1,
        ),
    ]


def _winner_mask(cv: Canvas, spec: MaxPool2d, x: TensorId, index: tuple[int, ...]) -> np.ndarray:
    """A mask over x[n] (all channels) with the window's winning cell set."""
    _, c, r, s = index
    shape = cv.tensor(x).values.shape
    mask = np.zeros(shape[1:], dtype=bool)
    rows, cols = np.nonzero(cv.step.operands["winner"])
    (sh, sw) = spec.stride
    mask[c, r * sh + int(rows[0]), s * sw + int(cols[0])] = True
    return mask


def flatten_forward(cv: Canvas) -> list[Panel]:
    _, x, out, _, _ = _layer_ids(cv)
    xv = cv.tensor(x).values
    wrap = xv.shape[-1] if xv.ndim == 4 else None
    return [
        Panel(
            "input",
            "input maps (read row by row)",
            tuple(cv.map_grids(x, 0, None, "x")) if xv.ndim == 4 else (cv.vector_grid(x, 0, "x"),),
        ),
        Panel(
            "output",
            "flat vector (one map row per line)",
            (cv.vector_grid(out, 0, "out", wrap),),
            row=1,
        ),
    ]


def linear_forward(cv: Canvas) -> list[Panel]:
    layer, x, out, _, _ = _layer_ids(cv)
    n, o = cv.step.index
    ops = cv.step.operands
    return [
        Panel("input", "input vector", (cv.vector_grid(x, n, "x"),)),
        Panel(
            "weight",
            f"weights (row {o} used)",
            (cv.matrix_grid(TensorId(layer, "weight"), "W", focus=(o, 0)),),
        ),
        Panel(
            "products",
            f"W[{o}] ⊙ x[{n}]",
            tuple(cv.operand_grids(ops["products"], "⊙")),
            caption=f"Σ = {num(float(ops['products'].sum()))}",
            optional=True,
        ),
        Panel("output", "output (W·x + b)", (cv.vector_grid(out, n, "out", focus_index=o),), row=1),
    ]


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
        Panel("prediction", "prediction y", tuple(_view(cv, _scores(cv), index, "y"))),
        Panel("target", "target t", tuple(_target(cv, index))),
        Panel("error", "(y − t)²", tuple(_view(cv, LOSS["sq_error"], index, "e")), row=1),
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


# ---- backward -----------------------------------------------------------------------------


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
            Panel("prediction", "prediction y", tuple(_view(cv, _scores(cv), index, "y"))),
            Panel("target", "target t", tuple(_target(cv, index))),
        ]
    return [*inputs, Panel("grad", "dL/d(output)", tuple(_view(cv, g, index, "g")), row=1)]


def linear_backward(cv: Canvas) -> list[Panel]:
    layer, x, _, gout, gin = _layer_ids(cv)
    n, o = cv.step.index
    return [
        Panel("grad", "gradient arriving dL/dout", (cv.vector_grid(gout, n, "g", focus_index=o),)),
        Panel("input", "input vector x", (cv.vector_grid(x, n, "x"),)),
        Panel(
            "weight",
            f"weights (row {o} sends g back)",
            (cv.matrix_grid(TensorId(layer, "weight"), "W", focus=(o, 0)),),
            optional=True,
        ),
        Panel(
            "dw",
            f"dW (row {o} += g·x)",
            (cv.matrix_grid(TensorId(layer, "grad_weight"), "dW", focus=(o, 0)),),
            row=1,
        ),
        Panel("db", "db (+= g)", (cv.vector_grid_1d(TensorId(layer, "grad_bias"), "db"),), row=1),
        Panel("dx", f"dx (+= g·W[{o}])", (cv.vector_grid(gin, n, "dx"),), row=1),
    ]


def flatten_backward(cv: Canvas) -> list[Panel]:
    _, _, _, gout, gin = _layer_ids(cv)
    gv = cv.tensor(gin).values
    wrap = gv.shape[-1] if gv.ndim == 4 else None
    return [
        Panel("grad", "gradient vector", (cv.vector_grid(gout, 0, "g", wrap),)),
        Panel(
            "dx",
            "back to maps",
            tuple(cv.map_grids(gin, 0, None, "dx"))
            if gv.ndim == 4
            else (cv.vector_grid(gin, 0, "dx"),),
            row=1,
        ),
    ]


def pool_backward(cv: Canvas) -> list[Panel]:
    _, x, _, gout, gin = _layer_ids(cv)
    spec = _spec(cv)
    assert isinstance(spec, MaxPool2d)
    n, c, r, s = cv.step.index
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    focus = (r * sh + kh // 2, s * sw + kw // 2)
    winner = _winner_mask(cv, spec, x, cv.step.index)
    return [
        Panel("grad", "gradient arriving", tuple(_view(cv, gout, cv.step.index, "g"))),
        Panel(
            "input",
            "window (winner in green)",
            tuple(cv.map_grids(x, n, [c], "x", focus=focus, extra=[(winner, Mark.WINNER)])),
        ),
        Panel(
            "dx",
            "dx: all to the winner",
            tuple(cv.map_grids(gin, n, [c], "dx", focus=focus)),
            row=1,
        ),
    ]


def relu_backward(cv: Canvas) -> list[Panel]:
    _, x, _, gout, gin = _layer_ids(cv)
    index = cv.step.index
    return [
        Panel("grad", "gradient arriving", tuple(_view(cv, gout, index, "g"))),
        Panel("input", "input x (passes where x > 0)", tuple(_view(cv, x, index, "x"))),
        Panel("dx", "dx = g·[x > 0]", tuple(_view(cv, gin, index, "dx")), row=1),
    ]


def conv_backward(cv: Canvas) -> list[Panel]:
    layer, x, _, gout, gin = _layer_ids(cv)
    spec = _spec(cv)
    assert isinstance(spec, Conv2d)
    n, f, r, c = cv.step.index
    ops = cv.step.operands
    dw = TensorId(layer, "grad_weight")
    (kh, kw), (sh, sw), (ph, pw) = spec.kernel_size, spec.stride, spec.padding
    return [
        Panel("grad", f"gradient arriving (map {f})", tuple(_view(cv, gout, cv.step.index, "g"))),
        Panel("input", "input patch", tuple(_padded_input(cv, x, spec, n, r, c))),
        Panel(
            "contribution",
            "g · patch (added to dW)",
            tuple(cv.operand_grids(ops["dw_contribution"], "g·patch")),
            optional=True,
        ),
        Panel(
            "filter",
            f"filter W[{f}] (for dx)",
            tuple(cv.slice_grids(TensorId(layer, "weight"), f, "W")),
            optional=True,
        ),
        Panel("dw", f"dW[{f}] running sum", tuple(cv.slice_grids(dw, f, "dW")), row=1),
        Panel(
            "dx",
            f"dx (+= g·W[{f}])",
            tuple(
                cv.map_grids(
                    gin, n, None, "dx", focus=(r * sh - ph + kh // 2, c * sw - pw + kw // 2)
                )
            ),
            row=1,
        ),
    ]


# ---- update -------------------------------------------------------------------------------


BIAS_LABELS = {"bias_before": "b", "grad_bias": "db", "bias_after": "b new"}


def param_update(cv: Canvas) -> list[Panel]:
    layer = cv.step.layer
    assert layer is not None
    (o,) = cv.step.index
    ops = cv.step.operands
    before = ops["weight_before"]
    scale = (
        float(max(np.abs(before).max(initial=0), np.abs(ops["weight_after"]).max(initial=0))) or 1.0
    )
    return [
        Panel("before", f"W[{o}] before", tuple(cv.operand_grids(before, "W", scale))),
        Panel("grad", f"dW[{o}]", tuple(cv.operand_grids(ops["grad_weight"], "dW"))),
        Panel(
            "after",
            f"W[{o}] ← W − η·dW",
            tuple(cv.operand_grids(ops["weight_after"], "W new", scale)),
            row=1,
        ),
        Panel(
            "bias",
            f"bias b[{o}] ← b − η·db",
            tuple(
                grid
                for name in ("bias_before", "grad_bias", "bias_after")
                for grid in cv.operand_grids(ops[name], BIAS_LABELS[name])
            ),
            row=1,
        ),
    ]


BUILDERS: dict[str, Builder] = {
    "conv2d.forward": conv_forward,
    "relu.forward": elementwise_forward,
    "maxpool2d.forward": pool_forward,
    "flatten.forward": flatten_forward,
    "linear.forward": linear_forward,
    "cross_entropy.forward": cross_entropy_forward,
    "cross_entropy.mean": loss_mean,
    "mse.forward": mse_forward,
    "mse.mean": loss_mean,
    "cross_entropy.backward": loss_backward,
    "mse.backward": loss_backward,
    "linear.backward": linear_backward,
    "flatten.backward": flatten_backward,
    "maxpool2d.backward": pool_backward,
    "relu.backward": relu_backward,
    "conv2d.backward": conv_backward,
    "conv2d.update": param_update,
    "linear.update": param_update,
}


def build_panels(cv: Canvas) -> list[Panel]:
    return [p.with_cell_width() for p in BUILDERS[cv.step.op](cv)]
