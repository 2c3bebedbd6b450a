"""``stepcnn verify`` says why, not only where (issue 22): each classic mistake, planted in the
correct file by one edit, is named in one line (``why: …``) between the wrong element and the
step that computes it; a correct file, and a wrong one that is none of them, get no ``why``.

The expected lines are written here, not taken from the code; the mistakes are recognised in
the numbers, so the same slip written in numpy (another source entirely) is named the same.
"""

import re
from pathlib import Path

import pytest
from conftest import write_scenario
from test_verify import BUGS, LESSON, MSE, correct_source, learner, numpy_source

from stepcnn.cli import main
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

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
        "filter rotated 180°: your dx equals the right one computed with W[f] flipped",
    ),
    "linear db overwritten": (
        "linear_backward",
        "            db[o] += g\n",
        "            db[o] = g\n",
        "db overwritten instead of accumulated: it equals the last sample's g alone",
    ),
    "linear dx overwritten": (
        "linear_backward",
        "dx[n][i] += g * w[o][i]",
        "dx[n][i] = g * w[o][i]",
        "dx overwritten instead of accumulated: it equals the last output's g·W[o] alone",
    ),
    "conv dW transposed": (
        "conv2d_backward",
        "dw[f][ch][i][j] += g * v",
        "dw[f][ch][j][i] += g * v",
        "dW transposed: your dw equals the right one transposed",
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
    "off-by-one window in the conv2d backward": (
        "conv2d_backward",
        "                    db[f] += g\n"
        "                    for ch in range(channels):\n"
        "                        for i in range(kh):\n",
        "                    db[f] += g\n"
        "                    for ch in range(channels):\n"
        "                        for i in range(kh - 1):\n",
        "off-by-one window: your dx is what a window without its last row gives",
    ),
    "off-by-one max-pool window backward": (
        "maxpool2d_backward",
        "                    best, at = -math.inf, (r * sh, s * sw)\n"
        "                    for i in range(kh):\n",
        "                    best, at = -math.inf, (r * sh, s * sw)\n"
        "                    for i in range(kh - 1):\n",
        "off-by-one window: your dx is what a window without its last row gives",
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
    "cross-entropy summed": (
        "softmax_cross_entropy",
        "return sum(per_sample) / n_batch, dscores",
        "return sum(per_sample), dscores",
        "loss summed over the batch, not its mean",
    ),
}

# Overlapping windows (stride 1): a max-pool cell can win two windows; an average pool; mse.
OVERLAP = """
title = "overlapping windows"
seed = 3
learning_rate = 0.1
loss = "mse"

[[samples]]
input = [[0.5, -1.0, 2.0, 0.0, 1.5], [1.0, 0.3, -0.7, 2.2, -1.1], [0.1, 0.9, -2.0, 0.4, 0.8],
         [-0.6, 1.7, 0.2, -0.3, 1.2], [0.7, -0.4, 1.1, 0.6, -1.5]]
target = [[[0.2, -0.1], [0.4, 0.3]]]

[[layers]]
type = "conv2d"
out_channels = 1
kernel_size = 2

[[layers]]
type = "maxpool2d"
kernel_size = 2
stride = 1

[[layers]]
type = "avgpool2d"
kernel_size = 2
stride = 1
"""

OVERLAP_MISTAKES = {
    "max-pool dx overwritten": (
        "maxpool2d_backward",
        "dx[n][c][at[0]][at[1]] += dout[n][c][r][s]",
        "dx[n][c][at[0]][at[1]] = dout[n][c][r][s]",
        "dx overwritten instead of accumulated: it equals the last g routed to each cell alone",
    ),
    "off-by-one average-pool window": (
        "avgpool2d_forward",
        "                    total = 0.0\n"
        "                    for i in range(kh):\n"
        "                        for j in range(kw):\n"
        "                            total += x[n][c][r * sh + i][s * sw + j]",
        "                    total = 0.0\n"
        "                    for i in range(kh):\n"
        "                        for j in range(kw - 1):\n"
        "                            total += x[n][c][r * sh + i][s * sw + j]",
        "off-by-one window: your out is what a window without its last column gives",
    ),
    "mse summed": (
        "mse",
        "loss = sum(d * d for d in diffs) / m",
        "loss = sum(d * d for d in diffs)",
        "loss summed over the elements, not their mean",
    ),
}


def graded(capsys, tmp_path, source: str, scenario: str = LESSON) -> tuple[int, str]:
    lesson = str(write_scenario(tmp_path, scenario, "lesson.toml"))
    code = main(["verify", learner(tmp_path, source), lesson])
    return code, capsys.readouterr().out


def whys(out: str) -> list[str]:
    return [line.strip()[len("why: ") :] for line in out.splitlines() if "why: " in line]


CASES = [(name, LESSON) for name in MISTAKES] + [(name, OVERLAP) for name in OVERLAP_MISTAKES]


@pytest.mark.parametrize(("name", "scenario"), CASES, ids=[name for name, _ in CASES])
def test_a_classic_mistake_is_named_beside_the_element_and_the_step(
    capsys, tmp_path, name, scenario
) -> None:
    function, right, wrong, said = {**MISTAKES, **OVERLAP_MISTAKES}[name]
    source = correct_source()
    assert source.count(right) == 1, name
    code, out = graded(capsys, tmp_path, source.replace(right, wrong), scenario)
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


@pytest.mark.parametrize(
    ("right", "wrong", "said"),
    [
        (
            "out[n, f, r, c] = np.sum(patch * w[f]) + b[f]",
            "out[n, f, r, c] = np.sum(patch * w[f])",
            "bias missing: your out is off by exactly b[f] everywhere",
        ),
        (
            "dw[f] += g * xp[n, :, rows, cols]",
            "dw[f] = g * xp[n, :, rows, cols]",
            "dW overwritten instead of accumulated",
        ),
        (
            "dscores[n, labels[n]] -= 1.0",
            "pass",
            "softmax gradient: your dscores is p/N, not (p − onehot)/N",
        ),
    ],
)
def test_the_same_mistake_written_in_numpy_is_named_the_same(
    capsys, tmp_path, right, wrong, said
) -> None:
    source = numpy_source()
    assert source.count(right) == 1
    lesson = str(write_scenario(tmp_path, LESSON, "lesson.toml"))
    path = learner(tmp_path, source.replace(right, wrong))
    assert main(["verify", path, lesson, "--numpy"]) == 1
    out = capsys.readouterr().out
    assert len(whys(out)) == 1 and whys(out)[0].startswith(said), out


def test_a_missing_bias_is_shown_where_biases_are_no_longer_zero(capsys, tmp_path) -> None:
    """Biases start at zero, so iteration 1's forward pass cannot tell a missing bias; the
    report is iteration 2's, and its command trains the two iterations the step is in."""
    right, wrong = "out[n][f][r][c] = total + b[f]", "out[n][f][r][c] = total"
    code, out = graded(capsys, tmp_path, correct_source().replace(right, wrong))
    assert code == 1
    assert re.search(r"\n  conv2d_forward +wrong \(layer 0 \(conv2d\), iteration 2\)", out), out
    m = re.search(r"stepcnn (\S+) -n 2 --step (\d+)", out)
    assert m, out
    run = TrainingRun(parse_scenario(LESSON, "lesson"), 2)
    step = Timeline(run)[int(m.group(2)) - 1]
    per_iteration = len(Timeline(TrainingRun(parse_scenario(LESSON, "lesson"), 1)))
    assert step.op == "conv2d.forward" and int(m.group(2)) > per_iteration


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


DROPOUT = (Path(__file__).parent.parent / "scenarios" / "dropout.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("right", "wrong", "said"),
    [
        (
            "return elementwise(lambda v, k: v * (k * scale), x, mask)",
            "return elementwise(lambda v, k: v * k, x, mask)",
            "dropout not rescaled: your out is the masked value without the factor 1/(1 − p)",
        ),
        (
            "return elementwise(lambda g, k: g * (k * scale), dout, mask)",
            "return elementwise(lambda g, k: g * k, dout, mask)",
            "dropout not rescaled: your dx is the masked value without the factor 1/(1 − p)",
        ),
        (
            "return elementwise(lambda g, k: g * (k * scale), dout, mask)",
            "return elementwise(lambda g, k: g * scale, dout, mask)",
            "dropout's mask forgotten backward: your dx is dout·1/(1 − p) at every unit",
        ),
    ],
)
def test_dropouts_classic_mistakes(capsys, tmp_path, right, wrong, said) -> None:
    source = correct_source()
    assert source.count(right) == 1
    code, out = graded(capsys, tmp_path, source.replace(right, wrong), DROPOUT)
    assert code == 1 and len(whys(out)) == 1 and whys(out)[0].startswith(said), out


def test_nothing_is_said_about_a_correct_file_with_dropout(capsys, tmp_path) -> None:
    code, out = graded(capsys, tmp_path, correct_source(), DROPOUT)
    assert code == 0 and "why" not in out, out
