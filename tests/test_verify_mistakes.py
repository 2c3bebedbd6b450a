"""``stepcnn verify`` says why, not only where: each classic mistake, planted in the correct
file by one edit, is named in one line (``why: …``) between the wrong element and the step
that computes it; a correct file, and a wrong one that is none of them, get no ``why``.
"""

import re

import pytest
from conftest import write_scenario
from test_verify import BUGS, LESSON, MSE, correct_source, learner

from stepcnn.cli import main

# name: (function, the correct line(s), the mistaken ones, what the report must say)
MISTAKES = {
    "overwrite instead of accumulate": (
        "conv2d_backward",
        "dw[f][ch][i][j] += g * v",
        "dw[f][ch][i][j] = g * v",
        "dW overwritten instead of accumulated: it equals the last position's g·patch alone",
    ),
    "overwrite inside the image only (the README's slip)": (
        "conv2d_backward",
        "                                dw[f][ch][i][j] += g * v\n"
        "                                if inside:\n",
        "                                if inside:\n"
        "                                    dw[f][ch][i][j] = g * v\n",
        "dW overwritten instead of accumulated",
    ),
    "db overwritten": (
        "conv2d_backward",
        "                    db[f] += g\n",
        "                    db[f] = g\n",
        "db overwritten instead of accumulated: it equals the last position's g alone",
    ),
    "linear dW overwritten": (
        "linear_backward",
        "dw[o][i] += g * x[n][i]",
        "dw[o][i] = g * x[n][i]",
        "dW overwritten instead of accumulated: it equals the last sample's g·x alone",
    ),
    "transposed filter": (
        "conv2d_forward",
        "total += v * w[f][ch][i][j]",
        "total += v * w[f][ch][j][i]",
        "filter transposed: your out equals the right one computed with W[f] transposed",
    ),
    "flipped filter in dx": (
        "conv2d_backward",
        "dx[n][ch][row][col] += g * w[f][ch][i][j]",
        "dx[n][ch][row][col] += g * w[f][ch][kh - 1 - i][kw - 1 - j]",
        "filter rotated 180° in dx: your dx equals the right one computed with W[f] rotated",
    ),
    "linear weight transposed": (
        "linear_backward",
        "dx[n][i] += g * w[o][i]",
        "dx[n][i] += g * w[i][o]",
        "weight transposed in dx: your dx equals dout·Wᵀ",
    ),
    "missing bias": (
        "conv2d_forward",
        "out[n][f][r][c] = total + b[f]",
        "out[n][f][r][c] = total",
        "bias missing: your out is off by exactly b[f] everywhere",
    ),
    "missing linear bias": (
        "linear_forward",
        "out[n][o] = total + b[o]",
        "out[n][o] = total",
        "bias missing: your out is off by exactly b[o] everywhere",
    ),
    "off-by-one conv window": (
        "conv2d_forward",
        "                    total = 0.0\n"
        "                    for ch in range(channels):\n"
        "                        for i in range(kh):\n",
        "                    total = 0.0\n"
        "                    for ch in range(channels):\n"
        "                        for i in range(kh - 1):\n",
        "off-by-one window: your out is what a window without its last row gives "
        "(range(kh - 1) where the whole window is needed)",
    ),
    "off-by-one pooling window": (
        "maxpool2d_forward",
        "                    best = -math.inf\n"
        "                    for i in range(kh):\n"
        "                        for j in range(kw):\n",
        "                    best = -math.inf\n"
        "                    for i in range(kh):\n"
        "                        for j in range(kw - 1):\n",
        "off-by-one window: your out is what a window without its last column gives",
    ),
    "off-by-one output size": (
        "conv2d_forward",
        "    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1\n"
        "    out = zeros((n_batch, filters, ho, wo))",
        "    ho, wo = (h + 2 * ph - kh) // sh, (wd + 2 * pw - kw) // sw\n"
        "    out = zeros((n_batch, filters, ho, wo))",
        "off-by-one output size: Ho = (H + 2·ph − kh) // sh + 1 (likewise Wo) — yours is "
        "4×4, not 5×5",
    ),
    "softmax gradient without −onehot": (
        "softmax_cross_entropy",
        "        grad[labels[n]] -= 1.0\n",
        "",
        "softmax gradient: your dscores is p/N, not (p − onehot)/N: the −1 at each "
        "sample's label is missing",
    ),
    "softmax gradient without /N": (
        "softmax_cross_entropy",
        "dscores.append([g / n_batch for g in grad])",
        "dscores.append(grad)",
        "softmax gradient: your dscores is p − onehot without the /N of the mean",
    ),
    "softmax gradient's sign": (
        "softmax_cross_entropy",
        "dscores.append([g / n_batch for g in grad])",
        "dscores.append([-g / n_batch for g in grad])",
        "softmax gradient: your dscores has its sign flipped",
    ),
}


def graded(capsys, tmp_path, source: str, scenario: str = LESSON) -> tuple[int, str]:
    lesson = str(write_scenario(tmp_path, scenario, "lesson.toml"))
    code = main(["verify", learner(tmp_path, source), lesson])
    return code, capsys.readouterr().out


def whys(out: str) -> list[str]:
    return [line.strip()[len("why: ") :] for line in out.splitlines() if "why: " in line]


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_classic_mistake_is_named_beside_the_element_and_the_step(capsys, tmp_path, name) -> None:
    function, right, wrong, said = MISTAKES[name]
    source = correct_source()
    assert source.count(right) == 1, name
    code, out = graded(capsys, tmp_path, source.replace(right, wrong))
    assert code == 1
    assert len(whys(out)) == 1 and whys(out)[0].startswith(said), out
    # One line, in the wrong function's report: after its element, before its step.
    report = out[out.index(f"  {function} ") :]
    lines = report.splitlines()
    assert "wrong" in lines[0]
    if "shape" in lines[1]:
        assert lines[2].strip().startswith("why: ")
    else:
        assert re.match(r"\s+\w+(\[[\d, ]+\])?: expected \S+, got \S+$", lines[1]), lines[1]
        assert lines[2].strip().startswith("why: ")
        assert "the debugger" in lines[3] and "--step" in lines[4]


def test_the_mse_gradient_without_the_mean(capsys, tmp_path) -> None:
    source = correct_source()
    right = "return loss, reshape_like([2.0 * d / m for d in diffs], out)"
    assert source.count(right) == 1
    wrong = source.replace(right, "return loss, reshape_like([2.0 * d for d in diffs], out)")
    code, out = graded(capsys, tmp_path, wrong, MSE)
    assert code == 1 and whys(out) == ["mse gradient: 2·(y − t) without the /M of the mean"]


def test_nothing_is_said_about_a_correct_file(capsys, tmp_path) -> None:
    code, out = graded(capsys, tmp_path, correct_source())
    assert code == 0 and whys(out) == [] and "why" not in out


@pytest.mark.parametrize(
    "bug", ["max-pool to every cell", "padding not removed", "relu on the gradient"]
)
def test_a_mistake_that_is_none_of_them_gets_no_wrong_name(capsys, tmp_path, bug) -> None:
    _, right, wrong, _ = BUGS[bug]
    code, out = graded(capsys, tmp_path, correct_source().replace(right, wrong))
    assert code == 1 and "wrong" in out and whys(out) == [], out
