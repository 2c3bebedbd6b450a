"""``stepcnn code``: the generated scripts train the scenario and print what ``export`` prints.

The python style runs in an interpreter without site-packages (``-S -I``: no numpy); the numpy
style in this one. Sums run in another order than the engine's vectorised forms, so numbers
are compared with relative 1e-9 (see stepcnn.codegen.compare); keys, shapes, labels and
integers must be identical. The torch style runs in `make parity` (tests/codegen_parity.py).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_cases import random_kinds_toml, random_toml
from conftest import write_scenario

from stepcnn.cli import main
from stepcnn.codegen.compare import first_difference
from stepcnn.codegen.script import script
from stepcnn.io.export import write_export
from stepcnn.scenario.builtin import names
from stepcnn.timeline.load import load_scenario, parse_scenario
from stepcnn.timeline.training import TrainingRun

PYTHON_NO_SITE = [sys.executable, "-S", "-I"]


def exported(scenario, iterations: int | None) -> dict:
    import io

    buffer = io.StringIO()
    write_export(TrainingRun(scenario, iterations), buffer)
    return json.loads(buffer.getvalue())


def run_script(path: Path, style: str, *argv: str) -> str:
    command = PYTHON_NO_SITE if style == "python" else [sys.executable]
    done = subprocess.run(
        [*command, str(path), *argv], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_python_style_interpreter_has_no_numpy() -> None:
    done = subprocess.run([*PYTHON_NO_SITE, "-c", "import numpy"], capture_output=True, check=False)
    assert done.returncode != 0


def check_script(scenario, style: str, tmp_path: Path, iterations: int | None) -> None:
    path = tmp_path / f"{scenario.name}-{style}.py"
    path.write_text(script(scenario, style), encoding="utf-8")
    argv = ["--json"] + ([] if iterations is None else ["--iterations", str(iterations)])
    got = json.loads(run_script(path, style, *argv))
    expected = exported(scenario, iterations)
    assert first_difference(expected, got) is None


@pytest.mark.parametrize("style", ["python", "numpy"])
@pytest.mark.parametrize("name", names())
def test_every_builtin_scenario_script_prints_the_export(name: str, style: str, tmp_path) -> None:
    # Two iterations: the second starts from the first one's update (and its velocity).
    check_script(load_scenario(name), style, tmp_path, 2)


@pytest.mark.parametrize(
    ("argv", "wrong"),
    [
        (["--iterations"], "--iterations"),
        (["--iterations", "x"], "x"),
        (["--iterations", "0"], "0"),
        (["--iteration", "2"], "--iteration"),
        (["--json", "-j"], "-j"),
    ],
)
def test_a_script_refuses_what_it_does_not_take_in_one_line(
    argv: list[str], wrong: str, tmp_path
) -> None:
    # A typo such as --iteration must not train the scenario's own count silently, and a
    # missing number is no traceback: one line naming what was given, exit 2.
    path = tmp_path / "tour.py"
    path.write_text(script(load_scenario("tour"), "python"), encoding="utf-8")
    done = subprocess.run(
        [*PYTHON_NO_SITE, str(path), *argv], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "[--json] [--iterations N]" in done.stderr and f"got {wrong!r}" in done.stderr


@pytest.mark.parametrize("style", ["python", "numpy"])
def test_a_diverging_run_to_the_end_inf_and_nan_included(style: str, tmp_path) -> None:
    scenario = load_scenario("diverging")
    doc = exported(scenario, None)
    assert "NaN" in json.dumps(doc) and "Infinity" in json.dumps(doc)  # the case is what it claims
    check_script(scenario, style, tmp_path, None)


@pytest.mark.parametrize("style", ["python", "numpy"])
@pytest.mark.parametrize("seed", range(12))
def test_random_scenarios_scripts_print_the_export(seed: int, style: str, tmp_path) -> None:
    scenario = parse_scenario(random_toml(seed), name=f"random-{seed}")
    check_script(scenario, style, tmp_path, None)


@pytest.mark.parametrize("style", ["python", "numpy"])
@pytest.mark.parametrize("seed", range(8))
def test_random_scenarios_with_the_kinds_of_issue_20_print_the_export(
    seed: int, style: str, tmp_path
) -> None:
    """batchnorm2d (running statistics), dropout (the same mask), adaptive pooling, Adam and
    RMSprop (their state): the script's --json equals `stepcnn export`."""
    scenario = parse_scenario(random_kinds_toml(seed), name=f"kinds-{seed}")
    check_script(scenario, style, tmp_path, None)


def test_without_json_the_script_prints_each_iterations_loss(tmp_path) -> None:
    scenario = load_scenario("tour")
    path = tmp_path / "tour.py"
    path.write_text(script(scenario, "python"), encoding="utf-8")
    lines = run_script(path, "python").splitlines()
    losses = [it["loss"] for it in exported(scenario, None)["iterations"]]
    assert len(lines) == len(losses) == scenario.iterations
    for i, (line, loss) in enumerate(zip(lines, losses, strict=True)):
        head, value = line.rsplit(" ", 1)
        assert head == f"iteration {i + 1}: loss"  # counted from 1, as on the screen
        assert float(value) == pytest.approx(loss, rel=1e-9)


def test_the_python_script_is_readable_loops_naming_the_debuggers_operations() -> None:
    text = script(load_scenario("tour"), "python")
    assert "import numpy" not in text and "import torch" not in text
    for op in ("conv2d.forward", "conv2d.backward: dW[f] += g·patch", "maxpool2d.backward"):
        assert f"# {op}" in text
    assert "for n in range(n_batch):" in text
    # The exact initial parameters: the first filter's numbers as the engine holds them.
    w0 = load_scenario("tour").initial_params[0].weight
    assert repr(float(w0[0, 0, 0, 0])) in text


def test_code_command_writes_and_refuses_to_overwrite(tmp_path, capsys) -> None:
    target = tmp_path / "tour.py"
    assert main(["code", "tour", "-o", str(target)]) == 0
    assert "def conv2d_backward" in target.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["code", "tour", "-o", str(target), "--style", "numpy"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists" in err and "--force" in err
    assert main(["code", "tour", "-o", str(target), "--style", "numpy", "--force"]) == 0
    assert "import numpy as np" in target.read_text(encoding="utf-8")


def test_code_command_prints_to_stdout_and_refuses_an_unknown_style(capsys) -> None:
    assert main(["code", "hand-computable", "--style", "torch"]) == 0
    out = capsys.readouterr().out
    assert "nn.Sequential(" in out and "torch.optim.SGD(" in out
    assert "torch.set_default_dtype(torch.float64)" in out
    assert main(["code", "tour", "--style", "jax"]) == 2
    assert "--style" in capsys.readouterr().err


def test_code_of_a_bad_scenario_is_one_line_exit_2(tmp_path, capsys) -> None:
    path = write_scenario(tmp_path, 'title = "x"\nlearning_rate = -1\n', "bad.toml")
    assert main(["code", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "learning_rate" in err and "Traceback" not in err
