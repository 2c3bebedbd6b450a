"""The ``stepcnn`` command: the TUI by default, and list / check / export / trace / new.

Every problem with the input is reported as one line per problem, naming the file and the
field, with exit status 2 — never a traceback.
"""

import argparse
import difflib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
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


def line_number(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 0, got {text!r}")
    return int(text)


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


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600, got {text!r}")
    return value


def layer_list(text: str) -> list[int]:
    """``--layers 0,4``: layer indices (checked against the scenario later)."""
    parts = text.split(",")
    if not text or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(
            f"must be layer indices separated by commas, e.g. 0,4, got {text!r}"
        )
    return sorted({int(p) for p in parts})


def _imported_when_run(name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``name`` of :mod:`stepcnn.codegen.commands`, imported only when its
    command runs (building the parsers imports no command's code)."""

    def handler(args: argparse.Namespace) -> int:
        from stepcnn.codegen import commands

        result: int = getattr(commands, name)(args)
        return result

    return handler


def _add_codegen_commands(
    commands: dict[str, tuple[Parser, Callable[[argparse.Namespace], int]]],
) -> None:
    p = Parser(
        prog="stepcnn code",
        description="Write a standalone training script for the scenario: its network, data, "
        "exact initial parameters and optimizer. Run it for each iteration's loss; with --json "
        "it prints what `stepcnn export` prints.",
    )
    _scenario_arg(p)
    p.add_argument(
        "--style",
        choices=("python", "numpy", "torch"),
        default="python",
        help="python: the standard library only (runs under python3 -S -I); numpy: the naive "
        "loops; torch: torch.nn.Sequential in float64 and torch.optim.SGD. Default: python",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write FILE instead of printing")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    commands["code"] = (p, _imported_when_run("cmd_code"))

    p = Parser(
        prog="stepcnn exercise",
        description="Write a skeleton of the layer functions to implement (docstrings with "
        "shapes and formulas, NotImplementedError bodies); grade it with `stepcnn verify`.",
    )
    _scenario_arg(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write FILE instead of printing")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    commands["exercise"] = (p, _imported_when_run("cmd_exercise"))

    p = Parser(
        prog="stepcnn verify",
        description="Grade the layer functions FILE.py defines: each is called in a separate "
        "process with the scenario's real tensors and compared with the engine (relative "
        "1e-9). Exit 0 when every one is right, 1 when any is wrong, raises or times out.",
    )
    p.add_argument("file", metavar="FILE.py", help="the learner's file")
    _scenario_arg(p, optional=True)
    p.add_argument(
        "--timeout",
        type=positive_seconds,
        default=30.0,
        metavar="S",
        help="seconds each function may take (default 30)",
    )
    p.add_argument("--numpy", action="store_true", help="pass numpy arrays, not nested lists")
    commands["verify"] = (p, _imported_when_run("cmd_verify"))


def build_parsers() -> tuple[Parser, dict[str, tuple[Parser, Callable[[argparse.Namespace], int]]]]:
    from stepcnn.commands import cmd_check, cmd_export, cmd_list, cmd_new, cmd_trace, cmd_tui

    main = Parser(
        prog="stepcnn",
        description="Step through a CNN's training, one elementary operation at a time. "
        "With no command, opens the debugger on SCENARIO.",
        epilog="commands: list, check, export, trace, new, matrix, code, exercise, verify, "
        "serve, figure (each has --help)",
    )
    _scenario_arg(main, optional=True)
    _iterations_arg(main)
    main.add_argument(
        "--watch", action="store_true", help="reload the scenario file when it changes"
    )
    main.add_argument(
        "--theme",
        metavar="NAME",
        help="a Textual theme, e.g. textual-light (ctrl+p → Theme switches it live)",
    )
    main.add_argument(
        "--step",
        type=positive_int,
        metavar="K",
        help="open at step K (numbered as on the screen: the first step is 1)",
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
    p.add_argument(
        "--layers",
        type=layer_list,
        metavar="L,L",
        help="only these layers (indices into [[layers]], e.g. 0,4)",
    )
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
    p.add_argument(
        "--from",
        dest="start",
        type=positive_int,
        default=1,
        metavar="K",
        help="from line K (lines counted from 1; unfiltered, line K is step K)",
    )
    p.add_argument("--count", type=line_number, metavar="N", help="at most N lines")
    commands["trace"] = (p, cmd_trace)

    p = Parser(
        prog="stepcnn new",
        description="Write a commented template scenario NAME.toml, or one whose samples are "
        "your pictures (--images), the rows of a CSV file (--csv) or numpy arrays (--npy).",
    )
    p.add_argument("name", metavar="NAME", help="file to write (NAME or NAME.toml)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    _own_samples_args(p)
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

    _add_codegen_commands(commands)
    _add_beyond_one_terminal(commands)
    main.set_defaults(handler=cmd_tui)
    return main, commands


def _add_beyond_one_terminal(
    commands: dict[str, tuple[Parser, Callable[[argparse.Namespace], int]]],
) -> None:
    """``serve`` (the debugger in web browsers) and ``figure`` (a step as SVG or PNG)."""
    from stepcnn.commands import cmd_figure, cmd_serve

    p = Parser(
        prog="stepcnn serve",
        description="Serve the debugger to web browsers: every tab is its own session. "
        "Anyone who can reach the port can use it; the default host is this machine only.",
    )
    _scenario_arg(p, optional=True)
    _iterations_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default: 8000)")
    p.add_argument("--theme", metavar="NAME", help="a Textual theme, e.g. textual-light")
    commands["serve"] = (p, cmd_serve)

    p = Parser(
        prog="stepcnn figure",
        description="Write the debugger's screen at step K as a picture (.svg or .png).",
    )
    _scenario_arg(p)
    _iterations_arg(p)
    p.add_argument(
        "--step",
        type=int,
        required=True,
        metavar="K",
        help="step number, as on the screen and in stepcnn trace (the first step is 1)",
    )
    p.add_argument(
        "--size",
        type=figure_size,
        default=(160, 50),
        metavar="WxH",
        help="columns x lines (default: 160x50)",
    )
    p.add_argument("--theme", metavar="NAME", help="a Textual theme, e.g. textual-light")
    p.add_argument(
        "--view",
        default="normal",
        metavar="NAME",
        help="normal, or a matrix view of a conv2d step: fc (the layer as its matrix M) or "
        "im2col (default: normal)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.svg or FILE.png")
    commands["figure"] = (p, cmd_figure)


def _own_samples_args(p: argparse.ArgumentParser) -> None:
    """``stepcnn new``'s options for a scenario made of the teacher's own samples."""
    source = p.add_mutually_exclusive_group()
    source.add_argument("--images", nargs="+", type=Path, metavar="FILE", help="pictures (Pillow)")
    source.add_argument("--csv", type=Path, metavar="FILE", help="rows label,p0,p1,…")
    source.add_argument("--npy", type=Path, metavar="X.npy", help="samples N×C×H×W or N×H×W")
    p.add_argument("--labels", nargs="+", type=int, metavar="L", help="one class per picture")
    p.add_argument("--size", type=shape_of("HxW"), metavar="HxW", help="resize the pictures")
    p.add_argument("--shape", type=shape_of("CxHxW"), metavar="CxHxW", help="of a CSV row")
    p.add_argument("--labels-npy", type=Path, metavar="Y.npy", help="N integer labels")


def shape_of(what: str) -> Callable[[str], tuple[int, ...]]:
    def parse(text: str) -> tuple[int, ...]:
        from stepcnn.pictures import parse_shape

        try:
            shape = parse_shape(text, what)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if what == "HxW" and len(shape) != 2:
            raise argparse.ArgumentTypeError(f"must be HxW, got {text!r}")
        return shape

    return parse


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"must be a port number 1-65535, got {text!r}")
    return value


def figure_size(text: str) -> tuple[int, int]:
    from stepcnn.figure import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
