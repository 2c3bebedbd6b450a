"""``stepcnn exercise`` and ``stepcnn verify``: a learner's functions graded in their own process.

The correct learner file is the generated python-style code; each classic bug is a learner's
wrong function defined after it (the later definition wins), and must be reported with the
function, the element and the step where the debugger computes that element.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write_scenario

from stepcnn.cli import main
from stepcnn.codegen import kinds, losses, optim, prelude
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

# Covers the five classic bugs: conv2d with padding, relu, max-pool, a square linear layer
# (so a transposed weight has the right shape), two samples in a batch.
LESSON = """
title = "verify"
seed = 5
learning_rate = 0.1
loss = "cross_entropy"
batch_size = 2

[[samples]]
input = [[0.5, -1.0, 2.0, 0.0, 1.5], [1.0, 0.3, -0.7, 2.2, -1.1], [0.1, 0.9, -2.0, 0.4, 0.8],
         [-0.6, 1.7, 0.2, -0.3, 1.2], [0.7, -0.4, 1.1, 0.6, -1.5]]
label = 1

[[samples]]
input = [[1.0, 0.2, -0.5, 0.9, -1.2], [0.4, -1.6, 0.8, 0.3, 1.9], [-0.2, 0.6, 1.4, -0.9, 0.5],
         [1.3, -0.8, 0.1, 0.7, -0.4], [0.2, 1.0, -1.3, 0.5, 0.9]]
label = 0

[[layers]]
type = "conv2d"
out_channels = 2
kernel_size = 3
padding = 1

[[layers]]
type = "relu"

[[layers]]
type = "maxpool2d"
kernel_size = 2

[[layers]]
type = "flatten"

[[layers]]
type = "linear"
out_features = 8

[[layers]]
type = "relu"

[[layers]]
type = "linear"
out_features = 2
"""

MSE = """
title = "verify mse"
learning_rate = 0.1
loss = "mse"

[[samples]]
input = [[1.0, 2.0, 0.5], [0.0, -1.0, 1.5], [2.0, 0.5, -0.5]]
target = [[0.5, -0.2], [0.1, 0.3]]

[[layers]]
type = "conv2d"
out_channels = 1
kernel_size = 2
"""


def correct_source() -> str:
    parts = ["import math\n", prelude.PYTHON]
    parts += [kinds.kind(n).PYTHON for n in kinds.names()]
    parts += [losses.loss(n).PYTHON for n in losses.names()]
    return "\n".join([*parts, optim.PYTHON])


@pytest.fixture
def lesson(tmp_path: Path) -> str:
    return str(write_scenario(tmp_path, LESSON, "lesson.toml"))


def verify(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["verify", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def learner(tmp_path: Path, text: str, name: str = "my_cnn.py") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def line_of(out: str, function: str) -> str:
    found = [line for line in out.splitlines() if line.split()[:1] == [function]]
    assert found, out
    return found[0]


def test_a_correct_file_passes(capsys, tmp_path, lesson) -> None:
    code, out, _ = verify(capsys, learner(tmp_path, correct_source()), lesson)
    assert code == 0, out
    for fn in (
        "conv2d_forward",
        "conv2d_backward",
        "relu_backward",
        "maxpool2d_backward",
        "linear_backward",
        "softmax_cross_entropy",
        "sgd_update",
    ):
        assert line_of(out, fn).split()[1] == "ok"
    assert "0 wrong, 0 raised, 0 timed out, 0 over a limit, 0 not written" in out


def test_a_correct_file_passes_on_an_mse_scenario_and_the_default_tour(capsys, tmp_path) -> None:
    path = learner(tmp_path, correct_source())
    code, out, _ = verify(capsys, path, str(write_scenario(tmp_path, MSE, "mse.toml")))
    assert code == 0, out
    assert line_of(out, "mse").split()[1] == "ok"
    code, out, _ = verify(capsys, path)
    assert code == 0 and "with tour" in out


def numpy_source() -> str:
    return "import math\nimport numpy as np\n" + "\n".join(
        [kinds.kind(n).NUMPY for n in kinds.names()]
        + [losses.loss(n).NUMPY for n in losses.names()]
        + [optim.NUMPY]
    )


def test_a_correct_numpy_file_passes_with_numpy(capsys, tmp_path, lesson) -> None:
    source = numpy_source()
    code, out, _ = verify(capsys, learner(tmp_path, source), lesson, "--numpy")
    assert code == 0, out


def wrong_report(out: str, function: str) -> tuple[str, float, float, int]:
    """The reported cell, the expected and the learner's value, and the step."""
    assert line_of(out, function).split()[1] == "wrong", out
    m = re.search(
        rf"{function}\s+wrong \(layer \d+ \(\w+\)\):\n"
        r"\s+(\w+\[[\d, ]+\]): expected (\S+), got (\S+)\n"
        r"(?:\s+why: .*\n)?"  # the classic mistake, when it is one (test_verify_mistakes.py)
        r".*\n\s+stepcnn \S+ --step (\d+)",
        out,
    )
    assert m, out
    return m.group(1), float(m.group(2)), float(m.group(3)), int(m.group(4))


