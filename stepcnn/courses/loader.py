"""Loading a course file: TOML, validated as strictly as a scenario — every problem one line
naming the file and the field, the chapters' scenarios loaded with every check, every stop
pinned to a step that exists and has what its checkpoint asks.

Schema (see docs/course.md)::

    title = "How a CNN's filters learn"
    description = "..."                 # optional
    [[chapters]]
    title = "A filter is a small matrix that slides"
    scenario = "hand-computable"        # a built-in name, or a path (relative to this file)
    goals = ["...", "..."]
    intro = "..."                       # optional: the chapter's card
    precision = 2                       # optional: decimals shown (default: the scenario's)
    exercise = false                    # optional: write-it-yourself (stepcnn verify)
    [[chapters.stops]]                  # narration pinned to a step
    op = "conv2d.forward"               # or step = K (as on the screen, from 1)
    index = [0, 0, 0, 1]                # optional, with iteration (from 1) and layer
    text = "..."
    view = "fc"                         # optional: the inline view shown there
    [[chapters.checkpoints]]            # the learner predicts the step's value
    op = "conv2d.forward"
    index = [0, 0, 0, 0]
    prompt = "..."
    ask = "result"                      # optional: result | dW | weight
    cell = [0, 0, 1]                    # optional, for dW and weight: the cell of W[f]
    text = "..."                        # optional: shown there once answered
"""

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

from stepcnn.courses import builtin
from stepcnn.courses.model import ASKS, Chapter, Checkpoint, Course, Stop
from stepcnn.courses.where import SELECTOR, describe_step, layout_of, resolve, segment_at
from stepcnn.scenario.display import MAX_PRECISION, MIN_PRECISION
from stepcnn.scenario.errors import Problem, ScenarioError
from stepcnn.scenario.fields import MISSING, Table, control_problem, describe
from stepcnn.scenario.loader import parse_toml, read_text, resolve_in
from stepcnn.scenario.model import Scenario
from stepcnn.scenario.narration import template
from stepcnn.timeline.layout import Segment
from stepcnn.timeline.load import load_scenario

MAX_CHAPTERS = 50
MAX_STOPS = 200


def resolve_course(ref: str | None) -> tuple[Path, str, str]:
    """``(file, how messages name it, the name progress is kept under)`` for a COURSE
    argument: a built-in course's name (None: the default one), or a path."""
    if ref is None:
        ref = builtin.DEFAULT
    what = "course file or built-in course"
    path, shown, named = resolve_in(ref, builtin.find, builtin.names, what)
    return path, shown, ref if named else str(path.resolve())


def load_course(ref: str | None, views: Sequence[str]) -> Course:
    """A built-in course by name (None: the default), or a course file by path.

    ``views``: the inline views a stop may name (the presenter's). Raises ScenarioError
    listing every problem, each naming the file and the field.
    """
    path, source, name = resolve_course(ref)
    text = read_text(path, source)
    return parse_course(text, source, name, path.resolve().parent, views)


def parse_course(text: str, source: str, name: str, folder: Path, views: Sequence[str]) -> Course:
    data = parse_toml(text, source)
    problems: list[Problem] = []
    top = Table(data, "", problems)
    title = top.string("title", required=True)
    description = top.string("description", "")
    tables = top.tables("chapters", required=True)
    if data.get("chapters") == []:
        problems.append(Problem("chapters", "must list at least one chapter"))
    if len(tables) > MAX_CHAPTERS:
        problems.append(
            Problem("chapters", f"has {len(tables):,} chapters; the limit is {MAX_CHAPTERS}")
        )
        tables = []
    chapters = [_chapter(t, i + 1, folder, views) for i, t in enumerate(tables)]
    top.finish()
    if problems or any(c is None for c in chapters):
        if not problems:
            problems.append(Problem("", "is not a valid course"))
        raise ScenarioError(source, problems)
    return Course(name, title, description, source, tuple(c for c in chapters if c))


def _scenario(table: Table, folder: Path) -> tuple[str, Scenario] | None:
    ref = table.string("scenario", required=True)
    if ref is None:
        return None
    if "/" in ref or ref.endswith(".toml"):
        ref = str((folder / ref).resolve())
    try:
        return ref, load_scenario(ref)
    except ScenarioError as exc:
        first = exc.lines()[0]
        more = f" (and {len(exc.lines()) - 1} more problems)" if len(exc.lines()) > 1 else ""
        table.error("scenario", f"does not load: {first}{more}")
        return None


def _strings(table: Table, key: str) -> tuple[str, ...]:
    value = table.raw(key, required=True)
    if value is MISSING:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        table.error(key, f"must be a list of strings (at least one), got {describe(value)}")
        return ()
    for i, text in enumerate(value):
        problem = control_problem(text)
        if problem:
            table.error(f"{key}[{i}]", problem)
    return tuple(value)


