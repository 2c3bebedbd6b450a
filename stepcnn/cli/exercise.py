"""``stepcnn exercise SCENARIO``: a skeleton of the layer functions for the learner to write."""

import argparse

from stepcnn.cli.options import Parser, add_output, add_scenario


def parser() -> Parser:
    p = Parser(
        prog="stepcnn exercise",
        description="Write a skeleton of the layer functions to implement (docstrings with "
        "shapes and formulas, NotImplementedError bodies); grade it with `stepcnn verify`.",
    )
    add_scenario(p)
    add_output(p)
    return p


def run(args: argparse.Namespace) -> int:
    from stepcnn.cli.output import write_text
    from stepcnn.codegen.exercise import skeleton
    from stepcnn.timeline.load import load_scenario

    scenario = load_scenario(args.scenario)
    name = args.output.name if args.output else "my_cnn.py"
    write_text(skeleton(scenario, args.scenario, name), args.output, args.force, "stepcnn exercise")
    return 0
