"""``stepcnn``: the debugger by default, and one subcommand per module of this package.

Every problem with the input is reported as one line per problem, naming the file and the
field, with exit status 2 — never a traceback.
"""

import argparse
import difflib
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

import stepcnn.cli.debug as debug
from stepcnn import __version__
from stepcnn.base.usage import EXIT_USAGE, UsageError
from stepcnn.cli.options import Parser
from stepcnn.scenario import ScenarioError

COMMANDS = {
    "learn": "learn",
    "list": "listing",
    "check": "check",
    "export": "export",
    "trace": "trace",
    "new": "new",
    "matrix": "matrix",
    "code": "code",
    "exercise": "exercise",
    "verify": "verify",
    "serve": "serve",
    "figure": "figure",
}
"""Each subcommand and the module of :mod:`stepcnn.cli` that parses and runs it: the module
has ``parser() -> Parser`` and ``run(args) -> int`` (importing what it runs only then)."""

Handler = Callable[[argparse.Namespace], int]


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"stepcnn.cli.{COMMANDS[name]}")


def main_parser() -> Parser:
    """The parser of ``stepcnn [SCENARIO] [options]``: the debugger's options."""
    main = Parser(
        prog="stepcnn",
        description="Step through a CNN's training, one elementary operation at a time. "
        "With no command, opens the debugger on SCENARIO.",
        epilog=f"commands: {', '.join(COMMANDS)} (each has --help)",
    )
    debug.add_arguments(main)
    main.add_argument("--version", action="version", version=f"stepcnn {__version__}")
    return main


def build_parsers() -> tuple[Parser, dict[str, tuple[Parser, Handler]]]:
    """The main parser and every subcommand's ``(parser, handler)``."""
    commands: dict[str, tuple[Parser, Handler]] = {}
    for name in COMMANDS:
        module = command_module(name)
        commands[name] = (module.parser(), module.run)
    return main_parser(), commands


def _utf8_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def refuse_command_typo(word: str, commands: Sequence[str]) -> None:
    """``stepcnn chekc tour``: name the unknown command instead of calling ``tour`` extra.

    Only for a word close to a command that is neither a file nor (close to) a scenario name.
    """
    from stepcnn.scenario import builtin

    if word.startswith("-") or "/" in word or word.endswith(".toml") or os.path.exists(word):
        return
    names = builtin.names()
    close = difflib.get_close_matches(word, list(commands), n=1, cutoff=0.6)
    if close and not difflib.get_close_matches(word, names, n=1, cutoff=0.6):
        raise UsageError(
            f'stepcnn: unknown command "{word}"; did you mean "{close[0]}"? '
            f"(commands: {', '.join(commands)}; see stepcnn --help)"
        )


def parse(args_list: list[str]) -> tuple[argparse.Namespace, Handler]:
    """The parsed options and the handler that runs them (only that command's parser is
    built)."""
    if args_list and args_list[0] in COMMANDS:
        module = command_module(args_list[0])
        return module.parser().parse_args(args_list[1:]), module.run
    if args_list:
        refuse_command_typo(args_list[0], list(COMMANDS))
    return main_parser().parse_args(args_list), debug.run


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_streams()
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args, handler = parse(args_list)
        return handler(args)
    except SystemExit as exc:  # --help and --version: argparse prints, then exits
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except ScenarioError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error; silence the final flush.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
