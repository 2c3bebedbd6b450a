"""The README documents what the program offers: every key, placeholder, panel and command."""

import re
from pathlib import Path

import pytest

from stepcnn.cli import build_parsers, main
from stepcnn.scenario.builtin import names
from stepcnn.scenario.display import PANELS
from stepcnn.scenario.placeholders import PLACEHOLDERS
from stepcnn.tui.bindings import BINDINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.M | re.S)
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
