"""linear on screen: a neuron's weight row times the input vector; dW, db and dx backward."""

from stepcnn.engine import optim
from stepcnn.engine.kinds import linear as engine
from stepcnn.engine.network import LayerRecord
from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Grid, Panel
from stepcnn.present.parts import layer_ids
from stepcnn.present.running_sum import (
    accumulated,
    added_cell,
    cell_name,
    dw_running_sum,
    selected_of,
    with_running_sum,
)
from stepcnn.present.update_panels import param_update
from stepcnn.present.weight_story import Row, StoryRows
from stepcnn.timeline.numbers import num
from stepcnn.timeline.step import TensorId

SHORT = "fc"


def linear_forward(cv: Canvas) -> list[Panel]:
    layer, x, out, _, _ = layer_ids(cv)
    n, o = cv.step.index
    ops = cv.step.operands
    return [
        Panel("input", "input vector", (cv.vector_grid(x, n, "x"),)),
        Panel("weight", weights_title(cv, layer, o, "used"), weight_row(cv, layer, "W", o)),
        Panel(
            "products",
            f"W[{o}] ⊙ x[{n}]",
            tuple(cv.operand_grids(ops["products"], "⊙")),
            caption=f"Σ = {num(float(ops['products'].sum()))}",
            optional=True,
        ),
        with_running_sum(
            Panel(
                "output", "output (W·x + b)", (cv.vector_grid(out, n, "out", focus_index=o),), row=1
            ),
            f"{cell_name('out', cv.step.index)} = Σ + b",
            float(ops["products"].sum()),
            float(ops["bias"][0]),
            float(cv.tensor(out).values[cv.step.index]),
        ),
    ]


def linear_backward(cv: Canvas) -> list[Panel]:
    layer, x, _, gout, gin = layer_ids(cv)
    n, o = cv.step.index
    ops = cv.step.operands
    return [
        Panel("grad", "gradient arriving dL/dout", (cv.vector_grid(gout, n, "g", focus_index=o),)),
        Panel("input", "input vector x", (cv.vector_grid(x, n, "x"),)),
        Panel(
            "weight",
            weights_title(cv, layer, o, "sends g back"),
            weight_row(cv, layer, "W", o),
            optional=True,
        ),
        dw_running_sum(
            cv,
            Panel(
                "dw",
                f"dW (row {o} += g·x)",
                weight_row(cv, layer, "dW", o),
                row=1,
            ),
            o,
        ),
        accumulated(
            cv,
            Panel(
                "db", "db (+= g)", (cv.vector_grid_1d(TensorId(layer, "grad_bias"), "db"),), row=1
            ),
            TensorId(layer, "grad_bias"),
            "db",
            (o,),
            float(ops["grad"][0]),
        ),
        dx_running_sum(
            cv, Panel("dx", f"dx (+= g·W[{o}])", (cv.vector_grid(gin, n, "dx"),), row=1), gin
        ),
    ]


WHOLE_ROWS = 12
"""Inputs up to which the weight matrix is drawn whole, its row marked; a longer row (LeNet-5's
400) is drawn alone, wrapped as the input vector is, each weight beside the input it meets."""


def weight_row(cv: Canvas, layer: int, name: str, o: int) -> tuple[Grid, ...]:
    """``W`` (or ``dW``) whole around row ``o``, or row ``o`` alone when rows are long."""
    tid = TensorId(layer, "weight" if name == "W" else "grad_weight")
    if cv.tensor(tid).values.shape[1] <= WHOLE_ROWS:
        return (cv.matrix_grid(tid, name, focus=(o, 0)),)
    return tuple(cv.slice_grids(tid, o, name))


def weights_title(cv: Canvas, layer: int, o: int, what: str) -> str:
    rows, cols = cv.tensor(TensorId(layer, "weight")).values.shape
    if cols <= WHOLE_ROWS:
        return f"weights (row {o} {what})"
    return f"weights: row {o} of W {rows}×{cols} ({what})"


def dx_running_sum(cv: Canvas, panel: Panel, gin: TensorId) -> Panel:
    """The dx panel captioned with the input this step adds most to (g·W[o]), or the
    selected one."""
    n = cv.step.index[0]
    added = cv.step.operands["dx_contribution"]
    selected = selected_of(cv, gin)
    (i,) = added_cell(added, None if selected is None or selected[0] != n else selected[1:])
    return accumulated(cv, panel, gin, "dx", (n, i), float(added[i]))


def weight_story_rows(lr: LayerRecord, spec: object, cell: tuple[int, ...]) -> StoryRows:
    """``W[o, i]`` met input ``x[n, i]`` and gradient ``g[n, o]`` once per sample."""
    o, i = cell
    dout = lr.grad_output
    rows: list[Row] = [
        ((n,), (n, i), float(lr.input[n, i]), float(dout[n, o])) for n in range(dout.shape[0])
    ]
    return rows, f"W[{o},{i}]"


PANELS = {"forward": linear_forward, "backward": linear_backward, "update": param_update}
NARRATION = {
    "forward": (
        "A fully connected neuron: row {index} of W times the whole input vector, plus its bias. "
        "Every neuron reads every input (dense connectivity). out{index} = {value:.4g}."
    ),
    "backward": (
        "The gradient g = {value:.4g} reaches neuron {index}. Its weight row gets g times the "
        "input (dW += g·x), its bias gets g, and every input gets g times that neuron's weights "
        "(dx += g·W[o]) — this is how the error travels back towards the filters."
    ),
    "update": (
        "Gradient descent on row {index} of W and its bias: one step against the gradient, "
        "with learning rate η = {lr}."
    ),
}
SOURCES = {
    "forward": (engine.linear_forward_naive, "out[n, o] ="),
    "backward": (engine.linear_backward_naive, "dw[o] +="),
    "update": (optim.sgd_step_naive, "new.flat[i] = w -"),
}
WEIGHT_STORY = weight_story_rows
