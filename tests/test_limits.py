"""Oversized input is one line naming the file and the limit, exit 2: a decompression-bomb
picture (no Pillow warning), TOML nested past the parser's recursion, a run whose steps or
arithmetic would not finish. Every built-in scenario stays well inside the limits."""

import struct
import zlib
from pathlib import Path

import pytest

from stepcnn.cli import main
from stepcnn.scenario.budget import iteration_flops
from stepcnn.scenario.builtin import names
from stepcnn.scenario.limits import MAX_ITERATIONS, MAX_RUN_FLOPS, MAX_RUN_STEPS
from stepcnn.timeline.load import load_scenario


def png_header(path: Path, width: int, height: int) -> Path:
    """A PNG that claims ``width × height`` 1-bit pixels (a few bytes: a decompression bomb's
    header; Pillow reads the size without decoding)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.parametrize(
    ("side", "shown"),
    [
        (30000, "900,000,000 pixels"),  # above twice Pillow's limit: its DecompressionBombError
        (12000, "144,000,000 pixels"),  # above its limit: its DecompressionBombWarning
        (6000, "6000×6000 pixels (H×W)"),  # below Pillow's, above ours
    ],
)
def test_an_oversized_picture_is_one_line_naming_the_limit(
    capfd, tmp_path: Path, side: int, shown: str
) -> None:
    picture = png_header(tmp_path / "bomb.png", side, side)
    code = main(["new", str(tmp_path / "lesson"), "--images", str(picture), "--labels", "0"])
    out, err = capfd.readouterr()  # the file descriptors: a warning printed by Pillow shows
    assert code == 2 and out == ""
    assert err == f"{picture}: {shown} is too large to read (at most 25,000,000 pixels)\n"
    assert not (tmp_path / "lesson.toml").exists()


MINIMAL = 'title = "t"\nlearning_rate = 0.1\nloss = "mse"\n'


def test_deep_toml_nesting_names_the_file_the_line_and_the_limit(capsys, tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(MINIMAL + "x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"{path}: line 4: lists and inline tables nested more than 100 deep; the limit is 100 "
        "(a tensor's lists nest at most 8)\n"
    )


def test_brackets_in_strings_and_comments_do_not_count(capsys, tmp_path: Path) -> None:
    deep = "[" * 140
    text = (
        MINIMAL.replace('"t"', f'"{deep}"')
        + f"# {deep}\n"
        + f"description = '''{deep}'''\ncredit = \"\\\"{deep}\"\n"
    )
    text += "[[samples]]\ninput = [[1.0, 2.0], [3.0, 4.0]]\ntarget = [[1.0]]\n"
    text += '[[layers]]\ntype = "conv2d"\nout_channels = 1\nkernel_size = 2\n'

    path = tmp_path / "strings.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path)]) == 0, capsys.readouterr().err


def _picture_scenario(tmp_path: Path, side: int, filters: int, iterations: int) -> Path:
    """One side×side picture, a padded 3×3 convolution with ``filters`` filters, mse."""
    row = "[" + ", ".join(["0.5"] * side) + "]"
    picture = "[" + ", ".join([row] * side) + "]"
    target = "[" + ", ".join(["[" + ", ".join(["0.0"] * side) + "]"] * side) + "]"
    text = (
        f'title = "big"\nlearning_rate = 0.01\nloss = "mse"\niterations = {iterations}\n'
        f"[[samples]]\ninput = {picture}\ntarget = [{', '.join([target] * filters)}]\n"
        f'[[layers]]\ntype = "conv2d"\nout_channels = {filters}\nkernel_size = 3\npadding = 1\n'
    )
    path = tmp_path / "big.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_run_of_too_many_steps_is_refused_with_the_figures(capsys, tmp_path: Path) -> None:
    # 200×200 × 8 filters: 320,000 output cells a step each, forward and backward: about
    # 7·10⁵ steps an iteration, 7·10¹⁰ for 100,000 iterations (the limit is 10¹⁰).
    path = _picture_scenario(tmp_path, 200, 8, MAX_ITERATIONS)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: iterations: the run would have ")
    assert f"per iteration × 100,000 iterations); the limit is {MAX_RUN_STEPS:,}" in err
    scenario = load_scenario(str(_picture_scenario(tmp_path, 200, 8, 1)))
    steps = scenario.steps_per_iteration * MAX_ITERATIONS
    assert f"the run would have {steps:,} steps" in err and steps > MAX_RUN_STEPS


def _wide_scenario(tmp_path: Path, iterations: int) -> Path:
    """A 100×100 picture into a linear layer of 500 outputs: 10,000 multiply-adds a step."""
    row = "[" + ", ".join(["0.5"] * 100) + "]"
    text = (
        f'title = "wide"\nlearning_rate = 0.01\nloss = "cross_entropy"\niterations = {iterations}\n'
        f"[[samples]]\ninput = [{', '.join([row] * 100)}]\nlabel = 0\n"
        '[[layers]]\ntype = "flatten"\n[[layers]]\ntype = "linear"\nout_features = 500\n'
    )
    path = tmp_path / f"wide{iterations}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_run_of_too_much_arithmetic_is_refused_with_the_figures(capsys, tmp_path: Path) -> None:
    scenario = load_scenario(str(_wide_scenario(tmp_path, 1)))
    assert scenario.steps_per_iteration * MAX_ITERATIONS <= MAX_RUN_STEPS  # steps: fine
    flops = iteration_flops(scenario.layers, scenario.shapes, 1)
    assert flops >= 6 * 500 * 10_000 and flops * MAX_ITERATIONS > MAX_RUN_FLOPS
    path = _wide_scenario(tmp_path, MAX_ITERATIONS)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"{path}: iterations: training the run would take about {flops * MAX_ITERATIONS:.2g} "
        f"floating-point operations ({flops:.2g} per iteration × 100,000 iterations); the limit "
        "is 1e+12 (minutes of training): fewer iterations, a smaller batch or smaller layers\n"
    )
    # The same limit for --iterations, named as the option.
    small = _wide_scenario(tmp_path, 1)
    assert main(["export", str(small), "--iterations", str(MAX_ITERATIONS)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("stepcnn export: argument --iterations/-n: training the run would")


def test_the_flop_estimate_counts_a_convolutions_multiply_adds() -> None:
    # hand-computable: a 5×5 picture, one 3×3 filter → 3×3 outputs, mse. Forward 9 cells × 9
    # multiply-adds, backward twice that: 6·9·9 = 486; the update of 10 parameters 4·10 = 40;
    # the loss 10 per output: 90.
    scenario = load_scenario("hand-computable")
    assert scenario.shapes == [(1, 5, 5), (1, 3, 3)]
    assert iteration_flops(scenario.layers, scenario.shapes, 1) == 486 + 40 + 90


def test_every_built_in_and_the_long_lenet5_run_are_within_the_limits(capsys) -> None:
    for name in names():
        assert main(["check", name]) == 0, name
    capsys.readouterr()
    lenet5 = load_scenario("lenet5")
    flops = iteration_flops(lenet5.layers, lenet5.shapes, lenet5.batch_size)
    # A 10⁹-step run (the speed benchmark's) and the iteration limit both fit.
    long_run = -(-(10**9) // lenet5.steps_per_iteration)
    assert flops * long_run * 10 <= MAX_RUN_FLOPS
    assert lenet5.steps_per_iteration * MAX_ITERATIONS <= MAX_RUN_STEPS
    assert flops * MAX_ITERATIONS <= MAX_RUN_FLOPS
