"""Property-based fuzzing of the scenario loader and the command line (issue 6).

Whatever a scenario file holds, the loader either returns a scenario that trains, or raises
:class:`ScenarioError` whose every problem is one line naming a field; the CLI turns that into
exit status 2 without a traceback.

The number of examples per property comes from ``STEPCNN_FUZZ_EXAMPLES``: a small, fixed
(derandomised) run in ``make test``, a long exploring run in ``make fuzz``.
"""

import contextlib
import datetime as dt
import io
import math
import os
import re
import subprocess
import sys
import tomllib
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from stepcnn.cli import main
from stepcnn.present.scene import rule_key
from stepcnn.scenario import Problem, Scenario, ScenarioError
from stepcnn.scenario.builtin import paths as builtin_paths
from stepcnn.scenario.placeholders import PLACEHOLDERS, fill
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import load_file, parse_scenario
from stepcnn.timeline.training import TrainingRun

DEFAULT_EXAMPLES = 150
EXAMPLES = int(os.environ.get("STEPCNN_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
EXPLORE = EXAMPLES > DEFAULT_EXAMPLES  # `make fuzz`: random seeds, not the fixed ones


def fuzz(examples: int = EXAMPLES) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        derandomize=not EXPLORE,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


BUILTINS = builtin_paths()
BUILTIN_DATA = {p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in BUILTINS}

TOP_KEYS = (
    "title",
    "description",
    "credit",
    "seed",
    "learning_rate",
    "loss",
    "batch_size",
    "iterations",
    "samples",
    "layers",
    "narration",
    "display",
)
LAYER_TYPES = ("conv2d", "relu", "maxpool2d", "flatten", "linear")
LAYER_KEYS = (
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "in_channels",
    "out_features",
    "in_features",
    "weight",
    "bias",
)
SCHEMA_KEYS = (
    *TOP_KEYS,
    *LAYER_KEYS,
    "type",
    "input",
    "label",
    "target",
    "intro",
    "ops",
    "at",
    "text",
    "hidden",
    "precision",
)


# ---- a small TOML writer -----------------------------------------------------------------

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, dt.date | dt.time):  # (datetime is a date)
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"not a TOML value: {value!r}")


def is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def toml_document(doc: dict[str, Any], sections: bool = True) -> str:
    """TOML text for ``doc``: tables as ``[a.b]`` and ``[[a]]`` sections, or all inline."""
    lines: list[str] = []

    def table(prefix: list[str], data: dict[str, Any]) -> None:
        nested = []
        for key, value in data.items():
            if sections and (isinstance(value, dict) or is_table_array(value)):
                nested.append((key, value))
            else:
                lines.append(f"{toml_key(key)} = {toml_value(value)}")
        for key, value in nested:
            path = [*prefix, key]
            header = ".".join(toml_key(k) for k in path)
            if isinstance(value, dict):
                lines.append(f"[{header}]")
                table(path, value)
            else:
                for item in value:
                    lines.append(f"[[{header}]]")
                    table(path, item)

    table([], doc)
    return "\n".join(lines) + "\n"


# ---- strategies ----------------------------------------------------------------------------

SPECIAL_NUMBERS = (
    0,
    -1,
    1,
    2**31,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    10**400,
    -(10**400),
    0.0,
    -0.0,
    1e-320,
    1e308,
    -1e308,
    math.inf,
    -math.inf,
    math.nan,
)
timezones = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
scalars = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.sampled_from(SPECIAL_NUMBERS),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.times(),
    st.datetimes(),
    st.builds(lambda d, tz: d.replace(tzinfo=tz), st.datetimes(), timezones),
)
keys = st.one_of(st.sampled_from(SCHEMA_KEYS), st.text(max_size=8))
anything = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=16,
)
small_numbers = st.one_of(st.integers(-3, 9), st.floats(-10, 10), st.sampled_from(SPECIAL_NUMBERS))
ragged = st.recursive(small_numbers, lambda c: st.lists(c, max_size=4), max_leaves=30)