BUGS = {
    # dw[f] = g·patch instead of +=: only the last position's share is left.
    "overwrites dW": (
        "conv2d_backward",
        "dw[f][ch][i][j] += g * v",
        "dw[f][ch][i][j] = g * v",
        "dw",
    ),
    # Every cell of the window gets the gradient, not only the winner.
    "max-pool to every cell": (
        "maxpool2d_backward",
        "                    dx[n][c][at[0]][at[1]] += dout[n][c][r][s]",
        "                    for i in range(kh):\n"
        "                        for j in range(kw):\n"
        "                            dx[n][c][r * sh + i][s * sw + j] += dout[n][c][r][s]",
        "dx",
    ),
    # dx = dout · Wᵀ written with the weight transposed (w[i][o] for w[o][i]).
    "linear transpose": (
        "linear_backward",
        "dx[n][i] += g * w[o][i]",
        "dx[n][i] += g * w[i][o]",
        "dx",
    ),
    # dx cut out of the padded gradient at the corner instead of at the padding.
    "padding not removed": (
        "conv2d_backward",
        "                                if inside:\n"
        "                                    dx[n][ch][row][col] += g * w[f][ch][i][j]",
        "                                if 0 <= row + ph < h and 0 <= col + pw < wd:\n"
        "                                    dx[n][ch][row + ph][col + pw] += g * w[f][ch][i][j]",
        "dx",
    ),
    # ReLU gated on the sign of the gradient instead of the input.
    "relu on the gradient": (
        "relu_backward",
        "lambda g, v: 0.0 if v <= 0 else g",
        "lambda g, v: 0.0 if g <= 0 else g",
        "dx",
    ),
}


@pytest.mark.parametrize("bug", list(BUGS))
def test_a_classic_bug_is_caught_with_function_element_and_step(
    capsys, tmp_path, lesson, bug
) -> None:
    function, right, wrong, tensor = BUGS[bug]
    source = correct_source()
    assert source.count(right) == 1
    code, out, _ = verify(capsys, learner(tmp_path, source.replace(right, wrong)), lesson)
    assert code == 1
    cell, expected, got, k = wrong_report(out, function)
    assert cell.startswith(tensor + "[") and expected != pytest.approx(got, rel=1e-6)
    assert "1 wrong" in out
    others = [line for line in out.splitlines() if line.startswith("  ") and "wrong" in line]
    assert len(others) == 1  # only the planted function is reported wrong
    # The step named really is where the debugger writes that element.
    scenario = parse_scenario(LESSON)
    step = Timeline(TrainingRun(scenario))[k]
    index = [int(i) for i in cell[cell.index("[") + 1 : -1].split(",")]
    assert step.op == function.replace("_backward", ".backward")
    assert any(
        w.tensor.name == ("grad_input" if tensor == "dx" else "grad_weight") for w in step.writes
    )
    if tensor == "dw":
        assert step.index[1] == index[0]  # a step of the same filter
    del index


def test_padding_left_on_dx_names_the_shape(capsys, tmp_path, lesson) -> None:
    source = correct_source()
    right = (
        "    dx = zeros((n_batch, channels, h, wd))\n    dw = zeros((filters, channels, kh, kw))"
    )
    assert source.count(right) == 1
    wrong = source.replace(right, right.replace("h, wd))", "h + 2 * ph, wd + 2 * pw))"))
    wrong = wrong.replace("dx[n][ch][row][col] += g", "dx[n][ch][row + ph][col + pw] += g")
    code, out, _ = verify(capsys, learner(tmp_path, wrong), lesson)
    assert code == 1
    assert "dx has shape 2×1×7×7; expected 2×1×5×5" in out


