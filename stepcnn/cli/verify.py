"""``stepcnn verify FILE.py [SCENARIO]``: grade the learner's layer functions."""

import argparse

from stepcnn.cli.options import Parser, add_scenario, memory_size, positive_seconds


def parser() -> Parser:
    p = Parser(
        prog="stepcnn verify",
        description="Grade the layer functions FILE.py defines: each is called in a separate, "
        "contained process (its own session, memory and CPU limits, a clean environment, a "
        "fresh temporary folder; see docs/verify.md) with the scenario's real tensors and "
        "compared with the engine (relative 1e-9). Exit 0 when every one is right, 1 when any "
        "is wrong, raises, times out or runs into a limit.",
    )
    p.add_argument("file", metavar="FILE.py", help="the learner's file")
    add_scenario(p, optional=True)
    p.add_argument(
        "--timeout",
        type=positive_seconds,
        default=30.0,
        metavar="S",
        help="seconds each function may take (default 30)",
    )
    p.add_argument(
        "--memory",
        type=memory_size,
        default=None,
        metavar="SIZE",
        help="address space the learner's process may use, e.g. 512M (default 2G)",
    )
    p.add_argument("--numpy", action="store_true", help="pass numpy arrays, not nested lists")
    return p


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from stepcnn.base.usage import UsageError
    from stepcnn.codegen.verify import verify
    from stepcnn.timeline.load import load_scenario
    from stepcnn.timeline.training import TrainingRun

    path = Path(args.file)
    if not path.is_file():
        what = "is not a file" if path.exists() else "no such file"
        raise UsageError(f"stepcnn verify: {args.file}: {what}")
    scenario = load_scenario(args.scenario)
    return verify(
        path.resolve(),
        TrainingRun(scenario, 2),  # iteration 2 has updated biases (see all_cases)
        args.scenario,
        args.timeout,
        args.numpy,
        sys.stdout,
        args.memory,
    )
