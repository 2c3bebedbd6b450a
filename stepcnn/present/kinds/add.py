"""add on screen: the inputs side by side and their sum; backward, the gradient arriving and
the same gradient going back to every input."""

from stepcnn.engine.kinds import add as engine
from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.parts import layer_ids, view
from stepcnn.timeline.tensors import input_ids


def _sources(cv: Canvas, layer: int) -> list[str]:
    graph = cv.timeline.run.scenario.topology
    return [graph.name(j) for j in graph.inputs[layer]]


def forward(cv: Canvas) -> list[Panel]:
    layer, _, out, _, _ = layer_ids(cv)
    index = cv.step.index
    graph = cv.timeline.run.scenario.graph
    names = _sources(cv, layer)
    panels = [
        Panel(f"input{k}", f"x{k + 1} = {names[k]}", tuple(view(cv, tid, index, f"x{k + 1}")))
        for k, tid in enumerate(input_ids(layer, graph))
    ]
    terms = " + ".join(f"x{k + 1}" for k in range(len(names)))
    return [
        *panels,
        Panel("output", f"output = {terms}", tuple(view(cv, out, index, "out")), row=1),
    ]


def backward(cv: Canvas) -> list[Panel]:
    layer, _, _, gout, gin = layer_ids(cv)
    index = cv.step.index
    names = ", ".join(_sources(cv, layer))
    return [
        Panel("grad", "gradient arriving", tuple(view(cv, gout, index, "g"))),
        Panel("dx", f"dx = g, to each of {names}", tuple(view(cv, gin, index, "dx")), row=1),
    ]


SHORT = "add"
PANELS = {"forward": forward, "backward": backward}
NARRATION = {
    "forward": (
        "add sums its inputs element by element — a residual block's x + F(x): "
        "out{index} = {value:.4g}."
    ),
    "backward": (
        "The derivative of a sum with respect to each term is 1, so add sends the gradient "
        "g = {value:.4g} back to every input unchanged. Where an input is also read elsewhere, "
        "that layer adds this to the gradient from its other reader (watch the fork)."
    ),
}
SOURCES = {
    "forward": (engine.add_forward_naive, "s = s + x[i]"),
    "backward": (engine.add_backward_naive, "dx[i] = g"),
}
