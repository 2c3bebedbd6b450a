"""``stepcnn matrix``: the JSON contract, the text handout and the usage errors.

The JSON is checked against the engine's convolution (M·x + b equals the exported layer
output of iteration 0) and against hand-worked entries of ``hand-computable``.
"""

import json

import numpy as np
import pytest

from stepcnn.cli import main
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.training import TrainingRun


def run(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract_on_hand_computable(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "matrix", "hand-computable", "--layer", "0", "--format", "json")
    assert code == 0 and err == ""
    record = json.loads(out)
    assert set(record) == {
        "layer",
        "input_shape",
        "output_shape",
        "weight_shape",
        "matrix",
        "tie",
    }
    assert record["layer"] == 0
    assert record["input_shape"] == [1, 5, 5]
    assert record["output_shape"] == [1, 3, 3]
    assert record["weight_shape"] == [1, 1, 3, 3]
    m, tie = np.array(record["matrix"]), np.array(record["tie"])
    assert m.shape == tie.shape == (9, 25)
    # Row 4 is output cell (0, 1, 1): its window starts at input (1, 1) = column 6, so weight
    # W[0,0,0,0] (tie 0) is at column 6, W[0,0,2,2] (tie 8) at column 6 + 2·5 + 2 = 18.
    assert tie[4, 6] == 0 and tie[4, 18] == 8
    assert (tie[4] >= 0).sum() == 9  # nine connections per row, 16 structural zeros
    assert tie[4, 0] == -1 and m[4, 0] == 0


def test_json_matrix_reproduces_the_layer_output(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "matrix", "rgb-stride-padding", "--layer", "0", "--format", "json")
    assert code == 0
    record = json.loads(out)
    scenario = load_scenario("rgb-stride-padding")
    lr = TrainingRun(scenario).record(0).layers[0]
    assert lr.params is not None
    m = np.array(record["matrix"])
    ho_wo = int(np.prod(record["output_shape"][1:]))
    for n in range(lr.input.shape[0]):
        got = m @ lr.input[n].ravel() + np.repeat(lr.params.bias, ho_wo)
        np.testing.assert_allclose(got, lr.output[n].ravel(), rtol=1e-12, atol=1e-12)
    tie = np.array(record["tie"])
    # a tie names the weight whose value the entry holds
    weight = lr.params.weight.ravel()
    assert np.array_equal(m[tie >= 0], weight[tie[tie >= 0]])


def test_text_labels_legend_and_structural_zeros(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "matrix", "hand-computable", "--layer", "0")
    assert code == 0
    lines = out.splitlines()
    assert "M 9×25" in lines[0]
    rows = [line for line in lines if line.startswith("(0,")]
    assert len(rows) == 9
    # Output cell (0,0,0) reads columns 0-2, 5-7, 10-12: a b c · · d e f · · g h i, then zeros.
    cells = rows[0].split()[1:]
    assert cells == list("abc··def··ghi") + ["·"] * 12
    # The next row is the same filter shifted by one input column.
    assert rows[1].split()[1:] == ["·", *list("abc··def··ghi"), *["·"] * 11]
    assert "  e = W[0,0,1,1] = 2" in lines
    assert lines[-1].endswith("conv 10 · untied (locally connected) 90 · fully connected 234")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["matrix", "tour", "--layer", "1"], "layer 1 is relu, not conv2d"),
        (["matrix", "tour"], "--layer is required"),
        (["matrix", "tour", "--layer", "99"], "must be a layer index from 0 to"),
        (["matrix", "tour", "--layer", "x"], "must be a layer index from 0 to"),
        (["matrix", "tour", "--layer", "0", "--format", "csv"], "invalid choice"),
    ],
)
def test_bad_layer_is_one_line_exit_2(capsys, argv: list[str], needle: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert needle in err
