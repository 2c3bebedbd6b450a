"""The README documents what the program offers: every key, placeholder, panel and command."""

import re
from pathlib import Path

import pytest

from stepcnn.cli.main import build_parsers, main
from stepcnn.scenario.builtin import names
from stepcnn.scenario.display import PANELS
from stepcnn.scenario.placeholders import PLACEHOLDERS
from stepcnn.tui.bindings import BINDINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_every_key_binding_is_in_the_key_table() -> None:
    keys = section("Keys")
    for binding in BINDINGS:
        shown = binding.key_display or binding.key
        for key in shown.split("/"):
            assert f"`{key}`" in keys, f"README key table lacks {key!r} ({binding.description})"


def test_every_placeholder_and_panel_is_documented() -> None:
    for name in PLACEHOLDERS:
        assert f"`{{{name}}}`" in README, name
    for panel in PANELS:
        assert f'`"{panel}"`' in README, panel


def test_every_command_and_builtin_scenario_is_documented() -> None:
    _, commands = build_parsers()
    for command in commands:
        assert f"stepcnn {command}" in README, command
    library = section("Teaching scenarios")
    for name in names():
        assert f"`{name}`" in library, name


def shown_runs() -> list[tuple[str, list[str]]]:
    """Every ``$ stepcnn …`` line of the README's code blocks with the lines shown under it
    (up to the next ``$`` line or the block's end)."""
    runs: list[tuple[str, list[str]]] = []
    inside = False
    current: list[str] | None = None
    for line in README.splitlines():
        if line.startswith("```"):
            inside, current = not inside, None
        elif inside and line.startswith("$ "):
            current = []
            runs.append((line[2:], current))
        elif inside and current is not None:
            current.append(line)
    return runs


# The README's examples of commands that need no file of the reader's: run here as shown.
RUNNABLE = ("stepcnn check hand-computable", "stepcnn matrix conv-is-a-layer --layer 0")


@pytest.mark.parametrize("command", RUNNABLE)
def test_the_readmes_shown_output_is_what_the_command_prints(capsys, command: str) -> None:
    shown = [lines for cmd, lines in shown_runs() if cmd == command]
    assert shown, f"the README shows no run of {command!r}"
    assert main(command.split()[1:]) == 0
    printed = capsys.readouterr().out.splitlines()
    # Each line shown is a line printed, in order; "…" stands for lines left out.
    at = 0
    for line in shown[0]:
        if line == "…":
            continue
        assert line in printed[at:], f"{command}: the README shows {line!r}; printed:\n" + (
            "\n".join(printed)
        )
        found = printed.index(line, at)
        assert "…" in shown[0] or found == at, (
            f"{command}: a printed line is not shown: {printed[at]!r}"
        )
        at = found + 1
    if "…" not in shown[0]:
        assert at == len(printed), (
            f"{command}: printed lines the README does not show: {printed[at:]}"
        )


# The README's worked example: conv2d_backward with `=` where the shared weights need `+=`.
SLIPPED_CONV2D_BACKWARD = """
def conv2d_backward(dout, x, w, stride, padding):
    n_, f_, ho, wo = len(dout), len(dout[0]), len(dout[0][0]), len(dout[0][0][0])
    c_, h, wd = len(x[0]), len(x[0][0]), len(x[0][0][0])
    kh, kw = len(w[0][0]), len(w[0][0][0])
    dx = [[[[0.0] * wd for _ in range(h)] for _ in range(c_)] for _ in range(n_)]
    dw = [[[[0.0] * kw for _ in range(kh)] for _ in range(c_)] for _ in range(f_)]
    db = [0.0] * f_
    for n in range(n_):
        for f in range(f_):
            for r in range(ho):
                for c in range(wo):
                    g = dout[n][f][r][c]
                    db[f] += g
                    for ch in range(c_):
                        for i in range(kh):
                            for j in range(kw):
                                row = r * stride[0] - padding[0] + i
                                col = c * stride[1] - padding[1] + j
                                if 0 <= row < h and 0 <= col < wd:
                                    dw[f][ch][i][j] = g * x[n][ch][row][col]     # should be +=
                                    dx[n][ch][row][col] += g * w[f][ch][i][j]
    return dx, dw, db
"""


def test_the_worked_verify_example_is_what_verify_prints(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["exercise", "tour", "-o", "my_cnn.py"]) == 0
    for line in SLIPPED_CONV2D_BACKWARD.splitlines()[-5:-1]:
        if "dw[f]" in line or "dx[n]" in line or "if 0 <=" in line:
            assert line in README, f"the README's slip differs from the test's: {line!r}"
    with open("my_cnn.py", "a", encoding="utf-8") as f:
        f.write(SLIPPED_CONV2D_BACKWARD)  # the later definition wins
    capsys.readouterr()
    assert main(["verify", "my_cnn.py"]) == 1
    printed = capsys.readouterr().out.splitlines()
    shown = [lines for cmd, lines in shown_runs() if cmd == "stepcnn verify my_cnn.py"]
    assert shown, "the README shows no run of stepcnn verify my_cnn.py"
    assert shown[0] == printed


