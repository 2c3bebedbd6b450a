"""``stepcnn new``: the template teaches; scenarios made of pictures, CSV rows, numpy arrays.

The tests make their own small pictures with Pillow. Bad input is one line naming the file,
exit 2, and no scenario (not even part of one) left behind.
"""

from pathlib import Path

import numpy as np
from PIL import Image

from stepcnn.cli import main
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.training import TrainingRun


def _teaches(path: Path) -> None:
    """Iteration 0 gives the filter a non-zero gradient, and the loss falls."""
    scenario = load_scenario(str(path))
    run = TrainingRun(scenario)
    conv = scenario.layers[0]
    assert conv.type == "conv2d"
    grads = run.record(0).layers[0].grads
    assert grads is not None and np.abs(grads.weight).max() > 1e-6
    losses = run.losses(len(run))
    assert len(losses) >= 2 and losses[-1] < losses[0]


def _new(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["new", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_template_teaches(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _new(capsys, "lesson")[0] == 0
    _teaches(tmp_path / "lesson.toml")


def _stripes(tmp_path: Path, count: int = 4, size: tuple[int, int] = (6, 7)) -> list[Path]:
    paths = []
    for i in range(count):
        pixels = np.zeros(size, dtype=np.uint8)
        pixels[:, i % size[1]] = 255 if i % 2 else 128
        path = tmp_path / f"stripe{i}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def test_grayscale_pictures_become_one_channel_of_pixel_over_255(capsys, tmp_path: Path) -> None:
    paths = _stripes(tmp_path)
    out = tmp_path / "mine"
    code, stdout, err = _new(
        capsys, str(out), "--images", *map(str, paths), "--labels", "0", "1", "0", "1"
    )
    assert code == 0 and err == "" and "wrote" in stdout
    scenario = load_scenario(str(out) + ".toml")
    assert scenario.inputs.shape == (4, 1, 6, 7)
    expected = np.asarray(Image.open(paths[2]), dtype=float) / 255
    np.testing.assert_array_equal(scenario.inputs[2, 0], expected)
    assert scenario.inputs[2, 0, 0, 2] == 128 / 255
    assert [int(v) for v in scenario.y] == [0, 1, 0, 1]
    _teaches(Path(str(out) + ".toml"))


def test_colour_pictures_are_three_channels_and_size_resizes(capsys, tmp_path: Path) -> None:
    rgb = np.zeros((10, 12, 3), dtype=np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 255, 51, 0
    Image.fromarray(rgb).save(tmp_path / "red.png")
    Image.fromarray(rgb[..., ::-1].copy()).save(tmp_path / "blue.jpg", quality=100)
    gray = _stripes(tmp_path, 1, (20, 20))[0]
    args = ["--images", str(tmp_path / "red.png"), str(tmp_path / "blue.jpg"), str(gray)]
    code, _, err = _new(
        capsys, str(tmp_path / "c"), *args, "--labels", "0", "1", "2", "--size", "5x4"
    )
    assert code == 0, err
    scenario = load_scenario(str(tmp_path / "c.toml"))
    assert scenario.inputs.shape == (3, 3, 5, 4)  # a gray picture beside colour ones: RGB too
    np.testing.assert_allclose(scenario.inputs[0, :, 2, 2], [1.0, 0.2, 0.0])
    assert scenario.layers[-1].out_features == 3


def test_csv_rows_and_npy_arrays(capsys, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.random((6, 2, 4, 4))
    y = np.array([0, 1, 2, 0, 1, 2])
    rows = ["label," + ",".join(f"p{i}" for i in range(32))]  # a header row is skipped
    for sample, label in zip(x, y, strict=True):
        rows.append(f"{label}," + ",".join(repr(float(v)) for v in sample.ravel()))
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = _new(
        capsys, str(tmp_path / "fromcsv"), "--csv", str(tmp_path / "d.csv"), "--shape", "2x4x4"
    )
    assert code == 0, err
    from_csv = load_scenario(str(tmp_path / "fromcsv.toml"))
    np.testing.assert_array_equal(from_csv.inputs, x)  # the numbers as written, exactly

    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    code, _, err = _new(
        capsys,
        str(tmp_path / "fromnpy"),
        "--npy",
        str(tmp_path / "x.npy"),
        "--labels-npy",
        str(tmp_path / "y.npy"),
    )
    assert code == 0, err
    from_npy = load_scenario(str(tmp_path / "fromnpy.toml"))
    np.testing.assert_array_equal(from_npy.inputs, x)
    assert [int(v) for v in from_npy.y] == list(y)
    _teaches(tmp_path / "fromnpy.toml")


def _bad_inputs(tmp_path: Path) -> list[tuple[list[str], str]]:
    a, b = _stripes(tmp_path, 2)
    odd = _stripes(tmp_path / "odd", 1, (5, 5)) if (tmp_path / "odd").mkdir() is None else []
    (tmp_path / "text.png").write_text("not a picture", encoding="utf-8")
    Image.new("L", (300, 200)).save(tmp_path / "huge.png")
    Image.new("L", (6000, 5000)).save(tmp_path / "bomb.png")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "x.npy", np.zeros((3, 4, 4)))
    np.save(tmp_path / "y2.npy", np.array([0, 1]))
    (tmp_path / "short.csv").write_text("0,1,2,3\n1,1,2\n", encoding="utf-8")
    return [
        (
            ["--images", str(a), str(tmp_path / "text.png"), "--labels", "0", "1"],
            f"{tmp_path / 'text.png'}: not a picture",
        ),
        (
            ["--images", str(a), str(odd[0]), "--labels", "0", "1"],
            f"{odd[0]}: is 5×5 pixels (H×W) but {a} is 6×7",
        ),
        (
            ["--images", str(a), str(b), "--labels", "0"],
            f"{b}: has no label (1 label for 2 images)",
        ),
        (["--images", str(a), "--labels", "0", "1"], "--labels: 2 labels for 1 images"),
        (["--images", str(a), "--labels", "-1"], "--labels: label -1 is negative"),
        (
            ["--images", str(tmp_path / "huge.png"), "--labels", "0"],
            f"{tmp_path / 'huge.png'}: 200×300 pixels (H×W) is larger",
        ),
        (
            ["--images", str(tmp_path / "bomb.png"), "--labels", "0", "--size", "8x8"],
            "is too large to read",
        ),
        (
            ["--images", str(tmp_path / "missing.png"), "--labels", "0"],
            f"{tmp_path / 'missing.png'}: file not found",
        ),
        (["--images", str(a), "--labels", "0", "--size", "500x500"], "--size: at most 128x128"),
        (["--images", str(a)], "--images needs --labels"),
        (
            ["--csv", str(tmp_path / "short.csv"), "--shape", "1x1x3"],
            f"{tmp_path / 'short.csv'}: line 2: has 2 numbers after the label",
        ),
        (["--csv", str(tmp_path / "short.csv")], "--csv needs --shape"),
        (
            ["--npy", str(tmp_path / "objects.npy"), "--labels-npy", str(tmp_path / "y2.npy")],
            f"{tmp_path / 'objects.npy'}: holds Python objects",
        ),
        (
            ["--npy", str(tmp_path / "x.npy"), "--labels-npy", str(tmp_path / "y2.npy")],
            f"{tmp_path / 'y2.npy'}: 2 labels for the 3 samples",
        ),
        (["--labels", "0"], "--labels goes with --images"),
    ]


def test_bad_input_is_one_line_naming_the_file_and_leaves_nothing(capsys, tmp_path: Path) -> None:
    for args, message in _bad_inputs(tmp_path):
        before = sorted(tmp_path.rglob("*"))
        code, out, err = _new(capsys, str(tmp_path / "lesson"), *args)
        assert code == 2, (args, out, err)
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, (args, err)
        assert sorted(tmp_path.rglob("*")) == before, args  # no scenario, no temporary file


def test_an_existing_file_needs_force(capsys, tmp_path: Path) -> None:
    paths = _stripes(tmp_path, 2)
    target = tmp_path / "mine.toml"
    target.write_text("# mine\n", encoding="utf-8")
    args = ["--images", *map(str, paths), "--labels", "0", "1"]
    code, _, err = _new(capsys, str(target), *args)
    assert code == 2 and "exists; --force overwrites it" in err
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert _new(capsys, str(target), *args, "--force")[0] == 0
    assert load_scenario(str(target)).inputs.shape == (2, 1, 6, 7)
