"""Loading a scenario: find the file, read it as UTF-8 TOML, validate every field.

The only exception that leaves this module is :class:`ScenarioError`, carrying every problem
found with its field path. Files are read, never executed.
"""

import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stepcnn.engine.layers import shapes_through
from stepcnn.engine.optim import Adam, RMSprop
from stepcnn.scenario import builtin
from stepcnn.scenario.budget import size_problems
from stepcnn.scenario.display import read_display
from stepcnn.scenario.errors import Problem, ScenarioError
from stepcnn.scenario.fields import Table
from stepcnn.scenario.init import initial_params
from stepcnn.scenario.layer_schema import read_network
from stepcnn.scenario.limits import (
    MAX_BATCH_SIZE,
    MAX_FILE_BYTES,
    MAX_ITERATIONS,
    MAX_LAYERS,
    MAX_NESTING,
    MAX_SAMPLES,
    MAX_TOML_NESTING,
)
from stepcnn.scenario.model import Scenario, sample_shape
from stepcnn.scenario.narration import read_narration
from stepcnn.scenario.nesting import too_deep
from stepcnn.scenario.optimizer_fields import read_compare, read_optimizer
from stepcnn.scenario.rule_reach import StepPlan, rule_problems
from stepcnn.scenario.sample_schema import read_inputs, read_labels, read_targets

LOSSES = ("cross_entropy", "mse")


def printable(name: str) -> str:
    """A file name as messages show it: control characters escaped, never sent raw."""
    if name.isprintable():
        return name
    return name.encode("unicode_escape").decode("ascii")


def resolve(ref: str) -> tuple[Path, str]:
    """The file a SCENARIO argument names and how to show it in messages.

    A path (anything with a slash or a ``.toml`` ending, or an existing file) is taken as is;
    otherwise ``ref`` must be the name of a built-in scenario.
    """
    if not ref.strip():
        raise ScenarioError('""', [Problem("", "an empty name is not a scenario file or name")])
    path, shown, _ = resolve_in(ref, builtin.find, builtin.names, "file or built-in scenario")
    return path, shown


def resolve_in(
    ref: str, find: Callable[[str], Path | None], names: Callable[[], list[str]], what: str
) -> tuple[Path, str, bool]:
    """``(file, how messages name it, whether it is a built-in)`` for ``ref``: a path
    (anything with a slash or a ``.toml`` ending, or an existing file) as is, else the
    built-in ``find`` finds (one of ``names()``); ``what`` words the message when neither."""
    shown = printable(ref)
    path = Path(ref)
    if "/" in ref or ref.endswith(".toml") or path.exists():
        return path, shown, False
    found = find(ref)
    if found is None:
        from stepcnn.scenario.fields import suggest

        known = names()
        hint = f"{suggest(ref, known)} (built-ins: {', '.join(known)})"
        raise ScenarioError(shown, [Problem("", f"no such {what}{hint}")])
    return found, found.name, True


