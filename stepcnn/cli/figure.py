"""``stepcnn figure SCENARIO --step K -o FILE``: the debugger's screen at a step, SVG or PNG."""

import argparse
from pathlib import Path

from stepcnn.cli.options import Parser, add_iterations, add_scenario, add_theme, load


def figure_size(text: str) -> tuple[int, int]:
    """``--size WxH``: columns × lines, within the figure's limits."""
    from stepcnn.api.figure import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def view_name(text: str) -> str:
    """``--view``: normal, or a matrix view of a conv2d step."""
    from stepcnn.api.figure import view_names

    if text not in view_names():
        raise argparse.ArgumentTypeError(f"unknown view {text!r}; known: {', '.join(view_names())}")
    return text


def picture_path(text: str) -> Path:
    """``-o FILE.svg`` or ``FILE.png``: the extension picks the format."""
    from stepcnn.api.figure import FigureError, check_format
    from stepcnn.base.usage import UsageError

    path = Path(text)
    try:
        check_format(path)
    except FigureError as exc:  # the path names itself: no "argument -o/--output" before it
        raise UsageError(f"stepcnn figure: {exc}") from None
    return path


def parser() -> Parser:
    p = Parser(
        prog="stepcnn figure",
        description="Write the debugger's screen at step K as a picture (.svg or .png).",
    )
    add_scenario(p)
    add_iterations(p)
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
    add_theme(p)
    p.add_argument(
        "--view",
        type=view_name,
        default="normal",
        metavar="NAME",
        help="normal, or a matrix view of a conv2d step: fc (the layer as its matrix M) or "
        "im2col (default: normal)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=picture_path,
        required=True,
        metavar="FILE",
        help="FILE.svg or FILE.png",
    )
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    return p


def run(args: argparse.Namespace) -> int:
    from stepcnn.api.figure import FigureError, screen_at
    from stepcnn.base.usage import UsageError
    from stepcnn.base.wording import count
    from stepcnn.io.files import refusal
    from stepcnn.session.session import Session
    from stepcnn.timeline.numbering import position

    output: Path = args.output
    why = refusal(output, args.force)
    if why is not None:  # before the work of drawing the screen
        raise UsageError(f"stepcnn figure: {output}: {why}")
    scenario = load(args.scenario, args.iterations, "stepcnn figure")
    session = Session(scenario, args.iterations)
    total = session.total
    try:
        if not 1 <= args.step <= total:
            raise FigureError(
                f"--step: step {args.step} is out of range: {scenario.source} has "
                f"{count(total, 'step')} (1–{total})"
            )
        figure = screen_at(
            session, position(args.step), size=args.size, theme=args.theme, view=args.view
        )
        figure.save(output, overwrite=args.force)
    except FigureError as exc:
        raise UsageError(f"stepcnn figure: {exc}") from None
    print(f"wrote {output}")
    return 0
