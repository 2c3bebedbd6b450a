"""The wheel carries the built-in scenarios and declares every runtime dependency, and an
installed copy works: it finds the scenarios, checks one and draws a figure.

Slow-ish (a few seconds): builds a wheel with the venv's hatchling (no network), installs it
into a fresh virtualenv in tmp_path and runs ``python -m stepcnn list``, ``stepcnn check tour``
and ``stepcnn figure`` from outside the repo.
"""

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


@pytest.mark.slow
def test_wheel_ships_the_scenarios_and_an_installed_copy_lists_them(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("stepcnn-*.whl")

    sources = sorted((REPO / "scenarios").glob("*.toml"))
    assert any(p.name == "tour.toml" for p in sources)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        packaged = sorted(
            n for n in names if n.startswith("stepcnn/_scenarios/") and n.endswith(".toml")
        )
        assert packaged == [f"stepcnn/_scenarios/{p.name}" for p in sources]
        assert (
            archive.read("stepcnn/_scenarios/tour.toml")
            == (REPO / "scenarios" / "tour.toml").read_bytes()
        )
    assert {"stepcnn/__main__.py", "stepcnn/cli/main.py", "stepcnn/py.typed"} <= names
    (metadata,) = (n for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as archive:
        requires = {
            line.split(":", 1)[1].split(";")[0].strip().split()[0].rstrip("<>=!~").lower()
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        }
    # every feature after a plain `pip install`: serve, figure -o x.png, new --images
    assert {"textual", "textual-serve", "pillow", "resvg-py", "numpy", "rich"} <= {
        r.split("=")[0].split("<")[0].split(">")[0] for r in requires
    }

    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
        timeout=60,
        env=_env(),
    )
    python = venv / "bin" / "python"
    imports = "import numpy, rich, textual, textual_serve, PIL, resvg_py"
    has_deps = subprocess.run([python, "-c", imports], capture_output=True, env=_env())
    if has_deps.returncode != 0:
        # The base interpreter lacks the dependencies: borrow this environment's site-packages
        # as a plain path (its .pth files, among them the editable stepcnn, are not processed).
        import numpy

        site = Path(numpy.__file__).resolve().parent.parent
        purelib = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            env=_env(),
        ).stdout.strip()
        Path(purelib, "zz_test_dependencies.pth").write_text(f"{site}\n", encoding="utf-8")
    installed = subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [
            python,
            "-c",
            "import stepcnn; from stepcnn.scenario.builtin import directory; "
            "print(stepcnn.__file__); print(directory())",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert where.returncode == 0, where.stderr
    module_file, scenario_dir = where.stdout.splitlines()
    assert Path(module_file).is_relative_to(venv), module_file  # the wheel, not the checkout
    assert Path(scenario_dir).is_relative_to(venv) and scenario_dir.endswith("_scenarios")

    listed = subprocess.run(
        [python, "-m", "stepcnn", "list"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert listed.returncode == 0 and listed.stderr == ""
    rows = dict(line.split(None, 1) for line in listed.stdout.splitlines())
    assert sorted(rows) == sorted(p.stem for p in sources)
    tour = tomllib.loads((REPO / "scenarios" / "tour.toml").read_text(encoding="utf-8"))
    assert rows["tour"] == tour["title"]

    checked = subprocess.run(
        [venv / "bin" / "stepcnn", "check", "tour"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert checked.returncode == 0 and checked.stdout.splitlines()[-1] == "ok", checked.stderr
    figure = subprocess.run(
        [
            venv / "bin" / "stepcnn",
            "figure",
            "tour",
            "--step",
            "3",
            "--size",
            "90x28",
            "-o",
            "t.png",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert figure.returncode == 0, figure.stderr
    assert (elsewhere / "t.png").read_bytes().startswith(b"\x89PNG")
