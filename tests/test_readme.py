"""The README documents what the program offers: every key, placeholder, panel and command."""

import re
from pathlib import Path

from stepcnn.cli import build_parsers
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
