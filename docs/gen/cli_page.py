"""``docs/reference/cli.md``: every command and option, from the parsers the CLI runs.

:func:`stepcnn.cli.main.build_parsers` gives the main parser and each command's; the page is
their usage lines, descriptions and arguments, as argparse holds them.
"""

import argparse
import functools
from pathlib import Path
from typing import Any

from docs.gen.scenario_page import GENERATED
from stepcnn.cli.main import build_parsers

WIDTH = 96
"""The usage lines' width (argparse would take the terminal's)."""


def usage(parser: argparse.ArgumentParser) -> str:
    parser.formatter_class = functools.partial(argparse.HelpFormatter, width=WIDTH)
    return parser.format_usage().removeprefix("usage: ").rstrip()


def default_text(action: argparse.Action) -> str:
    value: Any = action.default
    if isinstance(action, argparse._StoreTrueAction):
        return "off"
    if value is None or value is argparse.SUPPRESS or action.required:
        return "required" if action.required else "—"
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return "`" + "x".join(str(v) for v in value) + "`"
    if isinstance(value, Path):
        return f"`{value}`"
    return f"`{value}`"


def names_text(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    return ", ".join(f"`{o}`" for o in action.option_strings)


def value_text(action: argparse.Action) -> str:
    if action.nargs == 0 or not action.option_strings:
        return "—"
    if action.choices is not None:
        return " or ".join(f"`{c}`" for c in action.choices)
    metavar = action.metavar or action.dest.upper()
    shown = " ".join(metavar) if isinstance(metavar, tuple) else metavar
    return f"`{shown}`" + (" …" if action.nargs in ("+", "*") else "")


def help_text(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    if not action.help or action.help is argparse.SUPPRESS:
        return ""
    formatter = parser._get_formatter()
    return " ".join(formatter._expand_help(action).split()).replace("|", "\\|")


def arguments(parser: argparse.ArgumentParser) -> list[str]:
    actions = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    if not actions:
        return ["No arguments."]
    lines = ["| argument | value | default | meaning |", "|---|---|---|---|"]
    for action in actions:
        cells = [names_text(action), value_text(action), default_text(action)]
        cells.append(help_text(parser, action))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def page() -> str:
    main, commands = build_parsers()
    out = [
        GENERATED,
        "",
        "# The command line",
        "",
        "Every command has `--help`. A bad option or argument is one line naming it, exit "
        "status 2; `SCENARIO` is a `.toml` path or the name of a built-in scenario "
        "(`stepcnn list`).",
        "",
        "```",
        usage(main),
        *(usage(parser) for parser, _ in commands.values()),
        "```",
        "",
        "## `stepcnn [SCENARIO]`",
        "",
        " ".join((main.description or "").split()),
        "",
        "```",
        usage(main),
        "```",
        "",
        *arguments(main),
        "",
    ]
    for name, (parser, _) in commands.items():
        out += [f"## `stepcnn {name}`", "", " ".join((parser.description or "").split()), ""]
        out += ["```", usage(parser), "```", "", *arguments(parser), ""]
    return "\n".join(out).rstrip() + "\n"