@st.composite
def rectangular(draw: st.DrawFn, max_dims: int = 4) -> Any:
    """A nested list of numbers of a random shape (each side 1–4); mostly plain numbers."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=max_dims))
    count = math.prod(shape)
    element = st.integers(-3, 3) | st.floats(-2, 2) if draw(st.booleans()) else small_numbers
    return nested(draw(st.lists(element, min_size=count, max_size=count)), shape)


def mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a plausible value, sometimes anything at all."""
    return st.one_of(good, good, good, anything)


tensors = rectangular() | ragged


GOOD_PIECES = (
    *(f"{{{name}}}" for name in PLACEHOLDERS),
    "{value:.3f}",
    "{step:.3}",
    "{value:+.2e}",
    "{value:>8.2f}",
    "{{",
    "}}",
    "text ",
    "\n",
    "\t",
)
BAD_PIECES = (
    "{nope}",
    "{value.__class__}",
    "{value[0]}",
    "{value!r}",
    "{value:{step}}",
    "{value:2147483647}",
    "{value:.999999999f}",
    "{a\nb}",
    "{value!\n}",
    "{value:\n}",
    "{",
    "}",
    "\x1b[2J",
    "\x9b",
)
template = st.one_of(
    st.lists(st.sampled_from(GOOD_PIECES), max_size=6).map("".join),
    st.lists(st.sampled_from(GOOD_PIECES + BAD_PIECES), max_size=6).map("".join),
    st.text(max_size=20),
)
narration = st.fixed_dictionaries(
    {},
    optional={
        "intro": mostly(template),
        "ops": st.dictionaries(
            st.sampled_from(["conv2d.forward", "relu", "mse", "linear.update", "conv2d.fwd"]),
            mostly(template),
            max_size=3,
        ),
        "at": st.lists(
            st.fixed_dictionaries(
                {"text": mostly(template)},
                optional={
                    "iteration": mostly(st.integers(0, 3)),  # counted from 1: 0 is refused
                    "phase": mostly(st.sampled_from(["forward", "backward", "update"])),
                    "layer": mostly(st.integers(0, 2)),
                    "op": mostly(st.sampled_from(["conv2d.forward", "linear.backward"])),
                    "index": mostly(st.lists(st.integers(0, 3), max_size=4)),
                    "steps": mostly(st.lists(st.integers(0, 9), min_size=2, max_size=2)),
                },
            ),
            max_size=3,
        ),
    },
)
display = st.fixed_dictionaries(
    {},
    optional={
        "hidden": mostly(st.lists(st.sampled_from(["source", "network", "sorce"]), max_size=2)),
        "start_iteration": mostly(st.integers(0, 2)),
        "start_phase": mostly(st.sampled_from(["forward", "backward", "update"])),
        "start_layer": mostly(st.integers(0, 2)),
        "precision": mostly(st.integers(0, 6)),
    },
)


def nested(flat: list[Any], shape: list[int]) -> Any:
    for side in reversed(shape[1:]):
        flat = [flat[i : i + side] for i in range(0, len(flat), side)]
    return flat


