"""The ``code``, ``exercise`` and ``verify`` subcommands (parsing lives in :mod:`stepcnn.cli`)."""

import argparse
import sys
from pathlib import Path

from stepcnn.scenario import load_scenario
from stepcnn.usage import UsageError


def write_text(text: str, target: str | None, force: bool, prog: str) -> None:
    """Print ``text``, or write it to ``target`` (refusing to overwrite unless ``force``)."""
    if target is None:
        sys.stdout.write(text)
        return
    path = Path(target)
    if path.is_dir():
        raise UsageError(f"{prog}: {target}: is a directory")
    if path.exists() and not force:
        raise UsageError(f"{prog}: {target}: exists; --force overwrites it")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{prog}: {target}: cannot write: {exc.strerror}") from None
    print(f"wrote {target}", file=sys.stderr)


def cmd_code(args: argparse.Namespace) -> int:
    from stepcnn.codegen.script import script

    scenario = load_scenario(args.scenario)
    write_text(script(scenario, args.style), args.output, args.force, "stepcnn code")
    return 0


def cmd_exercise(args: argparse.Namespace) -> int:
    from stepcnn.codegen.exercise import skeleton

    scenario = load_scenario(args.scenario)
    name = Path(args.output).name if args.output else "my_cnn.py"
    write_text(skeleton(scenario, args.scenario, name), args.output, args.force, "stepcnn exercise")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from stepcnn.codegen.verify import verify
    from stepcnn.training import TrainingRun

    path = Path(args.file)
    if not path.is_file():
        what = "is not a file" if path.exists() else "no such file"
        raise UsageError(f"stepcnn verify: {args.file}: {what}")
    scenario = load_scenario(args.scenario)
    return verify(
        path.resolve(),
        TrainingRun(scenario, 1),
        args.scenario,
        args.timeout,
        args.numpy,
        sys.stdout,
    )
