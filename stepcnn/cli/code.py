"""``stepcnn code SCENARIO``: the scenario as a standalone training script."""

import argparse

from stepcnn.cli.options import Parser, add_output, add_scenario


def parser() -> Parser:
    p = Parser(
        prog="stepcnn code",
        description="Write a standalone training script for the scenario: its network, data, "
        "exact initial parameters and optimizer. Run it for each iteration's loss; with --json "
        "it prints what `stepcnn export` prints.",
    )
    add_scenario(p)
    p.add_argument(
        "--style",
        choices=("python", "numpy", "torch"),
        default="python",
        help="python: the standard library only (runs under python3 -S -I); numpy: the naive "
        "loops; torch: torch.nn.Sequential in float64 and torch.optim.SGD. Default: python",
    )
    add_output(p)
    return p


def run(args: argparse.Namespace) -> int:
    from stepcnn.cli.output import write_text
    from stepcnn.codegen.script import script
    from stepcnn.timeline.load import load_scenario

    scenario = load_scenario(args.scenario)
    write_text(script(scenario, args.style), args.output, args.force, "stepcnn code")
    return 0