@st.composite
def plausible(draw: st.DrawFn) -> dict[str, Any]:
    """A small scenario that is valid as drawn: [conv2d [relu] [maxpool2d]] flatten linear."""
    channels = draw(st.integers(1, 2))
    height, width = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    classes = draw(st.integers(1, 3))
    layers: list[dict[str, Any]] = []
    if draw(st.booleans()):
        kernel = draw(st.integers(1, min(height, width)))
        stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 1))
        conv: dict[str, Any] = {"type": "conv2d", "out_channels": draw(st.integers(1, 2))}
        conv["kernel_size"] = kernel
        if stride != 1:
            conv["stride"] = stride
        if padding:
            conv["padding"] = [padding, padding]
        layers.append(conv)
        height = (height + 2 * padding - kernel) // stride + 1
        width = (width + 2 * padding - kernel) // stride + 1
        if draw(st.booleans()):
            layers.append({"type": "relu"})
        if min(height, width) >= 2 and draw(st.booleans()):
            layers.append({"type": "maxpool2d", "kernel_size": 2})
    layers += [{"type": "flatten"}, {"type": "linear", "out_features": classes}]
    loss = draw(st.sampled_from(["cross_entropy", "mse"]))
    shape = [height, width] if channels == 1 and draw(st.booleans()) else [channels, height, width]
    samples = []
    for _ in range(draw(st.integers(1, 3))):
        count = math.prod(shape)
        pixel = st.integers(-3, 3) | st.floats(-2, 2)
        pixels = draw(st.lists(pixel, min_size=count, max_size=count))
        entry: dict[str, Any] = {"input": nested(pixels, shape)}
        if loss == "cross_entropy":
            entry["label"] = draw(st.integers(0, classes - 1))
        else:
            entry["target"] = draw(st.lists(st.floats(-1, 1), min_size=classes, max_size=classes))
        samples.append(entry)
    doc: dict[str, Any] = {
        "title": draw(st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=20)),
        "learning_rate": draw(st.floats(1e-3, 2)),
        "loss": loss,
    }
    for key, value in (
        ("seed", st.integers(0, 2**70)),
        ("batch_size", st.integers(1, 3)),
        ("iterations", st.integers(1, 3)),
    ):
        if draw(st.booleans()):
            doc[key] = draw(value)
    doc["samples"] = samples
    doc["layers"] = layers
    return doc


@st.composite
def scenario_like(draw: st.DrawFn) -> dict[str, Any]:
    """A plausible scenario, perhaps with narration and display, perhaps mutated a little."""
    doc = draw(plausible())
    if draw(st.booleans()):
        doc["narration"] = draw(narration)
    if draw(st.booleans()):
        doc["display"] = draw(display)
    if draw(st.booleans()):  # a layer key with a plausible value: weights, sizes, ...
        layer = draw(st.sampled_from(doc["layers"]))
        layer[draw(st.sampled_from(LAYER_KEYS))] = draw(
            st.integers(1, 4) | st.lists(st.integers(0, 3), min_size=2, max_size=2) | tensors
        )
    for _ in range(draw(st.integers(0, 2))):
        mutate(draw, doc)
    return doc


documents = st.dictionaries(keys, anything, max_size=6)


# ---- what every outcome must look like ---------------------------------------------------


def one_clean_line(text: str) -> bool:
    """No line break and no control character (an escape would reach the terminal)."""
    return not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


def names_a_key(path: str, data: Any) -> bool:
    """Whether a field path starts with a schema key, a key of the document, or a quoted key."""
    if path.startswith('"'):
        return True
    roots = [*TOP_KEYS, *(data if isinstance(data, dict) else ())]
    return any(path == k or path.startswith((f"{k}.", f"{k}[")) for k in roots)


def assert_good_error(error: ScenarioError, source: str, data: Any = None) -> None:
    """Problems that each render as one line, naming a field unless the file itself is bad."""
    assert isinstance(error, ScenarioError)
    assert error.source == source
    assert error.problems, "a ScenarioError without problems"
    lines = error.lines()
    assert len(lines) == len(error.problems)
    for problem, line in zip(error.problems, lines, strict=True):
        assert isinstance(problem, Problem)
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert isinstance(problem.path, str)
        assert one_clean_line(line), line
        assert line.startswith(f"{source}: ")
        if data is None:  # the text is not a TOML document: a file-level problem
            assert problem.path == "", problem
            assert problem.message.startswith("invalid TOML: "), problem
            continue
        assert problem.path, f"a problem without a field path: {problem}"
        assert line == f"{source}: {problem.path}: {problem.message}"
        assert names_a_key(problem.path, data), problem