def test_a_fresh_exercise_skeleton_is_not_written_yet(capsys, tmp_path, lesson) -> None:
    target = tmp_path / "my_cnn.py"
    assert main(["exercise", lesson, "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert f"stepcnn verify my_cnn.py {lesson}" in text
    assert text.count("\n    raise NotImplementedError\n") == len(
        re.findall(r"^def (?!zeros|elementwise|flat|reshape_like)", text, re.M)
    )
    for fn in (
        "conv2d_forward(x, w, b, stride, padding)",
        "linear_backward(dout, x, w)",
        "avgpool2d_backward(dout, x, kernel, stride)",
        "leaky_relu_forward(x, negative_slope)",
        "softmax_cross_entropy(scores, labels)",
        "mse(out, target)",
        "sgd_update(w, dw, lr)",
    ):
        assert f"def {fn}:" in text
    done = subprocess.run(
        [sys.executable, "-S", "-I", str(target)], capture_output=True, check=False
    )
    assert done.returncode == 0  # it imports without numpy
    capsys.readouterr()
    code, out, _ = verify(capsys, str(target), lesson)
    assert code == 1 and "0 ok" in out
    todo = next(line for line in out.splitlines() if line.startswith("not written yet"))
    assert "conv2d_forward, conv2d_backward, relu_forward" in todo
    # Refuses to overwrite the learner's work.
    assert main(["exercise", lesson, "-o", str(target)]) == 2
    assert "exists" in capsys.readouterr().err


def test_only_written_functions_are_graded(capsys, tmp_path, lesson) -> None:
    source = "import math\n" + prelude.PYTHON + kinds.kind("relu").PYTHON
    code, out, _ = verify(capsys, learner(tmp_path, source), lesson)
    assert code == 0, out
    assert line_of(out, "relu_forward").split()[1] == "ok"
    assert "conv2d_forward" not in out


def test_a_module_raising_on_import_shows_the_learners_traceback(capsys, tmp_path, lesson) -> None:
    path = learner(tmp_path, "import math\n\n\ndef helper():\n    return 1 / 0\n\n\nhelper()\n")
    code, out, _ = verify(capsys, path, lesson)
    assert code == 1
    assert "ZeroDivisionError" in out and 'my_cnn.py", line 5, in helper' in out
    assert (
        "verify_child" not in out
        and "importlib" not in out
        and "stepcnn" not in out.split("\n", 1)[1]
    )


def test_a_function_raising_shows_its_traceback(capsys, tmp_path, lesson) -> None:
    source = correct_source() + "\n\ndef relu_forward(x):\n    return x[99]\n"
    code, out, _ = verify(capsys, learner(tmp_path, source), lesson)
    assert code == 1
    assert "raises" in line_of(out, "relu_forward") and "IndexError" in out
    assert "in relu_forward" in out and "verify_child" not in out
    assert line_of(out, "relu_backward").split()[1] == "ok"  # the others still graded


def test_a_syntax_error_names_the_line(capsys, tmp_path, lesson) -> None:
    path = learner(tmp_path, "import math\n\n\ndef relu_forward(x)\n    return x\n")
    code, out, _ = verify(capsys, path, lesson)
    assert code == 1
    assert "my_cnn.py: line 4: syntax error" in out


def test_an_endless_loop_ends_within_the_time_limit(capsys, tmp_path, lesson) -> None:
    source = correct_source() + "\n\ndef relu_forward(x):\n    while True:\n        pass\n"
    start = time.monotonic()
    code, out, _ = verify(capsys, learner(tmp_path, source), lesson, "--timeout", "1")
    elapsed = time.monotonic() - start
    assert code == 1 and elapsed < 8
    assert "timed out" in line_of(out, "relu_forward")
    assert line_of(out, "relu_backward").split()[1] == "ok"  # a new process for the rest


def test_an_endless_loop_on_import_ends_within_the_time_limit(capsys, tmp_path, lesson) -> None:
    start = time.monotonic()
    code, out, _ = verify(
        capsys, learner(tmp_path, "while True:\n    pass\n"), lesson, "--timeout", "1"
    )
    assert code == 1 and time.monotonic() - start < 6
    assert "did not finish within 1 s" in out


def test_the_learners_prints_do_not_disturb_the_grading(capsys, tmp_path, lesson) -> None:
    source = correct_source().replace(
        "def relu_forward(x):\n", "def relu_forward(x):\n    print('debugging', len(x))\n", 1
    )
    code, out, _ = verify(capsys, learner(tmp_path, source), lesson)
    assert code == 0, out
    assert "debugging 2" in out


def test_usage_problems_exit_2(capsys, tmp_path, lesson) -> None:
    code, _, err = verify(capsys, str(tmp_path / "missing.py"), lesson)
    assert code == 2 and "missing.py: no such file" in err and err.count("\n") == 1
    path = learner(tmp_path, correct_source())
    code, _, err = verify(capsys, path, "no-such-scenario")
    assert code == 2 and "Traceback" not in err
    code, _, err = verify(capsys, path, lesson, "--timeout", "0")
    assert code == 2 and "--timeout" in err


def test_a_learner_reading_stdin_or_returning_arrays_is_graded(capsys, tmp_path, lesson) -> None:
    source = correct_source() + (
        "\n\nimport sys\n\n\n_relu = relu_forward\n\n\n"
        "def relu_forward(x):\n"
        "    sys.stdin.read()  # reads nothing: the grader's requests are not on stdin\n"
        "    import numpy\n"
        "    return numpy.array(_relu(x))\n"
    )
    code, out, _ = verify(capsys, learner(tmp_path, source), lesson)
    assert code == 0, out
    assert line_of(out, "relu_forward").split()[1] == "ok"


def test_a_file_defining_none_of_the_functions_fails_saying_which_are_graded(
    capsys, tmp_path, lesson
) -> None:
    code, out, _ = verify(capsys, learner(tmp_path, "def conv(x):\n    return x\n"), lesson)
    assert code == 1
    assert "defines none of the graded functions: " in out and "conv2d_backward" in out
