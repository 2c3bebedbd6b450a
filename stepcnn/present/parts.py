"""The pieces the layer kinds' panel builders share: the step's tensors, views that follow the
current cell."""

from stepcnn.present.canvas import Canvas
from stepcnn.present.grid import Grid
from stepcnn.timeline.step import TensorId
from stepcnn.timeline.tensors import grad_output_id, input_id


def layer_ids(cv: Canvas) -> tuple[int, TensorId, TensorId, TensorId, TensorId]:
    layer = cv.step.layer
    assert layer is not None
    scenario = cv.timeline.run.scenario
    count, graph = len(scenario.layers), scenario.graph
    return (
        layer,
        input_id(layer, graph),
        TensorId(layer, "output"),
        grad_output_id(layer, count, graph),
        TensorId(layer, "grad_input"),
    )


def layer_spec(cv: Canvas) -> object:
    assert cv.step.layer is not None
    return cv.timeline.run.scenario.layers[cv.step.layer]


def is_map(cv: Canvas, tid: TensorId) -> bool:
    return cv.tensor(tid).values.ndim == 4


def view(cv: Canvas, tid: TensorId, index: tuple[int, ...], name: str) -> list[Grid]:
    """The map channel (or vector) holding ``index``, following that cell."""
    n = index[0]
    if is_map(cv, tid):
        return cv.map_grids(tid, n, [index[1]], name, focus=(index[2], index[3]))
    return [cv.vector_grid(tid, n, name, focus_index=index[1] if len(index) > 1 else None)]
