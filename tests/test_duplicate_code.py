"""No stretch of code is written twice in stepcnn: pylint's duplicate-code check finds none.

Runs of 6 or more similar lines (docstrings, comments and imports aside), across every module
of the package — among them the pairs issue 23 named: the two pooling kinds' generated code
(now one template, ``stepcnn/codegen/kinds/_pool.py``) and conv2d/linear backward's prefix and
step body (now :class:`stepcnn.timeline.ops.base.ParameterBackward`).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def duplicate_code(*paths: Path) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pylint",
            "--disable=all",
            "--enable=duplicate-code",
            "--min-similarity-lines=6",
            "--ignore-imports=yes",
            "--score=no",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "R0801" in result.stdout or result.returncode in (0, 8), result.stderr
    return result.stdout


def test_no_duplicate_code_in_the_package() -> None:
    assert duplicate_code(ROOT / "stepcnn") == ""


def test_the_check_finds_a_copy(tmp_path: Path) -> None:
    body = "".join(f"    total = total * {i} + x[{i}]\n" for i in range(8))
    for name in ("a", "b"):
        (tmp_path / f"{name}.py").write_text(
            f"def {name}(x):\n    total = 0\n{body}    return total\n"
        )
    assert "R0801" in duplicate_code(tmp_path / "a.py", tmp_path / "b.py")
