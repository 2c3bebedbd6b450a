"""The documentation says what the program does: every key, field, command, scenario, module
and benchmark is on its page, and the outputs the pages show are what the commands print."""

import re
from pathlib import Path

import pytest
from docs_pages import ROOT, page, pages, section, shown_runs, written_pages

from stepcnn.cli.main import build_parsers, main
from stepcnn.scenario.builtin import names
from stepcnn.scenario.display import PANELS
from stepcnn.scenario.placeholders import PLACEHOLDERS
from stepcnn.tui.bindings import BINDINGS


def test_every_key_binding_is_in_exactly_one_row_of_the_key_table() -> None:
    bound: dict[str, str] = {}
    for binding in BINDINGS:
        for key in (binding.key_display or binding.key).split("/"):
            bound[key] = binding.description
    rows: dict[str, int] = {}
    for line in page("reference/keys.md").splitlines():
        cells = line.split("|")
        if len(cells) < 3 or not cells[1].strip().startswith("`"):
            continue
        for key in re.findall(r"`([^`]+)`", cells[1]):
            assert key in bound or key in ("click", "ctrl+p"), f"the key table names {key!r}"
            rows[key] = rows.get(key, 0) + 1
    for key, description in bound.items():
        assert rows.get(key) == 1, f"{key!r} ({description}) is in {rows.get(key, 0)} rows"


def test_every_placeholder_and_panel_is_documented() -> None:
    fields = page("reference/scenario.md")
    for name in PLACEHOLDERS:
        assert f"`{{{name}}}`" in fields, name
    for panel in PANELS:
        assert f'`"{panel}"`' in fields, panel


def test_every_command_has_its_section_and_every_option_is_in_it() -> None:
    cli = page("reference/cli.md")
    main_parser, commands = build_parsers()
    for name, parser in [("", main_parser), *((n, p) for n, (p, _) in commands.items())]:
        title = f"`stepcnn {name}`" if name else "`stepcnn [SCENARIO]`"
        shown = section(cli, title)
        for action in parser._actions:
            if not action.option_strings or "--help" in action.option_strings:
                continue
            assert any(f"`{o}`" in shown for o in action.option_strings), (
                f"stepcnn {name or '[SCENARIO]'}: {action.option_strings[0]} is not documented"
            )


def test_every_builtin_scenario_is_in_the_library_table() -> None:
    library = section(page("scenarios.md"), "The built-in scenarios")
    for name in names():
        assert re.search(rf"^\| `{re.escape(name)}` \|", library, re.M), name


# Runs the pages show of commands that need no file of the reader's: run here as shown.
RUNNABLE = ("stepcnn check hand-computable", "stepcnn matrix conv-is-a-layer --layer 0")


def all_runs() -> list[tuple[str, list[str]]]:
    return [run for body in pages().values() for run in shown_runs(body)]


@pytest.mark.parametrize("command", RUNNABLE)
def test_the_shown_output_is_what_the_command_prints(capsys, command: str) -> None:
    shown = [lines for cmd, lines in all_runs() if cmd == command]
    assert shown, f"no page shows a run of {command!r}"
    assert main(command.split()[1:]) == 0
    printed = capsys.readouterr().out.splitlines()
    for lines in shown:
        # Each line shown is a line printed, in order; "…" stands for lines left out.
        at = 0
        for line in lines:
            if line == "…":
                continue
            assert line in printed[at:], f"{command}: a page shows {line!r}; printed:\n" + (
                "\n".join(printed)
            )
            found = printed.index(line, at)
            assert "…" in lines or found == at, f"{command}: not shown: {printed[at]!r}"
            at = found + 1
        if "…" not in lines:
            assert at == len(printed), f"{command}: printed lines not shown: {printed[at:]}"


# The worked example: conv2d_backward with `=` where the shared weights need `+=`.
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
    body = page("writing-it-yourself.md")
    monkeypatch.chdir(tmp_path)
    assert main(["exercise", "tour", "-o", "my_cnn.py"]) == 0
    for line in SLIPPED_CONV2D_BACKWARD.splitlines()[-5:-1]:
        if "dw[f]" in line or "dx[n]" in line or "if 0 <=" in line:
            assert line in body, f"the page's slip differs from the test's: {line!r}"
    with open("my_cnn.py", "a", encoding="utf-8") as f:
        f.write(SLIPPED_CONV2D_BACKWARD)  # the later definition wins
    capsys.readouterr()
    assert main(["verify", "my_cnn.py"]) == 1
    printed = capsys.readouterr().out.splitlines()
    shown = [lines for cmd, lines in shown_runs(body) if cmd == "stepcnn verify my_cnn.py"]
    assert shown, "the page shows no run of stepcnn verify my_cnn.py"
    assert shown[0] == printed


def test_iterations_are_counted_from_1_on_every_page() -> None:
    # People read and type iterations from 1 ("Numbering"): "iteration 0" is no one's.
    for name, body in pages().items():
        assert "iteration 0" not in body, name


