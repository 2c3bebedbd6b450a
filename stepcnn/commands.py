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
from stepcnn.wording import count


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
    samples = s.inputs.shape[0]
    print(f"  input      {shape_text(shapes[0])}  ({count(samples, 'sample')})")
    for i, layer in enumerate(s.layers):
        params = s.initial_params[i]
        extra = f"  {count(params.weight.size + params.bias.size, 'parameter')}" if params else ""
        shapes_text = f"{shape_text(shapes[i])} → {shape_text(shapes[i + 1])}"
        print(f"  layer {i:<3} {layer.type:<10} {shapes_text}{extra}")
    print(f"  loss       {s.loss}")
    print(f"parameters: {s.parameter_count:,}")
    phases = {ph: sum(c for (p, _), c in counts.items() if p == ph) for ph in PHASES}
    detail = ", ".join(f"{ph} {n:,}" for ph, n in phases.items())
    print(f"steps per iteration: {layout.per_iteration:,} ({detail})")
    print(
        f"iterations: {s.iterations:,}, batch size {s.batch_size:,}, "
        f"learning rate {s.learning_rate:g}: {layout.per_iteration * s.iterations:,} steps in all"
    )
    print(f"optimizer: {s.optimizer.describe()}")
    if s.batch_size > samples:
        print(
            f"note: batch_size {s.batch_size} is larger than the {count(samples, 'sample')}: "
            "samples repeat within a batch"
        )
    if s.credit:
        print(f"credit: {s.credit}")
    print("ok")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from stepcnn.export import write_export

    scenario = load_scenario(args.scenario)
    check_iterations(scenario, args.iterations, "stepcnn export")
    count = len(scenario.layers)
    if args.layers is not None and args.layers[-1] >= count:
        raise UsageError(
            f"stepcnn export: argument --layers: {scenario.source} has layers 0 to {count - 1}, "
            f"got {args.layers[-1]} (see stepcnn export --help)"
        )
    write_export(TrainingRun(scenario, args.iterations), sys.stdout, args.layers)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from stepcnn.trace import check_start, parse_layer_filter, write_trace

    scenario = load_scenario(args.scenario)
    layer = parse_layer_filter(args.layer, len(scenario.layers))
    check_iterations(scenario, args.iterations, "stepcnn trace")
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


def cmd_new(args: argparse.Namespace) -> int:
    from stepcnn.template import write_template

    if args.images is None and args.csv is None and args.npy is None:
        for option in ("labels", "size", "shape", "labels_npy"):
            if getattr(args, option) is not None:
                flag = "--" + option.replace("_", "-")
                raise UsageError(f"stepcnn new: {flag} goes with --images, --csv or --npy")
        return write_template(args.name, force=args.force)
    return new_from_samples(args)


def new_from_samples(args: argparse.Namespace) -> int:
    """``stepcnn new NAME --images … | --csv … | --npy …`` (one line, exit 2 on bad input)."""
    from stepcnn.data_scenario import write_data_scenario
    from stepcnn.pictures import InputError, from_csv, from_images, from_npy

    def only(option: str, goes_with: str, given: bool) -> None:
        if not given:
            raise UsageError(f"stepcnn new: {option} goes with {goes_with}")

    only("--labels", "--images", args.labels is None or args.images is not None)
    only("--size", "--images", args.size is None or args.images is not None)
    only("--shape", "--csv", args.shape is None or args.csv is not None)
    only("--labels-npy", "--npy", args.labels_npy is None or args.npy is not None)
    try:
        if args.images is not None:
            if args.labels is None:
                raise UsageError("stepcnn new: --images needs --labels (one class per picture)")
            samples = from_images(args.images, args.labels, args.size)
        elif args.csv is not None:
            if args.shape is None:
                raise UsageError("stepcnn new: --csv needs --shape CxHxW (of one sample)")
            samples = from_csv(args.csv, args.shape)
        else:
            if args.labels_npy is None:
                raise UsageError("stepcnn new: --npy needs --labels-npy Y.npy")
            samples = from_npy(args.npy, args.labels_npy)
        return write_data_scenario(args.name, samples, force=args.force)
    except InputError as exc:
        raise UsageError(str(exc)) from None


# ---- stepcnn matrix ----------------------------------------------------------------------


def cmd_matrix(args: argparse.Namespace) -> int:
    from stepcnn.matrix_report import conv_matrix_of, write_matrix_json, write_matrix_text

    scenario = load_scenario(args.scenario)
    index, cm = conv_matrix_of(scenario, args.layer)
    (write_matrix_json if args.format == "json" else write_matrix_text)(index, cm, sys.stdout)
    return 0


def check_theme(theme: str | None, command: str) -> None:
    """``--theme``: a built-in Textual theme, or one line and exit 2."""
    if theme is None:
        return
    from textual.theme import BUILTIN_THEMES

    if theme not in BUILTIN_THEMES:
        raise UsageError(
            f"{command}: argument --theme: unknown theme {theme!r}; "
            f"known: {', '.join(sorted(BUILTIN_THEMES))}"
        )


def cmd_tui(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)  # errors are reported before the screen opens
    check_iterations(scenario, args.iterations, "stepcnn")
    check_theme(args.theme, "stepcnn")
    from stepcnn.session import Session
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
    return run_app(session, args.scenario, watch=args.watch, theme=args.theme)


# ---- beyond one terminal: serve, figure ------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    from stepcnn.serve import serve

    scenario = load_scenario(args.scenario)  # errors are reported before the server starts
    check_iterations(scenario, args.iterations, "stepcnn serve")
    check_theme(args.theme, "stepcnn serve")
    try:
        return serve(
            args.scenario,
            host=args.host,
            port=args.port,
            iterations=args.iterations,
            theme=args.theme,
        )
    except OSError as exc:  # the port is taken, the address is not this machine's, ...
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"stepcnn serve: cannot listen on {args.host}:{args.port}: {reason}"
        ) from None


def steps_in_run(scenario: Scenario, iterations: int | None) -> int:
    """How many steps a run of ``scenario`` has (``iterations`` overriding its own count)."""
    from stepcnn.timeline.layout import Layout

    layout = Layout(scenario.layers, scenario.shapes, scenario.batch_size, scenario.loss)
    return layout.per_iteration * (iterations or scenario.iterations)


def cmd_figure(args: argparse.Namespace) -> int:
    from pathlib import Path

    from stepcnn.figure import FigureError, check_format, render
    from stepcnn.timeline.numbering import position

    output = Path(args.output)
    try:
        check_format(output)
        scenario = load_scenario(args.scenario)
        check_iterations(scenario, args.iterations, "stepcnn figure")
        total = steps_in_run(scenario, args.iterations)
        if not 1 <= args.step <= total:
            raise FigureError(
                f"--step: step {args.step} is out of range: {scenario.source} has "
                f"{count(total, 'step')} (1–{total})"
            )
        figure = render(
            scenario,
            position(args.step),
            size=args.size,
            theme=args.theme,
            view=args.view,
            iterations=args.iterations,
        )
        figure.save(output)
    except FigureError as exc:
        raise UsageError(f"stepcnn figure: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{output}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {output}")
    return 0
