"""``stepcnn matrix SCENARIO --layer L``: a conv2d layer as the matrix M of an FC layer."""

import argparse

from stepcnn.cli.options import Parser, add_scenario


def parser() -> Parser:
    p = Parser(
        prog="stepcnn matrix",
        description="Print conv2d layer L as the matrix M of a fully connected layer "
        "(rows: output cells, columns: input cells) with which filter weight each entry is.",
    )
    add_scenario(p)
    p.add_argument("--layer", metavar="L", help="a conv2d layer (index into [[layers]])")
    p.add_argument("--format", choices=("text", "json"), default="text", help="default: text")
    return p


def run(args: argparse.Namespace) -> int:
    import sys

    from stepcnn.io.matrix_report import conv_matrix_of, write_matrix_json, write_matrix_text
    from stepcnn.timeline.load import load_scenario

    scenario = load_scenario(args.scenario)
    index, cm = conv_matrix_of(scenario, args.layer)
    (write_matrix_json if args.format == "json" else write_matrix_text)(index, cm, sys.stdout)
    return 0