def as_toml(text: str) -> Any:
    """The document ``text`` holds, or ``None`` if it is not TOML (or not for tomllib)."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None


def exercise(scenario: Scenario) -> None:
    """A scenario that loads must train an iteration and derive its first and last steps."""
    assert isinstance(scenario, Scenario)
    shown = [scenario.title, scenario.description, scenario.credit, scenario.narration.intro]
    shown += [*scenario.narration.ops.values(), *(r.text for r in scenario.narration.rules)]
    for text in shown:  # printed by `stepcnn check` and the TUI: no terminal escapes
        assert one_clean_line(text.replace("\n", " ").replace("\t", " ")), repr(text)
    run = TrainingRun(scenario, 1)
    record = run.record(0)
    assert len(record.layers) == len(scenario.layers)
    timeline = Timeline(run)
    assert len(timeline) == timeline.per_iteration >= 1
    for k in (0, len(timeline) - 1):
        step = timeline[k]
        assert step.k == k and step.iteration == 0
        where = rule_key(step)
        values = {
            "step": step.k + 1,  # placeholders number steps and iterations from 1
            "steps": len(timeline),
            "iteration": step.iteration + 1,
            "phase": step.phase,
            "layer": step.layer,
            "layer_type": step.op.split(".")[0],
            "op": step.op,
            "index": list(step.index),
            "value": step.value,
            "lr": scenario.learning_rate,
            "momentum": scenario.momentum,
            "weight_decay": scenario.weight_decay,
            "loss": record.loss,
            "samples": list(record.samples),
        }
        assert isinstance(fill(scenario.narration.template_for(where), values), str)


def check_text(text: str, source: str = "fuzz.toml") -> Scenario | None:
    """Load ``text``: a scenario that works, or a well-formed ScenarioError."""
    try:
        scenario = parse_scenario(text, source)
    except ScenarioError as error:
        data = as_toml(text)
        event("invalid TOML" if data is None else "field errors")
        assert_good_error(error, source, data)
        return None
    event("loaded and trained")
    exercise(scenario)
    return scenario


# ---- (a) random documents and random text --------------------------------------------------


def normalised(value: Any) -> Any:
    """``value`` with NaN made comparable (NaN ≠ NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return "<nan>"
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    return value


@fuzz(max(50, EXAMPLES // 3))
@given(documents, st.booleans())
def test_the_toml_writer_round_trips(doc: dict[str, Any], sections: bool) -> None:
    # The fuzzing below is only as good as this writer: tomllib must read back what it wrote.
    assert normalised(tomllib.loads(toml_document(doc, sections))) == normalised(doc)


@fuzz()
@given(documents, st.booleans())
def test_random_documents_give_only_scenario_errors(doc: dict[str, Any], sections: bool) -> None:
    check_text(toml_document(doc, sections))


@fuzz()
@given(scenario_like(), st.booleans())
def test_scenario_shaped_documents_load_or_give_field_errors(
    doc: dict[str, Any], sections: bool
) -> None:
    check_text(toml_document(doc, sections))


TOML_BITS = (
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ".",
    '"',
    "'",
    '"""',
    "\n",
    "\r\n",
    " ",
    "#",
    "\\",
    "\\u0000",
    "\x00",
    "\ufeff",
    "title",
    "layers",
    "samples",
    "input",
    "nan",
    "inf",
    "-",
    "+",
    "0x1f",
    "1e400",
    "9" * 5000,
    "1979-05-27T07:32:00Z",
    "true",
    "1",
    "0.5",
)
TOML_BIT = st.sampled_from(TOML_BITS)


@fuzz()
@given(st.text() | st.lists(TOML_BIT, max_size=40).map("".join))
def test_random_text_gives_only_scenario_errors(text: str) -> None:
    check_text(text)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@fuzz()
@given(st.binary(max_size=200) | st.lists(TOML_BIT, max_size=40).map(lambda b: "".join(b)))
def test_random_bytes_from_a_file_give_only_scenario_errors(
    scratch: Path, content: bytes | str
) -> None:
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    path = scratch / "bytes.toml"
    path.write_bytes(data)
    try:
        scenario = load_file(path, "bytes.toml")
    except ScenarioError as error:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            (problem,) = error.problems
            assert problem.path == "" and problem.message.startswith("is not UTF-8 text")
            assert one_clean_line(error.lines()[0])
            return
        assert_good_error(error, "bytes.toml", as_toml(text))
        return
    exercise(scenario)


# ---- (b) mutations of every built-in scenario ----------------------------------------------

NEAR_MISSES: list[Callable[[str], str]] = [
    lambda k: k[1:],
    lambda k: k[:-1],
    lambda k: k + "s",
    lambda k: k[:1] + k[:1] + k[1:],
    lambda k: k[1:2] + k[:1] + k[2:],
    lambda k: k.upper(),
    lambda k: k.replace("_", "-"),
    lambda k: k.replace("_", ""),
    lambda k: " " + k,
    lambda k: k + "\n",
]
REPLACEMENTS = (
    *SPECIAL_NUMBERS,
    10**9,
    -3,
    2,
    "",
    " ",
    "0",
    "true",
    "relu",
    "cross_entropy",
    "mse",
    "/etc/passwd",
    [],
    [[]],
    [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]],
    [1, [2]],
    [[1, 2], [3]],
    {},
    {"type": "relu"},
    True,
    False,
    dt.date(2024, 2, 29),
)


def retyped(value: Any) -> Any:
    """The "same" value as another TOML type: string ↔ number ↔ bool ↔ list ↔ table."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return bool(value)
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return str(value)


def children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node)
    if isinstance(node, list):
        return list(range(len(node)))
    return []


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A built-in scenario after one to three random mutations."""
    name = draw(st.sampled_from(sorted(BUILTIN_DATA)))
    doc = copy_of(BUILTIN_DATA[name])
    for _ in range(draw(st.integers(1, 3))):
        mutate(draw, doc)
    return name, doc


def copy_of(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: copy_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_of(v) for v in value]
    return value


def mutate(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    """Walk down from the top (stopping at each level with even odds), then change what's there."""
    lists = [k for k in ("samples", "layers") if isinstance(doc.get(k), list) and doc[k]]
    if lists and draw(st.integers(0, 3)) == 0:  # duplicate, remove or swap samples or layers
        value = doc[draw(st.sampled_from(lists))]
        i, j = draw(st.integers(0, len(value) - 1)), draw(st.integers(0, len(value) - 1))
        operation = draw(st.sampled_from(["duplicate", "remove", "swap"]))
        if operation == "duplicate" and len(value) < 64:  # (digits has 50 samples)
            value.insert(i, copy_of(value[i]))
        elif operation == "remove":
            del value[i]
        else:
            value[i], value[j] = value[j], value[i]
        return
    parent: Any = doc
    key: Any = draw(st.sampled_from(children(doc))) if doc else None
    if key is None:
        doc["title"] = draw(anything)
        return
    while children(parent[key]) and draw(st.booleans()):
        parent, key = parent[key], draw(st.sampled_from(children(parent[key])))
    value = parent[key]
    operations = ["replace", "retype", "wrap", "drop"]
    if isinstance(parent, dict):
        operations.append("rename")
    if isinstance(value, list) and value:
        operations += ["unwrap", "duplicate", "remove", "swap"]
    operation = draw(st.sampled_from(operations))
    if operation == "replace":
        parent[key] = copy_of(draw(st.sampled_from(REPLACEMENTS) | anything))
    elif operation == "retype":
        parent[key] = retyped(value)
    elif operation == "wrap":
        parent[key] = [value]
    elif operation == "drop":
        del parent[key]
    elif operation == "rename":
        new = draw(st.sampled_from(NEAR_MISSES))(key)
        if new not in parent:  # (renaming onto another key would only drop this one)
            parent[new] = parent.pop(key)
    elif operation == "unwrap":
        parent[key] = value[0]
    elif operation == "duplicate":
        i = draw(st.integers(0, len(value) - 1))
        if len(value) < 64:  # keeps examples fast: digits has 50 samples
            value.insert(i, copy_of(value[i]))
    elif operation == "remove":
        del value[draw(st.integers(0, len(value) - 1))]
    elif operation == "swap":
        i, j = draw(st.integers(0, len(value) - 1)), draw(st.integers(0, len(value) - 1))
        value[i], value[j] = value[j], value[i]


def test_every_builtin_is_fuzzed() -> None:
    # The mutations start from the library: it must be there (an empty glob fuzzes nothing).
    assert len(BUILTIN_DATA) >= 10 and "tour" in BUILTIN_DATA


@fuzz()
@given(mutated(), st.booleans())
def test_mutated_builtins_load_and_train_or_give_field_errors(
    case: tuple[str, dict[str, Any]], sections: bool
) -> None:
    name, doc = case
    check_text(toml_document(doc, sections), f"{name}.toml")


@fuzz()
@given(
    st.sampled_from(sorted(BUILTIN_DATA)),
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 3), st.sampled_from(["", *TOML_BITS])),
        min_size=1,
        max_size=4,
    ),
)
def test_builtin_text_with_random_edits_loads_or_gives_errors(
    name: str, edits: list[tuple[int, int, str]]
) -> None:
    # Edits of the text itself (not of the parsed data): broken quotes, brackets, lines.
    text = (BUILTINS[[p.stem for p in BUILTINS].index(name)]).read_text(encoding="utf-8")
    for position, deleted, inserted in edits:
        at = position % (len(text) + 1)
        text = text[:at] + inserted + text[at + deleted :]
    check_text(text, f"{name}.toml")


