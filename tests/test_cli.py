"""The ``stepcnn`` command line: in-process with capsys, plus a few real subprocesses.

Every error is one line per problem on stderr with exit status 2, never a traceback.
"""

import json
import math
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import write_scenario

from stepcnn.cli import main
from stepcnn.scenario.builtin import directory

# The first tour of the library, frozen here: the tests know its shapes and numbers.
MINI = """
title = "A small tour"
seed = 1
learning_rate = 0.1
loss = "cross_entropy"
iterations = 3
batch_size = 1

[[samples]]
input = [
  [0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0],
]
label = 1

[[samples]]
input = [
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1],
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
]
label = 0

[[layers]]
type = "conv2d"
out_channels = 2
kernel_size = 3

[[layers]]
type = "relu"

[[layers]]
type = "maxpool2d"
kernel_size = 2

[[layers]]
type = "flatten"

[[layers]]
type = "linear"
out_features = 2
"""


@pytest.fixture
def mini(tmp_path: Path, monkeypatch) -> str:
    """MINI as ``mini.toml`` in the current directory (tmp_path)."""
    write_scenario(tmp_path, MINI, "mini.toml")
    monkeypatch.chdir(tmp_path)
    return "mini.toml"


# A network small enough to follow by hand (see test_export_numbers_by_hand).
HAND = """
title = "by hand"
learning_rate = 0.5
loss = "cross_entropy"
iterations = 2

[[samples]]
input = [[1, 2], [3, 4]]
label = 1

[[layers]]
type = "conv2d"
out_channels = 1
kernel_size = 1
weight = [[[[2]]]]
bias = [1]

[[layers]]
type = "flatten"

[[layers]]
type = "linear"
out_features = 2
weight = [[1, 0, 0, 0], [0, 0, 0, 1]]
bias = [0, 0]
"""