def test_no_sentence_is_said_twice_in_the_written_pages() -> None:
    prose: list[str] = []
    for body in written_pages().values():
        inside = False
        for line in body.splitlines():
            if line.startswith("```"):
                inside = not inside
            elif not inside and not line.startswith(("|", "#", "![", "<!--")):
                prose.append(line)
        prose.append("")
    text = re.sub(r"\s+", " ", " ".join(prose))
    sentences = [s.strip() for s in re.split(r"(?<=[.:;])\s+", text) if len(s.split()) >= 6]
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert not repeated, repeated


def test_the_package_page_names_every_package_and_module() -> None:
    packages_page = page("reference/packages.md")
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for init in sorted((ROOT / "stepcnn").glob("*/__init__.py")):
        name = f"stepcnn/{init.parent.name}/"
        assert name in contributing, f"CONTRIBUTING.md's package map lacks {name}"
        assert f"## `{name}`" in packages_page, f"docs/reference/packages.md lacks {name}"
    for folder in ("stepcnn", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.parent == ROOT / "stepcnn" or "__pycache__" in path.parts:
                continue
            shown = path.relative_to(ROOT).as_posix()
            assert f"| `{shown}` |" in packages_page, f"packages.md lacks {shown}"


def test_each_benchmark_the_performance_page_cites_exists_and_measures_that() -> None:
    performance = page("performance.md")
    cited = set(re.findall(r"benchmarks/(\w+\.py)", performance))
    on_disk = {p.name for p in (ROOT / "benchmarks").glob("bench_*.py")}
    assert cited <= on_disk, cited - on_disk
    assert on_disk <= cited, f"benchmarks the Performance page does not report: {on_disk - cited}"
    # Start-up has one benchmark (bench_tui.py times keys only): no start-up figure elsewhere.
    for sentence in re.split(r"(?<=[.;])\s+", re.sub(r"\s+", " ", performance)):
        if "start" in sentence and re.search(r"\d s\b", sentence):
            for name in re.findall(r"bench_\w+\.py", sentence):
                assert name == "bench_startup.py", f"a start-up figure from {name}: {sentence}"


def test_every_scenario_key_the_loader_source_reads_is_in_the_field_reference() -> None:
    # Independent of the generator, which finds the reads by running the loader: every key a
    # getter of the scenario package is called with, read off the source.
    fields = page("reference/scenario.md")
    root = ROOT / "stepcnn" / "scenario"
    read = (
        r'\.(?:string|integer|number|choice|boolean|raw|index|table|tables)\(\s*"(\w+)"'
        r'|read_pair\(\s*\w+,\s*"(\w+)"'
    )
    keys = set()
    for path in [*root.glob("*.py"), *(root / "kinds").glob("*.py")]:
        for found in re.findall(read, path.read_text(encoding="utf-8")):
            keys |= {k for k in found if k}
    assert {"title", "learning_rate", "kernel_size", "precision", "steps"} <= keys  # it reads
    for key in sorted(keys):
        assert f"| `{key}` |" in fields, f"docs/reference/scenario.md lacks {key!r}"


def test_every_page_is_in_the_nav_or_known_to_be_added_at_a_merge() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for name in pages():
        assert re.search(rf"[\s:]{re.escape(name)}\s", nav), f"mkdocs.yml's nav lacks {name}"


def test_the_readme_and_pages_name_no_removed_path() -> None:
    for name, body in {**pages(), "README.md": (ROOT / "README.md").read_text()}.items():
        for path in re.findall(r"`((?:stepcnn|tests|benchmarks|docs|examples)/[\w/.-]+)`", body):
            if "<" in path or "*" in path:
                continue
            assert (ROOT / path).exists() or Path(path).suffix == "", f"{name}: {path} is gone"


def test_every_course_key_the_loader_reads_is_in_the_course_pages_field_tables() -> None:
    # Read off the source of the courses package, as the scenario keys are above.
    body = page("course.md")
    tables = section(body, "Writing a course")
    read = (
        r'\.(?:string|integer|number|choice|boolean|raw|index|table|tables)\(\s*"(\w+)"'
        r'|_(?:strings|text)\(\s*\w+,\s*"(\w+)"'
    )
    keys = set()
    for path in (ROOT / "stepcnn" / "courses").glob("*.py"):
        for found in re.findall(read, path.read_text(encoding="utf-8")):
            keys |= {k for k in found if k}
    assert {"title", "goals", "intro", "prompt", "ask", "cell", "step", "op"} <= keys
    for key in sorted(keys):
        assert f"| `{key}` |" in tables, f"docs/course.md lacks the course field {key!r}"


def test_the_course_pages_chapter_table_is_the_built_in_course() -> None:
    from stepcnn.courses.loader import load_course
    from stepcnn.present.views import inline_names

    rows = [
        [cell.strip() for cell in line.split("|")[1:-1]]
        for line in section(page("course.md"), "The chapters", level=2).splitlines()
        if re.match(r"^\| \d+ \|", line)
    ]
    course = load_course(None, inline_names())
    assert rows == [
        [str(c.number), c.title, f"`{c.ref}`", str(len(c.checkpoints))] for c in course.chapters
    ]