def _text(table: Table, key: str, *, required: bool) -> str | None:
    value = table.raw(key, required=required)
    if value is MISSING:
        return "" if not required else None
    return template(table, key, value)


def _chapter(table: Table, number: int, folder: Path, views: Sequence[str]) -> Chapter | None:
    chapter_title = table.string("title", required=True)
    loaded = _scenario(table, folder)
    goals = _strings(table, "goals")
    intro = _text(table, "intro", required=False)
    precision = table.integer(
        "precision",
        minimum=MIN_PRECISION,
        maximum=MAX_PRECISION,
        what=f"a number of decimals ({MIN_PRECISION}–{MAX_PRECISION})",
    )
    exercise = table.boolean("exercise", False)
    stop_tables = table.tables("stops")
    check_tables = table.tables("checkpoints")
    if len(stop_tables) + len(check_tables) > MAX_STOPS:
        table.error("stops", f"a chapter may pin at most {MAX_STOPS} steps")
        stop_tables, check_tables = [], []
    if not stop_tables and not check_tables and "stops" not in table.data:
        table.error("stops", "is required: pin at least one step (a stop or a checkpoint)")
    if loaded is None:  # the stops cannot be judged without the scenario
        for t in (*stop_tables, *check_tables):
            t.known.extend((*SELECTOR, "text", "view", "prompt", "ask", "cell"))
        table.finish()
        return None
    ref, scenario = loaded
    what = scenario.name
    stops = [_stop(t, scenario, what, views, checkpoint=False) for t in stop_tables]
    stops += [_stop(t, scenario, what, views, checkpoint=True) for t in check_tables]
    table.finish()
    found = [s for s in stops if s is not None]
    if len(found) != len(stops) or chapter_title is None or intro is None or not goals:
        return None
    ordered = sorted(found, key=lambda s: s.k)
    layout = layout_of(scenario)
    for a, b in pairwise(ordered):
        if a.k == b.k:
            segment, per = segment_at(layout, b.k), layout.per_iteration
            table.problems.append(
                Problem(
                    b.path,
                    f"pins {describe_step(b.k, segment, per)}, as {a.path} does: one stop a step "
                    "(give a checkpoint its own text)",
                )
            )
            return None
    return Chapter(
        number,
        chapter_title,
        ref,
        scenario,
        goals,
        intro,
        scenario.display.precision if precision is None else precision,
        exercise,
        tuple(ordered),
    )


def _stop(
    table: Table, scenario: Scenario, what: str, views: Sequence[str], *, checkpoint: bool
) -> Stop | None:
    found = resolve(table, scenario, what)
    text = _text(table, "text", required=not checkpoint)
    view = table.choice("view", list(views), "")
    asked: Checkpoint | None = None
    if checkpoint:
        prompt = table.string("prompt", required=True)
        ask = table.choice("ask", ASKS, "result")
        cell = table.index("cell", empty=False)
        if found is not None and prompt is not None and ask is not None:
            _, segment = found
            if _asks_right(table, scenario, segment, ask, cell):
                asked = Checkpoint(prompt, ask, cell)
    table.finish()
    if found is None or text is None or view is None or (checkpoint and asked is None):
        return None
    return Stop(found[0], text, view, asked, table.path)


def _asks_right(
    table: Table, scenario: Scenario, segment: Segment, ask: str, cell: tuple[int, ...] | None
) -> bool:
    """Whether the pinned step has what ``ask`` wants (and ``cell`` is inside W[f])."""
    op = segment.op.name
    if ask == "result":
        if segment.kind == "flatten":
            table.error("op", f"{op} only reshapes: there is nothing to predict at its steps")
            return False
        if cell is not None:
            table.error("cell", 'is for ask = "dW" or "weight"')
            return False
        return True
    wanted = ("backward", ("conv2d", "linear")) if ask == "dW" else ("update", ())
    phase, kinds = wanted
    if segment.phase != phase or (kinds and segment.kind not in kinds):
        need = "a conv2d or linear backward step" if ask == "dW" else "an update step"
        table.error("ask", f'"{ask}" needs {need}; the step pinned is {op}')
        return False
    params = None if segment.layer is None else scenario.initial_params[segment.layer]
    if params is None:
        table.error("ask", f'"{ask}": layer {segment.layer} has no weights')
        return False
    shape = params.weight.shape[1:]
    if cell is not None and (
        len(cell) != len(shape) or any(c >= d for c, d in zip(cell, shape, strict=True))
    ):
        table.error(
            "cell",
            f"must be a cell of W[f], shape {'×'.join(map(str, shape))} "
            f"(indices {[d - 1 for d in shape]} at most), got {list(cell)}",
        )
        return False
    return True
