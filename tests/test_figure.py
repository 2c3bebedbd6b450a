"""``stepcnn figure``: the screen at a step as SVG or PNG, in the theme asked for."""

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from stepcnn.api.figure import CHAR_WIDTH, LINE_HEIGHT, svg_to_png
from stepcnn.cli import main


def _equation(capsys, scenario: str, k: int) -> str:
    assert main(["trace", scenario]) == 0
    return json.loads(capsys.readouterr().out.splitlines()[k - 1])["equation"]  # steps from 1


def test_svg_is_the_screen_at_that_step_without_window_frame(capsys, tmp_path: Path) -> None:
    equation = _equation(capsys, "hand-computable", 4)
    out = tmp_path / "step.svg"
    assert (
        main(["figure", "hand-computable", "--step", "4", "--size", "120x36", "-o", str(out)]) == 0
    )
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    svg = out.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")
    assert equation.split(" = ")[0] in text  # "out[0,0,1,1]"
    assert "step 4 of " in text
    # The picture is the cells only: its view box starts where the cells start (the frame,
    # title and buttons of the window lie above and to the left of it).
    x, y, width, height = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    cells = re.search(r'<g transform="translate\(([-\d.]+), ([-\d.]+)\)" clip-path', svg)
    assert (x, y) == (float(cells.group(1)), float(cells.group(2)))
    assert (width, height) == pytest.approx((120 * CHAR_WIDTH, 36 * LINE_HEIGHT), abs=0.1)


def _commonest(png: Path) -> tuple[int, int, int]:
    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    return max(colours)[1]


@pytest.mark.parametrize(
    ("theme", "background"),
    [("textual-dark", (0x12, 0x12, 0x12)), ("textual-light", (0xE0, 0xE0, 0xE0))],
)
def test_png_in_dark_and_light(
    tmp_path: Path, theme: str, background: tuple[int, int, int]
) -> None:
    out = tmp_path / "step.png"
    args = ["figure", "tour", "--step", "130", "--size", "100x30", "--theme", theme, "-o", str(out)]
    assert main(args) == 0
    image = Image.open(out)
    assert image.format == "PNG"
    assert image.size == (round(100 * CHAR_WIDTH), round(30 * LINE_HEIGHT))
    assert _commonest(out) == background


def _glyph(char: str) -> bytes:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
        '<rect width="40" height="40" fill="#000"/>'
        f'<text x="8" y="28" fill="#fff" font-size="24" '
        f'style="font-family: &quot;Fira Code&quot;, &quot;DejaVu Sans Mono&quot;, monospace">'
        f"{char}</text></svg>"
    )
    image = Image.open(io.BytesIO(svg_to_png(svg))).convert("L")
    return image.tobytes()


def test_png_renderer_has_box_drawing_greek_and_odot() -> None:
    blank, missing = _glyph(" "), _glyph("\ue000")  # a private-use character: no font has it
    for char in "╭─╮│╰╯Σηδ⊙·→":
        drawn = _glyph(char)
        assert drawn != blank and drawn != missing, f"{char!r} does not come out"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--step", "77"],
            "--step: step 77 is out of range: hand-computable.toml has 76 steps (1–76)",
        ),
        (["--step", "0"], "--step: step 0 is out of range"),
        (
            ["--step", "1", "--view", "sideways"],
            "--view: unknown view 'sideways'; known: normal, fc, im2col",
        ),
        (["--step", "1", "--theme", "pink"], "--theme: unknown theme 'pink'"),
        # A matrix view of a step that has none: not the normal view under the name asked for.
        (["--step", "15", "--view", "fc"], "--view: step 15 (mse.forward) has no fc view: "),
        (["--step", "1", "--size", "0x10"], "argument --size: must be between 1x1"),
    ],
)
def test_bad_requests_are_one_line_and_exit_2(capsys, tmp_path: Path, args, message) -> None:
    out = tmp_path / "x.svg"
    assert main(["figure", "hand-computable", *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_unknown_extension_is_refused_before_any_work(capsys, tmp_path: Path) -> None:
    out = tmp_path / "x.jpeg"
    assert main(["figure", "tour", "--step", "1", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"stepcnn figure: {out}: unknown picture format '.jpeg'; use .svg or .png\n"
    assert not out.exists()


def test_view_fc_draws_the_conv_layer_as_its_matrix(capsys, tmp_path: Path) -> None:
    out = tmp_path / "fc.svg"
    assert main(["figure", "hand-computable", "--step", "5", "--view", "fc", "-o", str(out)]) == 0
    text = re.sub(r"<[^>]+>", "", out.read_text(encoding="utf-8")).replace("&#160;", " ")
    assert "M 9×25" in text  # the dense matrix of the 3×3 filter over the 5×5 input
