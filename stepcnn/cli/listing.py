"""``stepcnn list``: the built-in scenarios, a name and a title a line."""

import argparse

from stepcnn.cli.options import Parser


def parser() -> Parser:
    return Parser(prog="stepcnn list", description="List the built-in scenarios: name and title.")


def run(args: argparse.Namespace) -> int:
    from stepcnn.scenario.builtin import paths, title_of

    found = paths()
    width = max((len(p.stem) for p in found), default=0)
    for path in found:
        print(f"{path.stem:<{width}}  {title_of(path)}")
    return 0
