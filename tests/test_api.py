"""The Python API: ``stepcnn.load`` → Lesson (steps, tensors at a step, figures, export).

Values are checked against independent routes: the trace and export commands' JSON, and a
hand computation from the scenario file's own integers.
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import write_scenario

import stepcnn
from stepcnn.cli import main
from stepcnn.scenario.builtin import find


def test_import_stepcnn_is_light() -> None:
    code = (
        "import sys, stepcnn; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'textual', 'rich'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_steps_are_numbered_as_trace_numbers_them(capsys) -> None:
    lesson = stepcnn.load("hand-computable")
    assert main(["trace", "hand-computable"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lesson.steps) == len(records)
    for k in (0, 7, len(records) // 2, len(records) - 1):
        step = lesson.step(k)
        assert lesson.steps[k].as_json() == step.as_json()
        # trace adds its line count; unfiltered, line and step are the same number (k + 1)
        assert {"line": k + 1, **step.as_json()} == records[k]
        assert records[k]["step"] == k + 1
    assert [s.k for s in lesson.steps[3:6]] == [3, 4, 5]
    assert lesson.steps[-1].k == len(records) - 1
    with pytest.raises(IndexError):
        lesson.step(len(records))


def test_first_step_is_the_hand_computed_patch_times_filter() -> None:
    data = tomllib.loads(find("hand-computable").read_text(encoding="utf-8"))
    x = np.array(data["samples"][0]["input"], dtype=float)
    conv = data["layers"][0]
    w = np.array(conv["weight"], dtype=float)[0, 0]
    b = float(conv["bias"][0])
    lesson = stepcnn.load("hand-computable")
    step = lesson.step(0)
    assert (step.phase, step.op, step.index) == ("forward", "conv2d.forward", (0, 0, 0, 0))
    assert step.value == pytest.approx(float((x[:3, :3] * w).sum() + b))
    out = lesson.tensor(0, 0, "output")
    assert out[0, 0, 0, 0] == pytest.approx(step.value)
    assert np.isnan(out[0, 0, 0, 1:]).all() and np.isnan(out[0, 0, 1:]).all()
    np.testing.assert_array_equal(lesson.tensor(0, 0, "input")[0, 0], x)


def test_tensors_at_a_step_match_the_export(capsys) -> None:
    lesson = stepcnn.load("tour")
    assert main(["export", "tour"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert lesson.export() == exported
    per_iteration = len(lesson.steps) // len(exported["iterations"])
    last = per_iteration - 1  # the last step of iteration 0: everything computed and updated
    layer0 = exported["iterations"][0]["layers"][0]
    np.testing.assert_allclose(lesson.tensor(last, 0, "grad_weight"), layer0["grad_weight"])
    np.testing.assert_allclose(lesson.tensor(last, 0, "weight"), layer0["weight_after"])
    np.testing.assert_allclose(lesson.tensor(0, 0, "weight"), layer0["weight"])
    assert lesson.tensor(last, None, "loss") == pytest.approx(exported["iterations"][0]["loss"])
    first_backward = next(s.k for s in lesson.steps if s.phase == "backward")
    # dW of the first layer is not touched until its own backward steps
    assert np.isnan(lesson.tensor(first_backward, 0, "grad_weight")).all()


def test_bad_requests_say_what_is_known() -> None:
    lesson = stepcnn.load("tour")
    with pytest.raises(ValueError, match="known input, output"):
        lesson.tensor(0, 0, "gradient")
    with pytest.raises(ValueError, match="has no parameters"):
        lesson.tensor(0, 1, "weight")
    with pytest.raises(ValueError, match="out of range"):
        lesson.tensor(0, 99, "output")
    with pytest.raises(ValueError, match="known x, y, probs"):
        lesson.tensor(0, None, "sq_error")


def test_scenario_error_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        'title = "t"\nlearning_rate = -1\nloss = "mse"\n'
        "[[samples]]\ninput = [[1.0]]\ntarget = [[1.0]]\n",
        "bad.toml",
    )
    with pytest.raises(stepcnn.ScenarioError) as caught:
        stepcnn.load(path)
    assert str(caught.value).startswith(f"{path}: learning_rate: must be a number greater than 0")
    with pytest.raises(stepcnn.ScenarioError, match="iterations"):
        stepcnn.load("tour", iterations=0)


def test_figure_shows_itself_and_saves(tmp_path: Path) -> None:
    lesson = stepcnn.load("hand-computable")
    figure = lesson.figure(4, size=(100, 30))
    svg = figure._repr_svg_()
    assert svg.startswith("<svg") and "conv2d" in svg
    assert figure.save(tmp_path / "f.svg").read_text(encoding="utf-8") == svg
    png = figure.save(tmp_path / "f.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    with pytest.raises(stepcnn.figure.FigureError, match="unknown picture format"):
        figure.save(tmp_path / "f.gif")
