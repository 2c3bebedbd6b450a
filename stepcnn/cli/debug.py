"""``stepcnn [SCENARIO]``: the debugger itself, in this terminal (no command given)."""

import argparse

from stepcnn.cli.options import Parser, add_iterations, add_scenario, add_theme, load, positive_int


def add_arguments(main: Parser) -> None:
    """The debugger's options, on the main parser."""
    add_scenario(main, optional=True)
    main.set_defaults(scenario=None)  # (the default one is opened, with how to start the course)
    add_iterations(main)
    main.add_argument(
        "--watch", action="store_true", help="reload the scenario file when it changes"
    )
    add_theme(main, " (ctrl+p → Theme switches it live)")
    main.add_argument(
        "--step",
        type=positive_int,
        metavar="K",
        help="open at step K (numbered as on the screen: the first step is 1)",
    )


def run(args: argparse.Namespace) -> int:
    import gc

    # What the start makes (modules, the scenario, the widgets) lives on: the collector
    # would walk it again and again for nothing. Off until the first frame is drawn, when
    # the app collects once and turns it back on (stepcnn.tui.garbage.settle_garbage).
    gc.disable()
    try:
        return _open(args)
    finally:
        gc.enable()


def _open(args: argparse.Namespace) -> int:
    from pathlib import Path

    from stepcnn.base.usage import UsageError
    from stepcnn.scenario.builtin import DEFAULT

    ref = args.scenario or DEFAULT
    scenario = load(ref, args.iterations, "stepcnn")  # before the screen opens
    from stepcnn.codegen.workshop import FileWorkshop
    from stepcnn.session.session import Session
    from stepcnn.timeline.numbering import position
    from stepcnn.tui.app import run_app

    session = Session(scenario, args.iterations)
    if args.step is not None:
        if args.step > session.total:
            raise UsageError(
                f"stepcnn: argument --step: this run has {session.total:,} steps "
                f"(1–{session.total}), got {args.step}"
            )
        session.goto(position(args.step))
    return run_app(
        session,
        ref,
        watch=args.watch,
        theme=args.theme,
        welcome=args.scenario is None,
        workshop=FileWorkshop(Path("my_cnn.py")),  # for the course's chapter 7 (L)
    )