def read_text(path: Path, source: str) -> str:
    """The file's text, or a ScenarioError saying why it cannot be had.

    Only regular files are read: opening a named pipe would wait for a writer forever, and a
    device may never end.
    """

    def fail(message: str) -> ScenarioError:
        return ScenarioError(source, [Problem("", message)])

    try:
        try:
            info = path.stat()
        except FileNotFoundError:
            raise fail("file not found") from None
        if stat.S_ISDIR(info.st_mode):
            raise fail("is a directory, not a scenario file")
        if not stat.S_ISREG(info.st_mode):
            raise fail(
                "is not a regular file (a pipe, socket or device); "
                "a scenario must be a regular file of at most 16 MiB"
            )
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise fail(f"is {size / 2**20:.1f} MiB; a scenario file may be at most 16 MiB")
        with path.open("rb") as file:  # bounded: the file may grow after the check
            data = file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise fail("is larger than 16 MiB; a scenario file may be at most 16 MiB")
    except FileNotFoundError:  # deleted between the check and the read
        raise fail("file not found") from None
    except PermissionError:
        raise fail("cannot be read: permission denied") from None
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror or exc}") from None
    except ValueError as exc:  # a name the system cannot take, e.g. with a NUL byte
        raise fail(f"cannot be read: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """The TOML document; a leading byte order mark (Windows editors write one) is dropped."""
    line = too_deep(text, MAX_TOML_NESTING)
    if line is not None:
        message = (
            f"line {line}: lists and inline tables nested more than {MAX_TOML_NESTING} deep; "
            f"the limit is {MAX_TOML_NESTING} (a tensor's lists nest at most {MAX_NESTING})"
        )
        raise ScenarioError(source, [Problem("", message)])
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        message = f"invalid TOML: {exc}"
    except (RecursionError, ValueError, OverflowError) as exc:
        message = f"invalid TOML: {type(exc).__name__}: {exc}"
    raise ScenarioError(source, [Problem("", message)])


def load_scenario(ref: str, *, plan: StepPlan) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path."""
    path, source = resolve(ref)
    return load_file(path, source, plan=plan)


def load_file(path: Path, source: str | None = None, *, plan: StepPlan) -> Scenario:
    source = source or str(path)
    text = read_text(path, source)
    return parse_scenario(text, source, name=path.stem, path=path, plan=plan)


def parse_scenario(
    text: str,
    source: str = "<string>",
    name: str = "scenario",
    path: Path | None = None,
    *,
    plan: StepPlan,
) -> Scenario:
    """Validate a scenario's TOML text; raise ScenarioError listing every problem.

    ``plan`` gives the steps of an iteration (the timeline's layout, see
    :mod:`stepcnn.timeline.load`): narration rules that no step can match are problems too.
    """
    data = parse_toml(text, source)
    problems: list[Problem] = []
    top = Table(data, "", problems)

    title = top.string("title", required=True)
    description = top.string("description", "")
    credit = top.string("credit", "")
    seed = top.integer("seed", 0, minimum=0, what="a non-negative integer")
    optimizer = read_optimizer(top)
    learning_rate = optimizer.learning_rate
    loss = top.choice("loss", LOSSES, required=True)
    batch_size = top.integer(
        "batch_size", 1, minimum=1, maximum=MAX_BATCH_SIZE, what="a positive integer"
    )
    iterations = top.integer(
        "iterations", 1, minimum=1, maximum=MAX_ITERATIONS, what="a positive integer"
    )

    sample_tables = top.tables("samples", required=True)
    if data.get("samples") == []:  # (a list of non-tables has its own problems)
        problems.append(Problem("samples", "must list at least one sample"))
    if len(sample_tables) > MAX_SAMPLES:
        problems.append(
            Problem("samples", f"has {len(sample_tables):,} samples; the limit is {MAX_SAMPLES:,}")
        )
        sample_tables = []
    inputs = read_inputs(sample_tables)

    layer_tables = top.tables("layers", required=True)
    if len(layer_tables) > MAX_LAYERS:
        problems.append(
            Problem("layers", f"has {len(layer_tables):,} layers; the limit is {MAX_LAYERS:,}")
        )
        layer_tables = []
    if data.get("layers") == []:
        problems.append(Problem("layers", "must list at least one layer"))
    input_shape = None if inputs is None else sample_shape(inputs)
    read, graph = read_network(layer_tables, input_shape)

    layers = tuple(r.layer for r in read if r.layer is not None) if read else None
    shapes = shapes_through(layers, input_shape, graph) if layers and input_shape else None
    output_shape = shapes[-1] if shapes else None

    y = None
    if loss == "cross_entropy":
        classes = None
        if output_shape is not None:
            if len(output_shape) != 1:
                problems.append(
                    Problem(
                        "loss",
                        "cross_entropy needs the network to end in a vector of class scores, "
                        f"but it ends in {'×'.join(map(str, output_shape))}: "
                        "end with flatten and linear",
                    )
                )
            else:
                classes = output_shape[0]
        y = read_labels(sample_tables, classes)
    elif loss == "mse":
        y = read_targets(sample_tables, output_shape)
    else:  # the loss is wrong or missing (reported): its label/target keys cannot be judged
        for table in sample_tables:
            table.known.extend(("label", "target"))
    for table in sample_tables:
        table.finish()

    narration = read_narration(top.table("narration"), len(layer_tables))
    display = read_display(top.table("display"), len(layer_tables), iterations)
    compare = read_compare(top.table("compare"), learning_rate)
    top.finish()

    if layers and shapes and batch_size and iterations and loss:
        problems.extend(
            rule_problems(
                narration.rules, layers, shapes, batch_size, loss, iterations, plan, graph
            )
        )
    if layers and shapes and batch_size:
        for i, (layer, shape) in enumerate(zip(layers, shapes, strict=False)):
            check = getattr(layer, "batch_problem", None)
            problem = check(batch_size, shape) if check is not None else ""
            if problem:
                problems.append(Problem(f"layers[{i}]", problem))
    steps = 0
    if not problems and layers and shapes and batch_size and iterations:
        if loss:
            planned = plan(layers, shapes, batch_size, loss, graph)
            steps = planned[-1].end if planned else 0  # the segments tile the iteration
        problems.extend(size_problems(layers, shapes, batch_size, iterations, steps, graph))
    chosen = optimizer.optimizer
    if problems or inputs is None or not layers or read is None or y is None or chosen is None:
        if not problems:  # defensive: every None above comes with a recorded problem
            problems.append(Problem("", "is not a valid scenario"))
        raise ScenarioError(source, problems)

    assert learning_rate is not None  # (else read_optimizer recorded a problem)
    params = initial_params(layers, [(r.weight, r.bias) for r in read], seed)
    return Scenario(
        name=name,
        source=source,
        path=path,
        title=title,
        description=description,
        credit=credit,
        seed=seed,
        learning_rate=learning_rate,
        loss=loss,
        batch_size=batch_size,
        iterations=iterations,
        steps_per_iteration=steps,
        inputs=inputs,
        y=y,
        layers=layers,
        initial_params=params,
        narration=narration,
        display=display,
        momentum=optimizer.momentum,
        weight_decay=optimizer.weight_decay,
        chosen_optimizer=chosen if isinstance(chosen, Adam | RMSprop) else None,
        compare=compare,
        graph=graph,
    )