# Two problems: a pool window too big for its input (layers[1]) and an unknown key. (Label 7
# cannot be judged: with a broken layer the number of classes is unknown.)
EDGE = """
title = "edge"
learning_rate = 0.1
loss = "cross_entropy"
batch_sise = 2

[[samples]]
input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
label = 7

[[layers]]
type = "conv2d"
out_channels = 1
kernel_size = 2

[[layers]]
type = "maxpool2d"
kernel_size = 5

[[layers]]
type = "flatten"

[[layers]]
type = "linear"
out_features = 2
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(
        [sys.executable, "-m", "stepcnn", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_error(code: int, out: str, err: str, *words: str) -> str:
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]
    return lines[0]


# ---- list --------------------------------------------------------------------------------


def test_list_shows_every_builtin_with_its_title(capsys) -> None:
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    rows = {line.split()[0]: line.split(None, 1)[1].strip() for line in out.splitlines()}
    expected = {}
    for path in directory().glob("*.toml"):
        expected[path.stem] = tomllib.loads(path.read_text(encoding="utf-8"))["title"]
    assert rows == expected
    assert "tour" in rows


# ---- check -------------------------------------------------------------------------------


def test_check_prints_shapes_parameters_and_steps(capsys, mini: str) -> None:
    code, out, err = run(capsys, "check", mini)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "mini.toml: A small tour"
    # mini: 1×6×6 → conv 3×3, 2 maps → 2×4×4 → relu → pool 2 → 2×2×2 → flatten 8 → linear 2.
    assert any("conv2d     1×6×6 → 2×4×4" in line for line in lines)
    assert any("relu       2×4×4 → 2×4×4" in line for line in lines)
    assert any("maxpool2d  2×4×4 → 2×2×2" in line for line in lines)
    assert any("flatten    2×2×2 → 8" in line for line in lines)
    assert any("linear     8 → 2" in line for line in lines)
    # conv: 2·1·3·3 + 2 = 20; linear: 2·8 + 2 = 18; 38 in all.
    conv_line = next(line for line in lines if "conv2d" in line)
    assert conv_line.endswith("20 parameters")
    assert "parameters: 38" in lines
    assert lines[-1] == "ok"
    steps_line = next(line for line in lines if line.startswith("steps per iteration: "))
    per_iteration = int(steps_line.split(": ")[1].split()[0])
    # The same number of steps as `trace` prints for one iteration.
    code, trace, _ = run(capsys, "trace", mini, "--iterations", "1")
    assert code == 0
    assert len(trace.splitlines()) == per_iteration
    # 3 iterations in the file.
    assert f"{per_iteration * 3} steps in all" in out


def test_check_writes_every_large_number_one_way(capsys) -> None:
    # "2,416 parameters" on a layer's line: the totals too, not "61706" and "3520140 steps".
    code, out, _ = run(capsys, "check", "lenet5")
    assert code == 0
    counts = "\n".join(line for line in out.splitlines() if not line.startswith("credit:"))
    assert re.findall(r"\d{4,}", counts) == [], counts
    assert "parameters: 61,706" in counts
    assert "steps per iteration: 58,669 (forward 29,208, backward 29,225, update 236)" in counts
    assert "3,520,140 steps in all" in counts


def test_check_a_bad_file_reports_every_problem_on_its_own_line(
    capsys, tmp_path: Path, monkeypatch
) -> None:
    write_scenario(tmp_path, EDGE, "edge.toml")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", "edge.toml")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert "Traceback" not in err
    assert all(line.startswith("edge.toml: ") for line in lines), lines
    assert any(line.startswith("edge.toml: layers[1].kernel_size: ") for line in lines), lines
    assert any(line.startswith("edge.toml: batch_sise: unknown key") for line in lines), lines
    assert len(lines) == 2


def test_check_files_that_cannot_be_read(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bytes.toml"
    bad.write_bytes(b"title = \xff\n")
    assert_one_line_error(*run(capsys, "check", str(bad)), f"{bad}: ", "UTF-8")
    assert_one_line_error(*run(capsys, "check", str(tmp_path)), "is a directory")
    missing = tmp_path / "missing.toml"
    assert_one_line_error(*run(capsys, "check", str(missing)), f"{missing}: file not found")
    broken = write_scenario(tmp_path, "title = \n", "broken.toml")
    assert_one_line_error(*run(capsys, "check", str(broken)), "invalid TOML")


def test_check_an_unknown_builtin_suggests_one(capsys) -> None:
    line = assert_one_line_error(*run(capsys, "check", "tuor"))
    assert line.startswith("tuor: ") and 'did you mean "tour"?' in line


# ---- export ------------------------------------------------------------------------------

PARAM_KEYS = {"weight", "bias", "grad_weight", "grad_bias", "weight_after", "bias_after"}
BASE_KEYS = {"index", "type", "input", "output", "grad_output", "grad_input"}
# The mini scenario's layers, as its TOML gives them (defaults filled in by hand).
GEOMETRY: dict[str, dict[str, object]] = {
    "conv2d": {
        "in_channels": 1,
        "out_channels": 2,
        "kernel_size": [3, 3],
        "stride": [1, 1],
        "padding": [0, 0],
    },
    "relu": {},
    "maxpool2d": {"kernel_size": [2, 2], "stride": [2, 2]},
    "flatten": {},
    "linear": {"in_features": 8, "out_features": 2},
}


def export(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, "export", *argv)
    assert code == 0 and err == ""
    return json.loads(out)


def test_export_contract(capsys, mini: str) -> None:
    doc = export(capsys, mini)
    assert set(doc) == {"scenario", "loss", "batch_size", "optimizer", "iterations"}
    assert doc["scenario"] == "mini"
    assert doc["loss"] == "cross_entropy" and doc["batch_size"] == 1
    assert doc["optimizer"] == {
        "type": "sgd",
        "learning_rate": 0.1,
        "momentum": 0.0,
        "weight_decay": 0.0,
    }
    assert [it["iteration"] for it in doc["iterations"]] == [1, 2, 3]  # counted from 1
    # Batch 1 over 2 samples: (i·1 + 0) mod 2.
    assert [it["samples"] for it in doc["iterations"]] == [[0], [1], [0]]
    for it in doc["iterations"]:
        assert set(it) == {"iteration", "samples", "labels", "loss", "layers"}
        assert it["labels"] == [[1, 0][s] for s in it["samples"]]
        assert [layer["index"] for layer in it["layers"]] == [0, 1, 2, 3, 4]
        assert isinstance(it["loss"], float) and it["loss"] > 0
        types = [layer["type"] for layer in it["layers"]]
        assert types == ["conv2d", "relu", "maxpool2d", "flatten", "linear"]
        for layer in it["layers"]:
            has_params = layer["type"] in ("conv2d", "linear")
            keys = BASE_KEYS | GEOMETRY[layer["type"]].keys()
            assert set(layer) == (keys | PARAM_KEYS if has_params else keys)
            assert {k: layer[k] for k in GEOMETRY[layer["type"]]} == GEOMETRY[layer["type"]]
        conv, linear = it["layers"][0], it["layers"][4]
        assert _shape(conv["input"]) == [1, 1, 6, 6]
        assert _shape(conv["output"]) == [1, 2, 4, 4]
        assert _shape(conv["weight"]) == [2, 1, 3, 3] and _shape(conv["bias"]) == [2]
        assert _shape(linear["weight"]) == [2, 8] and _shape(linear["output"]) == [1, 2]
        # One layer's output is the next one's input; gradients chain the other way.
        for a, b in zip(it["layers"], it["layers"][1:], strict=False):
            assert a["output"] == b["input"]
            assert a["grad_output"] == b["grad_input"]
    # weight_after of iteration i is the weight of iteration i + 1.
    for it, nxt in zip(doc["iterations"], doc["iterations"][1:], strict=False):
        for k in (0, 4):
            assert it["layers"][k]["weight_after"] == nxt["layers"][k]["weight"]
            assert it["layers"][k]["bias_after"] == nxt["layers"][k]["bias"]


def _shape(nested: object) -> list[int]:
    shape = []
    while isinstance(nested, list):
        shape.append(len(nested))
        nested = nested[0]
    return shape


def test_export_layers_option_keeps_only_those_layers(capsys, mini: str) -> None:
    doc = export(capsys, mini, "--layers", "4,0", "-n", "2")
    for it in doc["iterations"]:
        assert [(layer["index"], layer["type"]) for layer in it["layers"]] == [
            (0, "conv2d"),
            (4, "linear"),
        ]
    full = export(capsys, mini, "-n", "2")
    assert doc["iterations"][1]["layers"][1] == full["iterations"][1]["layers"][4]


@pytest.mark.parametrize("value", ["5", "x", "0,,1", ""])
def test_export_layers_option_refuses_what_is_not_a_layer(capsys, mini: str, value: str) -> None:
    code, out, err = run(capsys, "export", mini, "--layers", value)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--layers" in err


def test_export_iterations_option(capsys, mini: str) -> None:
    doc = export(capsys, mini, "--iterations", "5")
    assert [it["samples"] for it in doc["iterations"]] == [[0], [1], [0], [1], [0]]
    assert len(export(capsys, mini, "-n", "1")["iterations"]) == 1


def close(actual: object, expected: object) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, float), np.asarray(expected, float), rtol=1e-12, atol=1e-15
    )


def test_export_numbers_by_hand(capsys, tmp_path: Path) -> None:
    path = write_scenario(tmp_path, HAND, "hand.toml")
    doc = export(capsys, str(path))
    assert doc["scenario"] == "hand"
    conv, flatten, linear = doc["iterations"][0]["layers"]
    # conv 1×1, w = 2, b = 1: out = 2x + 1 = [[3, 5], [7, 9]]; flatten → [3, 5, 7, 9].
    assert conv["output"] == [[[[3.0, 5.0], [7.0, 9.0]]]]
    assert flatten["output"] == [[3.0, 5.0, 7.0, 9.0]]
    # linear rows pick features 0 and 3: scores [3, 9]. Label 1:
    #   loss = −log(e⁹ / (e³ + e⁹)) = log(1 + e⁻⁶);  s = softmax[0] = 1 / (1 + e⁶).
    assert linear["output"] == [[3.0, 9.0]]
    s = 1 / (1 + math.exp(6))
    close(doc["iterations"][0]["loss"], math.log1p(math.exp(-6)))
    # dL/dscores = p − onehot = [s, −s]
    close(linear["grad_output"], [[s, -s]])
    # dW = gᵀ·x: rows s·[3, 5, 7, 9] and −s·[3, 5, 7, 9]; db = [s, −s]; dx = g·W = [s, 0, 0, −s]
    close(linear["grad_weight"], [[3 * s, 5 * s, 7 * s, 9 * s], [-3 * s, -5 * s, -7 * s, -9 * s]])
    close(linear["grad_bias"], [s, -s])
    close(linear["grad_input"], [[s, 0, 0, -s]])
    # SGD with lr 0.5: W ← W − 0.5·dW.
    close(
        linear["weight_after"],
        [[1 - 1.5 * s, -2.5 * s, -3.5 * s, -4.5 * s], [1.5 * s, 2.5 * s, 3.5 * s, 1 + 4.5 * s]],
    )
    close(linear["bias_after"], [-0.5 * s, 0.5 * s])
    # Unflattened: [[s, 0], [0, −s]]. conv: dW = Σ g·x = s·1 − s·4 = −3s; db = s − s = 0;
    #   dx = g·w = [[2s, 0], [0, −2s]]; w ← 2 − 0.5·(−3s) = 2 + 1.5s, b stays 1.
    close(flatten["grad_input"], [[[[s, 0], [0, -s]]]])
    close(conv["grad_weight"], [[[[-3 * s]]]])
    close(conv["grad_bias"], [0.0])
    close(conv["grad_input"], [[[[2 * s, 0], [0, -2 * s]]]])
    close(conv["weight_after"], [[[[2 + 1.5 * s]]]])
    close(conv["bias_after"], [1.0])
    second = doc["iterations"][1]["layers"]
    assert second[0]["weight"] == conv["weight_after"]
    assert second[2]["weight"] == linear["weight_after"]


def test_export_of_a_diverging_run_writes_non_finite_numbers(capsys, tmp_path: Path) -> None:
    text = HAND.replace("learning_rate = 0.5", "learning_rate = 1e300").replace(
        "iterations = 2", "iterations = 4"
    )
    doc = export(capsys, str(write_scenario(tmp_path, text, "wild.toml")))
    weights = [it["layers"][0]["weight_after"][0][0][0][0] for it in doc["iterations"]]
    assert not all(math.isfinite(w) for w in weights)


# ---- trace -------------------------------------------------------------------------------

TRACE_FIELDS = {"line", "step", "iteration", "phase", "layer", "op", "index", "value", "equation"}


def trace(capsys, *argv: str) -> list[dict]:
    code, out, err = run(capsys, "trace", *argv)
    assert code == 0 and err == ""
    return [json.loads(line) for line in out.splitlines()]


def test_trace_jsonl_fields_and_step_numbers(capsys, mini: str) -> None:
    records = trace(capsys, mini, "-n", "2")
    assert records
    for i, r in enumerate(records):
        assert set(r) >= TRACE_FIELDS
        assert r["step"] == r["line"] == i + 1  # unfiltered: the line is the step, from 1
        assert r["phase"] in ("forward", "backward", "update")
        assert r["layer"] is None or 0 <= r["layer"] < 5
        assert isinstance(r["index"], list) and isinstance(r["equation"], str)
        assert r["value"] is None or isinstance(r["value"], float)
    assert {r["iteration"] for r in records} == {1, 2}
    # Forward first, then backward, then the update, within an iteration.
    phases = [r["phase"] for r in records if r["iteration"] == 1]
    assert phases == sorted(phases, key=["forward", "backward", "update"].index)


def test_trace_filters_count_the_printed_lines(capsys, mini: str) -> None:
    everything = trace(capsys, mini)
    updates = trace(capsys, mini, "--phase", "update")
    assert [r["line"] for r in updates] == list(range(1, len(updates) + 1))
    assert {r["phase"] for r in updates} == {"update"}
    # The filtered lines are exactly the update lines of the full trace, the same step
    # numbers, the lines renumbered.
    expected = [dict(r, line=None) for r in everything if r["phase"] == "update"]
    assert [dict(r, line=None) for r in updates] == expected
    # Only layers with parameters are updated: conv2d (0) and linear (4).
    assert {r["layer"] for r in updates} == {0, 4}

    loss_steps = trace(capsys, mini, "--layer", "loss")
    assert loss_steps and all(r["layer"] is None for r in loss_steps)
    assert [r["line"] for r in loss_steps] == list(range(1, len(loss_steps) + 1))


def test_trace_conv_forward_values_are_the_exported_outputs(capsys, mini: str) -> None:
    records = trace(capsys, mini, "-n", "1", "--layer", "0", "--phase", "forward")
    output = export(capsys, mini, "-n", "1")["iterations"][0]["layers"][0]["output"]
    # One step per element of the 1×2×4×4 conv output (batch 1, 2 maps of 4×4).
    assert len(records) == 32
    assert {r["op"] for r in records} == {"conv2d.forward"}
    for r in records:
        n, f, row, col = r["index"]
        assert r["value"] == pytest.approx(output[n][f][row][col], rel=1e-12)


def test_trace_text_format(capsys, mini: str) -> None:
    jsonl = trace(capsys, mini, "-n", "1", "--layer", "4")
    code, out, err = run(capsys, "trace", mini, "-n", "1", "--layer", "4", "--format", "text")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(jsonl)
    for line, record in zip(lines, jsonl, strict=True):
        assert not line.lstrip().startswith("{")
        assert record["op"] in line
        assert line.split()[0] == str(record["step"])


def test_trace_of_a_diverging_run_is_quiet(capsys, tmp_path: Path) -> None:
    text = HAND.replace("learning_rate = 0.5", "learning_rate = 1e300").replace(
        "iterations = 2", "iterations = 4"
    )
    path = write_scenario(tmp_path, text, "wild.toml")
    # RuntimeWarnings from stepcnn are errors in this suite: none may escape to stderr.
    records = trace(capsys, str(path))
    values = [r["value"] for r in records if r["value"] is not None]
    assert not all(math.isfinite(v) for v in values)


def test_trace_from_the_last_line_and_beyond(capsys, mini: str) -> None:
    everything = trace(capsys, mini)
    updates = trace(capsys, mini, "--phase", "update")
    # The last line is a window of one, numbered as in the whole trace.
    assert trace(capsys, mini, "--from", str(len(everything))) == everything[-1:]
    assert trace(capsys, mini, "--phase", "update", "--from", str(len(updates))) == updates[-1:]
    # Past the end is a mistake (a step number for a filtered line?), said in one line.
    for argv, lines in (([], len(everything)), (["--phase", "update"], len(updates))):
        line = assert_one_line_error(
            *run(capsys, "trace", mini, *argv, "--from", str(lines + 1), "--count", "3"),
            "--from",
            f"{lines} lines",
        )
        assert str(lines + 1) in line


@pytest.mark.parametrize("layer", ["5", "-1", "abc", "1.0"])
def test_trace_bad_layer_filter(capsys, mini: str, layer: str) -> None:
    assert_one_line_error(*run(capsys, "trace", mini, "--layer", layer), "--layer")


# ---- new ---------------------------------------------------------------------------------


def test_new_writes_a_template_that_passes_check(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "new", "lesson")
    assert code == 0 and err == ""
    assert "lesson.toml" in out
    path = tmp_path / "lesson.toml"
    original = path.read_text(encoding="utf-8")
    code, out, err = run(capsys, "check", "lesson.toml")
    assert code == 0 and err == "" and out.splitlines()[-1] == "ok"
    assert out.startswith("lesson.toml: lesson\n")

    # Refuses to overwrite without --force, and leaves the file alone.
    path.write_text(original + "\n# my edits\n", encoding="utf-8")
    line = assert_one_line_error(*run(capsys, "new", "lesson"), "lesson.toml", "--force")
    assert "exists" in line
    assert path.read_text(encoding="utf-8").endswith("# my edits\n")
    # NAME.toml names the same file.
    assert_one_line_error(*run(capsys, "new", "lesson.toml"), "exists")

    code, _, err = run(capsys, "new", "lesson", "--force")
    assert code == 0 and err == ""
    assert path.read_text(encoding="utf-8") == original


def test_new_with_an_awkward_name_still_passes_check(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = 'say "hi" \\ there'
    code, _, err = run(capsys, "new", name)
    assert code == 0 and err == ""
    code, out, err = run(capsys, "check", f"{name}.toml")
    assert code == 0 and err == ""
    assert out.startswith(f"{name}.toml: {name}\n")


def test_new_into_a_missing_directory(capsys, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "x"
    assert_one_line_error(*run(capsys, "new", str(target)), "cannot write")


# ---- usage errors and help ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["frobnicate"], ["frobnicate: ", "no such file or built-in scenario"]),
        (["--bogus"], ["--bogus"]),
        (["check", "tour", "--bogus"], ["--bogus"]),
        (["check"], ["SCENARIO"]),
        (["list", "extra"], ["extra"]),
        (["new"], ["NAME"]),
        (["trace", "tour", "--phase", "sideways"], ["--phase", "sideways"]),
        (["trace", "tour", "--format", "xml"], ["--format"]),
        (["export", "tour", "-n", "0"], ["--iterations", "positive"]),
        (["export", "tour", "-n", "two"], ["--iterations"]),
        (["export", "tour", "-n", "100001"], ["--iterations", "100,000"]),
        (["trace", "tour", "--iterations", "-3"], ["--iterations"]),
        (["tour", "--iterations", "0"], ["--iterations", "positive"]),
        (["tour", "--iterations", "-1"], ["--iterations", "positive"]),
        (["tour", "--iterations", "999999999"], ["--iterations", "at most 100,000"]),
        (["tour", "--theme", "nonsense"], ["--theme", "'nonsense'", "textual-light"]),
        (["tour", "--step", "0"], ["--step", "positive"]),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(capsys, argv: list[str], words: list[str]) -> None:
    assert_one_line_error(*run(capsys, *argv), *words)


def test_a_long_run_is_not_refused_for_its_length(capsys, tmp_path: Path) -> None:
    # A 1×50×50 input through 16 maps of 48×48: ~1 MiB of tensors per iteration. 100,000
    # iterations once needed ~100 GiB of history; training now keeps checkpoints and a few
    # recent iterations, so the memory limit is on one iteration, and this run is accepted.
    row = "[" + ", ".join(["1"] * 50) + "]"
    image = "[" + ", ".join([row] * 50) + "]"
    text = (
        'title = "big"\nlearning_rate = 0.1\nloss = "cross_entropy"\niterations = 100000\n'
        f"[[samples]]\ninput = {image}\nlabel = 0\n"
        '[[layers]]\ntype = "conv2d"\nout_channels = 16\nkernel_size = 3\n'
        '[[layers]]\ntype = "flatten"\n[[layers]]\ntype = "linear"\nout_features = 2\n'
    )
    path = write_scenario(tmp_path, text, "big.toml")
    code, out, err = run(capsys, "check", str(path))
    assert (code, err) == (0, "") and "100000 iterations" not in err
    assert "iterations: 100,000" in out


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ([], "--watch"),
        (["list"], "--help"),
        (["check"], "SCENARIO"),
        (["export"], "--iterations"),
        (["trace"], "--phase"),
        (["new"], "--force"),
    ],
)
def test_every_command_has_help(capsys, command: list[str], option: str) -> None:
    assert main([*command, "--help"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("usage: stepcnn" + (f" {command[0]}" if command else ""))
    assert option in out


def test_figure_help_names_every_view(capsys) -> None:
    from stepcnn.api.figure import view_names

    assert main(["figure", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    for name in view_names():
        assert name in text.split("--view NAME")[-1].split("-o FILE", 1)[0], name


def test_version(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "stepcnn 0.1.0"


# ---- real processes: exit codes, no tracebacks -------------------------------------------


def test_process_check_ok_and_bad(tmp_path: Path) -> None:
    ok = run_process("check", "tour", cwd=tmp_path)
    assert ok.returncode == 0 and ok.stderr == ""
    assert ok.stdout.splitlines()[-1] == "ok"
    write_scenario(tmp_path, EDGE, "edge.toml")
    bad = run_process("check", "edge.toml", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()
    assert all(line.startswith("edge.toml: ") for line in bad.stderr.splitlines())


@pytest.mark.parametrize(
    "argv", [["frobnicate"], ["export", "tour", "--bogus"], ["check", "/nonexistent/x.toml"]]
)
def test_process_usage_errors(tmp_path: Path, argv: list[str]) -> None:
    result = run_process(*argv, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_process_help_exits_0(tmp_path: Path) -> None:
    result = run_process("trace", "--help", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: stepcnn trace")


def test_process_trace_into_a_closed_pipe_has_no_traceback(tmp_path: Path) -> None:
    # `stepcnn trace tour -n 50 | head -1`: megabytes of output, the reader leaves after a line.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stepcnn", "trace", "tour", "-n", "50"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    try:
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert json.loads(first)["step"] == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert stderr == ""
    assert code == 0


def test_odd_arguments_are_one_line_errors(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for argv in (["check", ""], ["trace", "tour", "--layer", "²"], ["new", ""], ["new", ".x"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_too_many_layers_is_refused(capsys, tmp_path: Path) -> None:
    text = 'title = "t"\nlearning_rate = 0.1\nloss = "mse"\n[[samples]]\ninput = [[1.0]]\n'
    text += "target = [[1.0]]\n" + '[[layers]]\ntype = "relu"\n' * 1001
    path = tmp_path / "deep.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert "layers: has 1,001 layers; the limit is 1,000" in capsys.readouterr().err


# ---- --step: the step the debugger opens at ----------------------------------------------


def test_step_opens_the_debugger_at_that_step_numbered_as_on_the_screen(
    capsys, monkeypatch
) -> None:
    opened = []
    monkeypatch.setattr(
        "stepcnn.tui.app.run_app",
        lambda session, ref, **_: opened.append((session.k, session.step.op)) or 0,
    )
    assert run(capsys, "hand-computable", "--step", "20")[0] == 0
    assert run(capsys, "hand-computable", "--step", "1")[0] == 0
    # hand-computable: 9 conv2d steps, 9 mse steps, the mean; step 20 is the first backward one.
    assert opened == [(19, "mse.backward"), (0, "conv2d.forward")]


@pytest.mark.parametrize(
    ("value", "words"), [("0", "positive integer"), ("77", "76 steps (1–76), got 77"), ("x", "'x'")]
)
def test_a_step_outside_the_run_is_one_line_and_exit_2(capsys, value: str, words: str) -> None:
    code, out, err = run(capsys, "hand-computable", "--step", value)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "--step" in err and words in err


def test_export_carries_the_velocity_with_momentum(capsys) -> None:
    doc = export(capsys, "lenet5", "-n", "2", "--layers", "0,1")
    assert doc["optimizer"]["momentum"] == 0.9
    (it0, it1) = doc["iterations"]
    assert "velocity" not in it0["layers"][1]  # tanh: no parameters
    eta, mu = doc["optimizer"]["learning_rate"], doc["optimizer"]["momentum"]
    c0, c1 = it0["layers"][0], it1["layers"][0]
    for p, grad in (("weight", "grad_weight"), ("bias", "grad_bias")):
        v0 = np.array(c0["velocity"][p])
        np.testing.assert_allclose(v0, np.array(c0[grad]), rtol=1e-12)  # v = g at first
        v1 = np.array(c1["velocity"][p])
        np.testing.assert_allclose(v1, mu * v0 + np.array(c1[grad]), rtol=1e-12, atol=1e-15)
        after = np.array(c1[p]) - eta * v1
        np.testing.assert_allclose(np.array(c1[f"{p}_after"]), after, rtol=1e-12, atol=1e-15)
    assert "velocity" not in export(capsys, "tour", "-n", "1")["iterations"][0]["layers"][0]
