"""The ``conv-is-a-layer`` scenario keeps the promises its narration makes, and the matrix views
draw every one of its conv2d steps.

Expected numbers are worked out by hand in the comments (the scenario's filter computes
out[r,c] = x[r,c] − x[r+1,c+1]).
"""

import numpy as np
import pytest

from stepcnn.engine.conv_matrix import parameter_counts
from stepcnn.present.scene import build_scene
from stepcnn.session.session import Session
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.training import TrainingRun


def test_its_matrix_is_9_by_16_with_the_narrated_counts() -> None:
    s = load_scenario("conv-is-a-layer")
    assert s.inputs.shape == (1, 1, 4, 4)
    assert s.shapes[1] == (1, 3, 3)
    # conv: 4 weights + 1 bias; untied: 9 rows × 4 entries + 9 biases; dense: 9·16 + 9
    assert parameter_counts((1, 1, 2, 2), (1, 4, 4)) == (5, 45, 153)
    assert s.parameter_count == 5


def test_the_narrated_numbers() -> None:
    run = TrainingRun(load_scenario("conv-is-a-layer"))
    first = run.record(0)
    conv = first.layers[0]
    # y − t = [[0,−1,−1],[0,0,3],[1,0,−1]] − [[1,0,0],[0,1,2],[0,0,0]]: seven ±1s → 7/9
    assert first.loss == pytest.approx(7 / 9)
    assert conv.grads is not None and conv.params_after is not None
    np.testing.assert_allclose(conv.grads.weight[0, 0], np.array([[0, -5], [-2, -7]]) * 2 / 9)
    assert conv.grads.bias[0] == pytest.approx(-3 * 2 / 9)
    np.testing.assert_allclose(conv.params_after.weight[0, 0], [[1, 0.05], [0.02, -0.93]])
    assert conv.params_after.bias[0] == pytest.approx(0.03)
    assert run.record(1).loss < first.loss


@pytest.mark.parametrize("view", ["fc", "im2col"])
def test_every_conv_step_draws_in_both_views(view: str) -> None:
    session = Session(load_scenario("conv-is-a-layer"))
    session.view = view
    drawn = 0
    for k in range(session.timeline.per_iteration):
        session.goto(k)
        scene = build_scene(session)
        if session.step.kind == "conv2d":
            assert scene.view == view
            assert scene.panels
            drawn += 1
        else:
            assert scene.view == ""
    assert drawn == 9 + 9 + 1


@pytest.mark.parametrize("name", ["sparse-connectivity", "shared-weights", "conv-is-a-layer"])
def test_the_connectivity_lessons_point_at_the_matrix_view(name: str) -> None:
    assert "Press m" in load_scenario(name).narration.intro
