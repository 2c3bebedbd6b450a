"""``stepcnn export SCENARIO``: every tensor of every iteration as JSON (a contract)."""

import argparse

from stepcnn.cli.options import Parser, add_iterations, add_scenario, layer_list, load


def parser() -> Parser:
    p = Parser(
        prog="stepcnn export",
        description="Train and print every tensor of every iteration as JSON.",
    )
    add_scenario(p)
    add_iterations(p)
    p.add_argument(
        "--layers",
        type=layer_list,
        metavar="L,L",
        help="only these layers (indices into [[layers]], e.g. 0,4)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    import sys

    from stepcnn.base.usage import UsageError
    from stepcnn.io.export import write_export
    from stepcnn.timeline.training import TrainingRun

    scenario = load(args.scenario, args.iterations, "stepcnn export")
    count = len(scenario.layers)
    if args.layers is not None and args.layers[-1] >= count:
        raise UsageError(
            f"stepcnn export: argument --layers: {scenario.source} has layers 0 to {count - 1}, "
            f"got {args.layers[-1]} (see stepcnn export --help)"
        )
    write_export(TrainingRun(scenario, args.iterations), sys.stdout, args.layers)
    return 0
