"""Every layer kind is complete in every package that knows about layer kinds (issue 9).

The engine's registry says which kinds exist. Each package in :data:`PACKAGES` keeps a
``kinds`` subpackage with one module per kind, named for its ``type``; a module missing, a part
missing or malformed, or a module for a kind the engine lacks, fails here — not at run time on
the first redraw.

The packages are listed in one place, :data:`PACKAGES`; every one of them must exist.
"""

import importlib.util
import inspect
from collections.abc import Callable
from types import ModuleType

import pytest

from stepcnn.engine.network import PHASES
from stepcnn.engine.registry import kind_modules, layer_kinds, op_names
from stepcnn.scenario.placeholders import check_template

Problems = list[str]


def phases_of(kind: str) -> set[str]:
    """forward and backward; and update for the kinds with parameters."""
    return set(PHASES) if layer_kinds()[kind].trainable else set(PHASES[:2])


def _keyed_by_phases(module: ModuleType, part: str, kind: str) -> Problems:
    table = getattr(module, part, None)
    if not isinstance(table, dict):
        return [f"{part} is missing or not a dict"]
    if set(table) != phases_of(kind):
        return [f"{part} has phases {sorted(table)}, wants {sorted(phases_of(kind))}"]
    return []


# ---- what each package's module of a kind must hold ------------------------------------------


def check_engine(kind: str, module: ModuleType) -> Problems:
    layer = getattr(module, "LAYER", None)
    if layer is None:
        return ["has no LAYER"]
    problems = []
    if getattr(layer, "type", None) != kind:
        problems.append(f"LAYER.type is {getattr(layer, 'type', None)!r}")
    if not isinstance(getattr(layer, "trainable", None), bool):
        problems.append("LAYER.trainable is not a bool")
    for name in ("output_shape", "param_shapes", "forward", "backward"):
        if not callable(getattr(layer, name, None)):
            problems.append(f"LAYER has no {name}()")
    # The vectorised pair and the loop forms beside it.
    for suffix in ("forward", "backward", "forward_naive", "backward_naive"):
        if not callable(getattr(module, f"{kind}_{suffix}", None)):
            problems.append(f"has no {kind}_{suffix}()")
    return problems


def check_timeline(kind: str, module: ModuleType) -> Problems:
    problems = _keyed_by_phases(module, "OPS", kind)
    for phase, op in getattr(module, "OPS", {}).items():
        if getattr(op, "name", None) != f"{kind}.{phase}":
            problems.append(f"OPS[{phase!r}].name is {getattr(op, 'name', None)!r}")
        if getattr(op, "phase", None) != phase:
            problems.append(f"OPS[{phase!r}].phase is {getattr(op, 'phase', None)!r}")
        for method in (
            "index_shape",
            "writes_tensors",
            "step",
            "values",
            "partial",
            "cell_history",
            "nonfinite",
        ):
            if not callable(getattr(op, method, None)):
                problems.append(f"OPS[{phase!r}] has no {method}()")
    return problems


def check_present(kind: str, module: ModuleType) -> Problems:
    problems = []
    short = getattr(module, "SHORT", None)
    if not isinstance(short, str) or not short.strip() or len(short) > 6:
        problems.append(f"SHORT is {short!r}: wants a name of 1–6 characters")
    for part in ("PANELS", "NARRATION", "SOURCES"):
        problems += _keyed_by_phases(module, part, kind)
    for phase, build in getattr(module, "PANELS", {}).items():
        if not callable(build):
            problems.append(f"PANELS[{phase!r}] is not callable")
    for phase, text in getattr(module, "NARRATION", {}).items():
        problem = check_template(text) if isinstance(text, str) else "is not a string"
        if problem or not str(text).strip():
            problems.append(f"NARRATION[{phase!r}] {problem or 'is empty'}")
    for phase, entry in getattr(module, "SOURCES", {}).items():
        try:
            function, marker = entry
            code = inspect.getsource(function)
        except (TypeError, ValueError, OSError) as exc:
            problems.append(f"SOURCES[{phase!r}] is not (function, marker): {exc}")
            continue
        if not function.__module__.startswith("stepcnn.engine."):
            problems.append(f"SOURCES[{phase!r}] is {function.__module__}, not engine code")
        lines = [i for i, line in enumerate(code.splitlines()) if marker and marker in line]
        if len(lines) != 1:
            problems.append(
                f"SOURCES[{phase!r}]: marker {marker!r} is on {len(lines)} lines of "
                f"{function.__name__}, wants exactly one"
            )
    story = getattr(module, "WEIGHT_STORY", None)
    if layer_kinds()[kind].trainable and not callable(story):
        problems.append("has no WEIGHT_STORY (a kind with parameters)")
    if not layer_kinds()[kind].trainable and story is not None:
        problems.append("has a WEIGHT_STORY but no parameters")
    return problems


