"""The command line's parser and option types: each option is checked once, here, as parsed.

An option type turns the text into the typed value the commands pass down (a count, a size,
a theme name that exists); a bad one is one line naming the option, exit 2.
"""

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from stepcnn.base.usage import UsageError
from stepcnn.scenario.builtin import DEFAULT
from stepcnn.scenario.limits import MAX_ITERATIONS

if TYPE_CHECKING:
    from stepcnn.scenario.model import Scenario


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


def iteration_count(text: str) -> int:
    """``--iterations``: a positive integer within the loader's own iteration limit."""
    value = positive_int(text)
    if value > MAX_ITERATIONS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_ITERATIONS:,}, got {text!r}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600, got {text!r}")
    return value


MEMORY_UNITS = {"k": 2**10, "m": 2**20, "g": 2**30}


def memory_size(text: str) -> int:
    """``--memory 2G``: bytes, with K, M or G (powers of 1024; KiB, MiB, GiB too), at least
    256 MiB (Python with numpy needs about that much address space)."""
    unit = text.strip().lower().removesuffix("ib").removesuffix("b")
    scale = MEMORY_UNITS.get(unit[-1:], 1)
    number = unit[:-1] if unit[-1:] in MEMORY_UNITS else unit
    try:
        value = int(float(number) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a size such as 2G or 512M, got {text!r}"
        ) from None
    if not 256 * 2**20 <= value <= 2**44:
        raise argparse.ArgumentTypeError(f"must be between 256M and 16384G, got {text!r}")
    return value


def serve_token(text: str) -> str:
    """``--token``: at least 16 characters a URL carries as they are (letters, digits, - _ . ~),
    so that the printed address is the token itself."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9._~-]{16,256}", text):
        raise argparse.ArgumentTypeError(
            "must be 16 to 256 letters, digits or - _ . ~ (a URL carries them as they are)"
        )
    return text


def host_name(text: str) -> str:
    """``--allow-host``: a host name or an IP address, as a browser's Host header names it."""
    import ipaddress
    import re

    name = text.strip().lower().removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    label = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
    if len(name) > 253 or not re.fullmatch(rf"{label}(\.{label})*\.?", name):
        raise argparse.ArgumentTypeError(f"must be a host name or an IP address, got {text!r}")
    return name.rstrip(".")


def session_count(text: str) -> int:
    """``--max-sessions``: 1 to 1000."""
    value = positive_int(text)
    if value > 1000:
        raise argparse.ArgumentTypeError(f"must be at most 1000, got {text!r}")
    return value


def layer_list(text: str) -> list[int]:
    """``--layers 0,4``: layer indices (checked against the scenario by the command)."""
    parts = text.split(",")
    if not text or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(
            f"must be layer indices separated by commas, e.g. 0,4, got {text!r}"
        )
    return sorted({int(p) for p in parts})


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"must be a port number 1-65535, got {text!r}")
    return value


def theme_name(text: str) -> str:
    """``--theme``: one of Textual's built-in themes."""
    from textual.theme import BUILTIN_THEMES

    if text not in BUILTIN_THEMES:
        raise argparse.ArgumentTypeError(
            f"unknown theme {text!r}; known: {', '.join(sorted(BUILTIN_THEMES))}"
        )
    return text


def shape_of(what: str) -> Callable[[str], tuple[int, ...]]:
    """``--size HxW`` / ``--shape CxHxW`` of ``stepcnn new``."""

    def parse(text: str) -> tuple[int, ...]:
        from stepcnn.io.pictures import parse_shape

        try:
            shape = parse_shape(text, what)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if what == "HxW" and len(shape) != 2:
            raise argparse.ArgumentTypeError(f"must be HxW, got {text!r}")
        return shape

    return parse


def add_scenario(parser: argparse.ArgumentParser, optional: bool = False) -> None:
    parser.add_argument(
        "scenario",
        metavar="SCENARIO",
        nargs="?" if optional else None,
        default=DEFAULT if optional else None,
        help="a .toml file, or the name of a built-in scenario (see `stepcnn list`)"
        + (f"; default: {DEFAULT}" if optional else ""),
    )


def add_iterations(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--iterations",
        "-n",
        type=iteration_count,
        metavar="N",
        help="train N iterations instead of the scenario's own number",
    )


def add_theme(parser: argparse.ArgumentParser, extra: str = "") -> None:
    parser.add_argument(
        "--theme",
        type=theme_name,
        metavar="NAME",
        help=f"a Textual theme, e.g. textual-light{extra}",
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    """``-o FILE`` and ``--force``, for commands that print their text unless told a file."""
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write FILE instead of printing"
    )
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")


def load(ref: str, iterations: int | None, prog: str) -> "Scenario":
    """The scenario SCENARIO names, with ``--iterations`` checked against its memory budget
    (a ScenarioError or one UsageError line naming the option)."""
    from stepcnn.scenario.budget import iterations_problems
    from stepcnn.timeline.load import load_scenario

    scenario = load_scenario(ref)
    if iterations is not None:
        problems = iterations_problems(scenario, iterations)
        if problems:
            raise UsageError(f"{prog}: argument --iterations/-n: {problems[0].message}")
    return scenario
