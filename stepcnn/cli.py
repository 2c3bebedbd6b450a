"""The ``stepcnn`` command: the TUI by default, and list / check / export / trace / new.

Every problem with the input is reported as one line per problem, naming the file and the
field, with exit status 2 — never a traceback.
"""

import argparse
import difflib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from stepcnn import __version__
from stepcnn.scenario import ScenarioError
from stepcnn.scenario.builtin import DEFAULT
from stepcnn.scenario.limits import MAX_ITERATIONS
from stepcnn.usage import EXIT_USAGE, UsageError


class Parser(argparse.ArgumentParser):
    """argparse, but errors become :class:`UsageError` instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _scenario_arg(parser: argparse.ArgumentParser, optional: bool = False) -> None:
    parser.add_argument(
        "scenario",
        metavar="SCENARIO",
        nargs="?" if optional else None,
        default=DEFAULT if optional else None,
        help="a .toml file, or the name of a built-in scenario (see `stepcnn list`)"
        + (f"; default: {DEFAULT}" if optional else ""),
    )


def iteration_count(text: str) -> int:
    """``--iterations``: a positive integer within the loader's own iteration limit."""
    value = positive_int(text)
    if value > MAX_ITERATIONS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_ITERATIONS:,}, got {text!r}")
    return value


def _iterations_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--iterations",
        "-n",
        type=iteration_count,
        metavar="N",
        help="train N iterations instead of the scenario's own number",
    )


def build_parsers() -> tuple[Parser, dict[str, tuple[Parser, Callable[[argparse.Namespace], int]]]]:
    from stepcnn.commands import cmd_check, cmd_export, cmd_list, cmd_new, cmd_trace, cmd_tui

    main = Parser(
        prog="stepcnn",
        description="Step through a CNN's training, one elementary operation at a time. "
        "With no command, opens the debugger on SCENARIO.",
        epilog="commands: list, check, export, trace, new, matrix (each has --help)",
    )
    _scenario_arg(main, optional=True)
    _iterations_arg(main)
    main.add_argument(
        "--watch", action="store_true", help="reload the scenario file when it changes"
    )
    main.add_argument("--version", action="version", version=f"stepcnn {__version__}")

    commands: dict[str, tuple[Parser, Callable[[argparse.Namespace], int]]] = {}

    p = Parser(prog="stepcnn list", description="List the built-in scenarios: name and title.")
    commands["list"] = (p, cmd_list)

    p = Parser(
        prog="stepcnn check",
        description="Validate a scenario; print each layer's shapes, the parameter count "
        "and the steps per iteration. Exit 2 with one line per problem if it is invalid.",
    )
    _scenario_arg(p)
    commands["check"] = (p, cmd_check)

    p = Parser(
        prog="stepcnn export",
        description="Train and print every tensor of every iteration as JSON.",
    )
    _scenario_arg(p)
    _iterations_arg(p)
    commands["export"] = (p, cmd_export)

    p = Parser(prog="stepcnn trace", description="Print every elementary step, one per line.")
    _scenario_arg(p)
    _iterations_arg(p)
    p.add_argument("--phase", choices=("forward", "backward", "update"), help="only this phase")
    p.add_argument(
        "--layer",
        metavar="L",
        help="only layer L (index into [[layers]]), or 'loss' for the loss steps",
    )
    p.add_argument("--format", choices=("jsonl", "text"), default="jsonl", help="default: jsonl")
    commands["trace"] = (p, cmd_trace)

    p = Parser(prog="stepcnn new", description="Write a commented template scenario NAME.toml.")
    p.add_argument("name", metavar="NAME", help="file to write (NAME or NAME.toml)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    commands["new"] = (p, cmd_new)

    # ---- stepcnn matrix: a conv layer as a fully connected layer ----
    from stepcnn.commands import cmd_matrix

    p = Parser(
        prog="stepcnn matrix",
        description="Print conv2d layer L as the matrix M of a fully connected layer "
        "(rows: output cells, columns: input cells) with which filter weight each entry is.",
    )
    _scenario_arg(p)
    p.add_argument("--layer", metavar="L", help="a conv2d layer (index into [[layers]])")
    p.add_argument("--format", choices=("text", "json"), default="text", help="default: text")
    commands["matrix"] = (p, cmd_matrix)

    main.set_defaults(handler=cmd_tui)
    return main, commands


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


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_streams()
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        main_parser, commands = build_parsers()
        if args_list and args_list[0] in commands:
            parser, handler = commands[args_list[0]]
            args = parser.parse_args(args_list[1:])
        else:
            if args_list:
                refuse_command_typo(args_list[0], list(commands))
            args = main_parser.parse_args(args_list)
            handler = args.handler
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
