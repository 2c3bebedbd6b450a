"""``stepcnn trace SCENARIO``: every elementary step, one a line (a contract)."""

import argparse

from stepcnn.cli.options import (
    Parser,
    add_iterations,
    add_scenario,
    line_number,
    load,
    positive_int,
)


def parser() -> Parser:
    p = Parser(prog="stepcnn trace", description="Print every elementary step, one per line.")
    add_scenario(p)
    add_iterations(p)
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
    return p


def run(args: argparse.Namespace) -> int:
    import sys

    from stepcnn.io.trace import check_start, parse_layer_filter, write_trace
    from stepcnn.timeline.training import TrainingRun

    scenario = load(args.scenario, args.iterations, "stepcnn trace")
    layer = parse_layer_filter(args.layer, len(scenario.layers))
    check_start(scenario, args.iterations, args.phase, layer, args.start - 1)
    run = TrainingRun(scenario, args.iterations)
    write_trace(
        run,
        sys.stdout,
        phase=args.phase,
        layer=layer,
        fmt=args.format,
        start=args.start - 1,  # lines are counted from 1
        count=args.count,
    )
    return 0