# ---- (c) the command line on mutated files -------------------------------------------------


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def assert_cli_outcome(code: int, out: str, err: str, shown: str) -> None:
    assert code in (0, 2), (code, err)
    assert "Traceback" not in out + err
    if code == 2:
        lines = err.splitlines()
        assert lines, "exit 2 without a message"
        assert all(line.startswith(f"{shown}: ") for line in lines), err
        assert out == ""
    else:
        assert err == ""


@fuzz(max(10, EXAMPLES // 5))
@given(mutated())
def test_cli_on_mutated_files_exits_0_or_2_without_tracebacks(
    scratch: Path, case: tuple[str, dict[str, Any]]
) -> None:
    name, doc = case
    path = scratch / f"{name}.toml"
    path.write_text(toml_document(doc), encoding="utf-8")
    shown = str(path)
    code, out, err = run_cli("check", shown)
    assert_cli_outcome(code, out, err, shown)
    if code == 0:
        assert out.splitlines()[-1] == "ok"
    iterations = doc.get("iterations", 1)
    small = isinstance(iterations, int) and not isinstance(iterations, bool) and iterations <= 3
    for argv in (
        ["export", shown] if small else ["export", shown, "-n", "1"],
        ["trace", shown, "-n", "1"],
    ):
        result = run_cli(*argv)
        assert_cli_outcome(*result, shown)
        assert result[0] == code, (argv, result)  # check said whether it loads
        if code == 0 and argv[0] == "export":
            assert result[1].startswith('{"scenario": ')


PROCESS_CASES = 4


@fuzz(PROCESS_CASES)
@given(mutated(), st.sampled_from(["check", "export", "trace"]))
def test_real_processes_on_mutated_files_finish_without_tracebacks(
    scratch: Path, case: tuple[str, dict[str, Any]], command: str
) -> None:
    name, doc = case
    path = scratch / f"process-{name}.toml"
    path.write_text(toml_document(doc), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    argv = [command, path.name] if command == "check" else [command, path.name, "-n", "1"]
    result = subprocess.run(
        [sys.executable, "-m", "stepcnn", *argv],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails the test instead of blocking the suite
    )
    assert_cli_outcome(result.returncode, result.stdout, result.stderr, path.name)