def test_iterations_are_counted_from_1_in_the_readme() -> None:
    # People read and type iterations from 1 (README "Numbering"): "iteration 0" is no one's.
    assert "iteration 0" not in README


def test_no_sentence_is_said_twice() -> None:
    prose, inside = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif not inside and not line.startswith("|"):
            prose.append(line)
    text = re.sub(r"\s+", " ", " ".join(prose))
    sentences = [s.strip() for s in re.split(r"(?<=[.:;])\s+", text) if len(s.split()) >= 6]
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert not repeated, repeated


def test_every_option_is_in_the_command_line_synopsis() -> None:
    match = re.search(r"^## The command line\n\n```\n(.*?)^```", README, re.M | re.S)
    assert match, "README has no command-line synopsis"
    main_parser, commands = build_parsers()
    lines: dict[str, list[str]] = {}
    current = ""
    for line in match.group(1).splitlines():
        words = line.split()
        if words[:1] == ["stepcnn"]:
            current = words[1] if len(words) > 1 and words[1] in commands else ""
        lines.setdefault(current, []).append(line)
    for name, parser in [("", main_parser), *((n, p) for n, (p, _) in commands.items())]:
        shown = "\n".join(lines.get(name, []))
        for action in parser._actions:
            if not action.option_strings or "--help" in action.option_strings:
                continue
            assert any(
                re.search(rf"(^|[\s\[]){re.escape(o)}\b", shown, re.M)
                for o in action.option_strings
            ), f"stepcnn {name or '[SCENARIO]'}: {action.option_strings[0]} is not in the synopsis"


def test_the_key_table_has_one_row_per_key_and_only_bound_keys() -> None:
    bound: dict[str, str] = {}
    for binding in BINDINGS:
        for key in (binding.key_display or binding.key).split("/"):
            bound[key] = binding.description
    rows: dict[str, int] = {}
    for line in section("Keys").splitlines():
        cells = line.split("|")
        if len(cells) < 3 or not cells[1].strip().startswith("`"):
            continue
        for key in re.findall(r"`([^`]+)`", cells[1]):
            assert key in bound or key == "ctrl+p", f"the key table names {key!r}, bound to nothing"
            rows[key] = rows.get(key, 0) + 1
    for key, description in bound.items():
        assert rows.get(key) == 1, f"{key!r} ({description}) is in {rows.get(key, 0)} rows"


def test_the_development_section_names_every_module() -> None:
    development = section("Development")
    root = Path(__file__).resolve().parent.parent
    packages = sorted(p.parent.name for p in (root / "stepcnn").glob("*/__init__.py"))
    for package in packages:
        assert f"stepcnn/{package}/" in development, f"README's Development lacks {package}/"
    folders = ("stepcnn", "stepcnn/tui", "stepcnn/present", "benchmarks")
    for folder in folders:
        for path in sorted((root / folder).glob("*.py")):
            if path.name in ("__init__.py", "__main__.py"):
                continue
            assert path.name in development, f"README's Development lacks {folder}/{path.name}"


def test_each_benchmark_the_performance_section_cites_exists_and_measures_that() -> None:
    performance = section("Performance")
    root = Path(__file__).resolve().parent.parent
    cited = set(re.findall(r"benchmarks/(\w+\.py)", performance))
    on_disk = {p.name for p in (root / "benchmarks").glob("bench_*.py")}
    assert cited <= on_disk | {"screenshot.py"}, cited - on_disk
    assert on_disk <= cited, (
        f"benchmarks the Performance section does not report: {on_disk - cited}"
    )
    # Start-up has one benchmark (bench_tui.py times keys only): no start-up figure elsewhere.
    for sentence in re.split(r"(?<=[.;])\s+", re.sub(r"\s+", " ", performance)):
        if "start" in sentence and re.search(r"\d s\b", sentence):
            for name in re.findall(r"bench_\w+\.py", sentence):
                assert name == "bench_startup.py", (
                    f"a start-up figure credited to {name}: {sentence}"
                )


def test_every_scenario_key_the_loader_reads_is_documented() -> None:
    writing = section("Writing a scenario")
    root = Path(__file__).resolve().parent.parent / "stepcnn" / "scenario"
    read = (
        r'\.(?:string|integer|number|choice|raw|table|tables)\(\s*"(\w+)"'
        r'|read_pair\(\s*\w+,\s*"(\w+)"'
    )
    keys = set()
    for path in [*root.glob("*.py"), *(root / "kinds").glob("*.py")]:
        for found in re.findall(read, path.read_text(encoding="utf-8")):
            keys |= {k for k in found if k}
    assert {"title", "learning_rate", "kernel_size", "precision", "steps"} <= keys  # it reads
    for key in sorted(keys):
        # `key`, [key], [[key]], [[table.key]] or a TOML example's `key = …`
        documented = re.search(rf"[`\[.]{key}[`\]]|^`?{key} = |`{key} = ", writing, re.M)
        assert documented, f"README does not document {key!r}"
