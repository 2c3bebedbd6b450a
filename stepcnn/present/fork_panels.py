"""A fork's steps on screen: the gradient each reader sent, side by side, and their sum.

A fork is a tensor several layers read (:mod:`stepcnn.engine.graph`); its steps belong to the
layer that produced it and add ``dL/dout = g₁ + g₂ + …`` one element at a time.
"""

from stepcnn.engine.graph import sum_gradients_naive
from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Panel
from stepcnn.present.parts import view
from stepcnn.timeline.ops.fork import g_name
from stepcnn.timeline.step import TensorId

NARRATION = (
    "This output is read by more than one layer, so its gradient comes back along every "
    "path, and the paths' gradients add: dL/dout{index} = g₁ + g₂ = {value:.4g}. "
    "A residual block's skip is such a fork: the gradient that skips the block joins the one "
    "that went through it."
)
SOURCE = (sum_gradients_naive, "s = s + g[index]")


def fork_panels(cv: Canvas) -> list[Panel]:
    layer = cv.step.layer
    assert layer is not None
    scenario = cv.timeline.run.scenario
    graph = scenario.topology
    index = cv.step.index
    panels = []
    for k, use in enumerate(graph.uses(layer)):
        given = graph.names[use.reader]
        reader = given or f"{scenario.layers[use.reader].type} (layer {use.reader})"
        tid = TensorId(use.reader, "grad_input")
        name = g_name(k)
        panels.append(Panel(f"g{k}", f"{name} from {reader}", tuple(view(cv, tid, index, name))))
    terms = " + ".join(g_name(k) for k in range(len(panels)))
    total = TensorId(layer, "grad_output")
    panels.append(Panel("sum", f"dL/dout = {terms}", tuple(view(cv, total, index, "sum")), row=1))
    return panels
