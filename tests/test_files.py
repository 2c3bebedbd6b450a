"""Every command that writes a file: never over an existing file without ``--force``, never
through a symbolic link (a dangling one included, and not even with ``--force``).

Each writer is tried against an existing file, a link to a file, a dangling link and a
directory, with and without ``--force``; what is at the path afterwards is checked, and so is
the link's target (untouched) and the directory's contents (no temporary file left).
"""

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from stepcnn.cli import main
from stepcnn.io.files import WriteRefused, free_name, write_file

CSV = "0," + ",".join(["0.5"] * 16) + "\n1," + ",".join(["0.1"] * 16) + "\n"


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "rows.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(CSV, encoding="utf-8")
    return path


# Each writer: (arguments writing the given path, what a written file starts with).
WRITERS: dict[str, Callable[[Path, Path], list[str]]] = {
    "code -o": lambda target, _: ["code", "hand-computable", "-o", str(target)],
    "exercise -o": lambda target, _: ["exercise", "hand-computable", "-o", str(target)],
    "new": lambda target, _: ["new", str(target)],
    "new --csv": lambda target, tmp: [
        "new",
        str(target),
        "--csv",
        str(_csv(tmp)),
        "--shape",
        "1x4x4",
    ],
    "figure -o": lambda target, _: ["figure", "hand-computable", "--step", "1", "-o", str(target)],
}
NAMES = {"code -o": "x.py", "exercise -o": "x.py", "new": "x.toml", "new --csv": "x.toml"}


def _target(tmp_path: Path, writer: str) -> Path:
    return tmp_path / NAMES.get(writer, "x.svg")


def _run(capsys, argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def _written(path: Path, writer: str) -> bool:
    text = path.read_text(encoding="utf-8")
    return text != "mine\n" and ("<svg" in text if writer == "figure -o" else len(text) > 100)


def _others(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name not in ("data", "elsewhere"))


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_new_file_is_written_and_an_existing_one_only_with_force(
    capsys, tmp_path: Path, writer: str
) -> None:
    target = _target(tmp_path, writer)
    argv = WRITERS[writer](target, tmp_path)
    code, err = _run(capsys, argv)
    assert code == 0, err
    assert _written(target, writer)
    target.write_text("mine\n", encoding="utf-8")
    os.chmod(target, 0o600)
    code, err = _run(capsys, argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"{target}: exists; --force overwrites it" in err
    assert target.read_text(encoding="utf-8") == "mine\n"
    code, err = _run(capsys, [*argv, "--force"])
    assert code == 0, err
    assert _written(target, writer)
    assert os.stat(target).st_mode & 0o777 == 0o600  # the replaced file's permissions kept
    assert _others(tmp_path) == [target.name]  # no temporary file left beside it


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("dangling", [False, True])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_symbolic_link_is_never_written_through(
    capsys, tmp_path: Path, writer: str, dangling: bool, force: bool
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim"
    if not dangling:
        victim.write_text("precious\n", encoding="utf-8")
    target = _target(tmp_path, writer)
    target.symlink_to(victim)
    argv = WRITERS[writer](target, tmp_path) + (["--force"] if force else [])
    code, err = _run(capsys, argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"{target}: is a symbolic link (to {victim}" in err
    assert target.is_symlink() and os.readlink(target) == str(victim)
    if dangling:
        assert not victim.exists()  # nothing created at the link's target
        assert "which does not exist" in err
    else:
        assert victim.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in elsewhere.iterdir()) == ([] if dangling else ["victim"])
    assert _others(tmp_path) == [target.name]


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_directory_is_refused_even_with_force(capsys, tmp_path: Path, writer: str) -> None:
    target = _target(tmp_path, writer)
    target.mkdir()
    code, err = _run(capsys, [*WRITERS[writer](target, tmp_path), "--force"])
    assert code == 2 and f"{target}: is a directory" in err and err.count("\n") == 1
    assert list(target.iterdir()) == []


def test_write_file_refuses_a_name_that_appears_after_the_check(tmp_path: Path) -> None:
    # The create is atomic (a hard link of a whole temporary file, or O_EXCL): whatever is
    # at the name by then wins, and no temporary file is left.
    target = tmp_path / "x.txt"
    write_file(target, "first")
    with pytest.raises(WriteRefused, match="exists; --force overwrites it"):
        write_file(target, "second")
    assert target.read_text(encoding="utf-8") == "first"
    write_file(target, b"\x00bytes", force=True)
    assert target.read_bytes() == b"\x00bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_free_name_skips_files_and_links(tmp_path: Path) -> None:
    (tmp_path / "shot.svg").write_text("", encoding="utf-8")
    (tmp_path / "shot-2.svg").symlink_to(tmp_path / "nowhere")
    assert free_name(tmp_path, "shot.svg") == tmp_path / "shot-3.svg"
    assert free_name(tmp_path, "other.svg") == tmp_path / "other.svg"


def test_the_notebooks_figure_save_replaces_its_own_file_but_never_a_link(tmp_path: Path) -> None:
    import stepcnn

    figure = stepcnn.load("hand-computable").figure(0)
    path = tmp_path / "step.svg"
    figure.save(path)
    figure.save(path)  # saving again is what a notebook does
    assert "<svg" in path.read_text(encoding="utf-8")
    with pytest.raises(stepcnn.FigureError, match="exists; --force overwrites it"):
        figure.save(path, overwrite=False)
    link = tmp_path / "link.svg"
    link.symlink_to(tmp_path / "victim.svg")
    with pytest.raises(stepcnn.FigureError, match="is a symbolic link"):
        figure.save(link)
    assert not (tmp_path / "victim.svg").exists()


async def test_the_screenshot_takes_a_free_name_beside_a_file_and_a_link(
    tmp_path: Path, monkeypatch
) -> None:
    from textual import events

    from stepcnn.session.session import Session
    from stepcnn.timeline.load import load_scenario
    from stepcnn.tui.app import StepCNNApp

    (tmp_path / "shot.svg").write_text("mine\n", encoding="utf-8")
    (tmp_path / "shot-2.svg").symlink_to(tmp_path / "victim.svg")
    delivered: list[events.DeliveryComplete] = []

    def hook(message: object) -> None:
        if isinstance(message, events.DeliveryComplete):
            delivered.append(message)

    app = StepCNNApp(Session(load_scenario("tour")))
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        app.deliver_screenshot("shot.svg", str(tmp_path))
        await pilot.pause()
    assert [m.path for m in delivered] == [tmp_path / "shot-3.svg"]
    assert (tmp_path / "shot.svg").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "victim.svg").exists()
    assert "<svg" in (tmp_path / "shot-3.svg").read_text(encoding="utf-8")