def check_scenario(kind: str, module: ModuleType) -> Problems:
    problems = []
    if not callable(getattr(module, "read", None)):
        problems.append("has no read()")
    aliases = getattr(module, "ALIASES", None)
    if not isinstance(aliases, tuple) or not all(isinstance(a, str) for a in aliases):
        problems.append(f"ALIASES is {aliases!r}: wants a tuple of strings")
    else:
        for alias in aliases:
            if alias != alias.lower():
                problems.append(f"alias {alias!r} is not lower case (names are matched so)")
            if alias in layer_kinds():
                problems.append(f"alias {alias!r} is itself a kind")
    return problems


def check_codegen(kind: str, module: ModuleType) -> Problems:
    """The parts ``stepcnn/codegen/kinds/__init__.py`` (issue 11) names for every kind."""
    problems = []
    if getattr(module, "TYPE", None) != kind:
        problems.append(f"TYPE is {getattr(module, 'TYPE', None)!r}")
    if getattr(module, "HAS_PARAMS", None) is not layer_kinds()[kind].trainable:
        problems.append("HAS_PARAMS differs from the engine layer's trainable")
    for style in ("PYTHON", "NUMPY"):
        code = getattr(module, style, None)
        if not isinstance(code, str):
            problems.append(f"has no {style} source")
            continue
        for phase in ("forward", "backward"):
            if f"def {kind}_{phase}(" not in code:
                problems.append(f"{style} defines no {kind}_{phase}()")
    for name in ("geometry", "torch_module"):
        if not callable(getattr(module, name, None)):
            problems.append(f"has no {name}()")
    mistakes = getattr(module, "MISTAKES", None)
    if not isinstance(mistakes, dict):
        problems.append("MISTAKES is missing or not a dict (an empty one: none recognised)")
    elif not set(mistakes) <= {"forward", "backward"} or not all(map(callable, mistakes.values())):
        problems.append("MISTAKES maps something other than forward/backward to a function")
    return problems


PACKAGES: dict[str, Callable[[str, ModuleType], Problems]] = {
    "stepcnn.engine.kinds": check_engine,
    "stepcnn.timeline.kinds": check_timeline,
    "stepcnn.present.kinds": check_present,
    "stepcnn.scenario.kinds": check_scenario,
    "stepcnn.codegen.kinds": check_codegen,
}


