"""What each ``stepcnn`` subcommand does (argument parsing lives in :mod:`stepcnn.cli`)."""

import argparse
import sys

from stepcnn.engine.network import PHASES
from stepcnn.scenario import Scenario, load_scenario
from stepcnn.scenario.budget import size_problems
from stepcnn.scenario.builtin import paths, title_of
from stepcnn.scenario.layer_schema import shape_text
from stepcnn.training import TrainingRun
from stepcnn.usage import UsageError


def check_iterations(scenario: Scenario, iterations: int | None, prog: str) -> None:
    """Refuse an ``--iterations`` whose history would break the loader's memory budget."""
    if iterations is None:
        return
    problems = size_problems(scenario.layers, scenario.shapes, scenario.batch_size, iterations)
    if problems:
        raise UsageError(f"{prog}: argument --iterations/-n: {problems[0].message}")


def cmd_list(args: argparse.Namespace) -> int:
    found = paths()
    width = max((len(p.stem) for p in found), default=0)
    for path in found:
        print(f"{path.stem:<{width}}  {title_of(path)}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from stepcnn.timeline.layout import Layout

    s = load_scenario(args.scenario)
    shapes = s.shapes
    layout = Layout(s.layers, shapes, s.batch_size, s.loss)
    counts = layout.counts()
    print(f"{s.source}: {s.title}")
    count = s.inputs.shape[0]
    print(f"  input      {shape_text(shapes[0])}  ({count} sample{'s' if count != 1 else ''})")
    for i, layer in enumerate(s.layers):
        params = s.initial_params[i]
        extra = f"  {params.weight.size + params.bias.size} parameters" if params else ""
        shapes_text = f"{shape_text(shapes[i])} → {shape_text(shapes[i + 1])}"
        print(f"  layer {i:<3} {layer.type:<10} {shapes_text}{extra}")
    print(f"  loss       {s.loss}")
    print(f"parameters: {s.parameter_count}")
    phases = {ph: sum(c for (p, _), c in counts.items() if p == ph) for ph in PHASES}
    detail = ", ".join(f"{ph} {n}" for ph, n in phases.items())
    print(f"steps per iteration: {layout.per_iteration} ({detail})")
    print(
        f"iterations: {s.iterations}, batch size {s.batch_size}, "
        f"learning rate {s.learning_rate:g}: {layout.per_iteration * s.iterations} steps in all"
    )
    print(f"optimizer: {s.optimizer.describe()}")
    if s.batch_size > count:
        print(
            f"note: batch_size {s.batch_size} is larger than the {count} sample"
            f"{'s' if count != 1 else ''}: samples repeat within a batch"
        )
    if s.credit:
        print(f"credit: {s.credit}")
    print("ok")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from stepcnn.export import write_export

    scenario = load_scenario(args.scenario)
    check_iterations(scenario, args.iterations, "stepcnn export")
    write_export(TrainingRun(scenario, args.iterations), sys.stdout)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from stepcnn.trace import parse_layer_filter, write_trace

    scenario = load_scenario(args.scenario)
    layer = parse_layer_filter(args.layer, len(scenario.layers))
    check_iterations(scenario, args.iterations, "stepcnn trace")
    run = TrainingRun(scenario, args.iterations)
    write_trace(run, sys.stdout, phase=args.phase, layer=layer, fmt=args.format)
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from stepcnn.template import write_template

    return write_template(args.name, force=args.force)


# ---- stepcnn matrix ----------------------------------------------------------------------


def cmd_matrix(args: argparse.Namespace) -> int:
    from stepcnn.matrix_report import conv_matrix_of, write_matrix_json, write_matrix_text

    scenario = load_scenario(args.scenario)
    index, cm = conv_matrix_of(scenario, args.layer)
    (write_matrix_json if args.format == "json" else write_matrix_text)(index, cm, sys.stdout)
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)  # errors are reported before the screen opens
    check_iterations(scenario, args.iterations, "stepcnn")
    from stepcnn.tui.app import run_app

    return run_app(scenario, args.scenario, iterations=args.iterations, watch=args.watch)