def package_exists(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except ModuleNotFoundError:  # the parent package is missing too
        return False


def problems_of(package: str) -> Problems:
    """Everything wrong with one package's kinds, one line each."""
    check = PACKAGES[package]
    modules = kind_modules(package)
    kinds = set(layer_kinds())
    problems = [f"{package}.{k}: missing" for k in sorted(kinds - set(modules))]
    problems += [
        f"{package}.{k}: the engine has no kind {k!r}" for k in sorted(set(modules) - kinds)
    ]
    for kind in sorted(kinds & set(modules)):
        problems += [f"{package}.{kind}: {p}" for p in check(kind, modules[kind])]
    return problems


# ---- the tests -----------------------------------------------------------------------------


def test_the_engine_has_the_kinds_of_issue_9() -> None:
    # The kinds a LeNet-5 needs, and the earlier ones; more may come.
    assert {
        "conv2d",
        "relu",
        "maxpool2d",
        "flatten",
        "linear",
        "avgpool2d",
        "tanh",
        "sigmoid",
        "leaky_relu",
    } <= set(layer_kinds())
    assert {k for k, layer in layer_kinds().items() if layer.trainable} >= {"conv2d", "linear"}
    assert not any(layer_kinds()[k].trainable for k in ("avgpool2d", "tanh", "leaky_relu"))


@pytest.mark.parametrize("package", list(PACKAGES))
def test_every_kind_is_complete_in_every_package(package: str) -> None:
    assert package_exists(package), package
    assert problems_of(package) == []


def test_the_required_packages_exist() -> None:
    for package in PACKAGES:
        assert package_exists(package), package


def test_every_op_name_has_its_timeline_op_and_its_source() -> None:
    """The names narration and breakpoints accept are exactly the ops a timeline can hold,
    and the source pane finds the working line of each (not line 1 by default)."""
    from stepcnn.present.source import source_for
    from stepcnn.timeline.ops import layer_op

    for name in op_names():
        kind, phase = name.rsplit(".", 1)
        if kind in layer_kinds():
            op = layer_op(kind, phase)
            assert op is not None and op.name == name
        code, line, where = source_for(name)
        marker_lines = code.splitlines()
        assert 1 <= line <= len(marker_lines)
        assert where.startswith("stepcnn.engine."), (name, where)


def test_aliases_never_point_two_kinds_at_one_name() -> None:
    seen: dict[str, str] = {}
    for kind, module in kind_modules("stepcnn.scenario.kinds").items():
        for alias in module.ALIASES:
            assert alias not in seen, (alias, seen.get(alias), kind)
            seen[alias] = kind


# ---- the checks themselves find what is wrong ----------------------------------------------


def _module(name: str, **parts: object) -> ModuleType:
    module = ModuleType(name)
    for key, value in parts.items():
        setattr(module, key, value)
    return module


def test_the_checks_report_a_missing_or_wrong_part() -> None:
    present = kind_modules("stepcnn.present.kinds")["tanh"]
    # A copy of tanh's presentation without its source, with a narration key it cannot fill.
    broken = _module(
        "broken",
        SHORT="tanh",
        PANELS=present.PANELS,
        NARRATION={"forward": "{valu}", "backward": "ok"},
    )
    problems = check_present("tanh", broken)
    assert any("SOURCES is missing" in p for p in problems)
    assert any("NARRATION['forward']" in p and "unknown placeholder" in p for p in problems)
    wrong_marker = _module(
        "broken",
        SHORT="tanh",
        PANELS=present.PANELS,
        NARRATION=present.NARRATION,
        SOURCES={**present.SOURCES, "backward": (present.SOURCES["backward"][0], "no such line")},
    )
    assert check_present("tanh", wrong_marker) == [
        "SOURCES['backward']: marker 'no such line' is on 0 lines of tanh_backward_naive, "
        "wants exactly one"
    ]
    ops = kind_modules("stepcnn.timeline.kinds")["conv2d"].OPS
    without_update = _module("broken", OPS={k: v for k, v in ops.items() if k != "update"})
    assert check_timeline("conv2d", without_update) == [
        "OPS has phases ['backward', 'forward'], wants ['backward', 'forward', 'update']"
    ]
    # tanh's ops filed under sigmoid: every op name is wrong.
    misfiled = kind_modules("stepcnn.timeline.kinds")["tanh"]
    assert len(check_timeline("sigmoid", misfiled)) == 2
    engine = kind_modules("stepcnn.engine.kinds")["relu"]
    assert check_engine("leaky_relu", engine)[0] == "LAYER.type is 'relu'"
    assert check_scenario("tanh", _module("broken", read=print, ALIASES=("Tanh",)))
    codegen = kind_modules("stepcnn.codegen.kinds")["relu"]
    parts = {name: getattr(codegen, name) for name in ("TYPE", "HAS_PARAMS", "PYTHON", "NUMPY")}
    parts |= {"geometry": codegen.geometry, "torch_module": codegen.torch_module}
    assert check_codegen("relu", _module("broken", **parts)) == [
        "MISTAKES is missing or not a dict (an empty one: none recognised)"
    ]
    assert check_codegen("relu", _module("broken", **parts, MISTAKES={"update": print})) == [
        "MISTAKES maps something other than forward/backward to a function"
    ]
