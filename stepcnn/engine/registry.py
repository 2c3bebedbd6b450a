"""Finding the layer kinds: one module per kind in a ``kinds`` package, named for its ``type``.

Every package that knows about layer kinds (engine, timeline, presentation, schema, code
generation) keeps such a package; :func:`kind_modules` reads one, and a test checks that each
of them has a module for every kind the engine has, with the parts that package needs.
:func:`kind_names` lists a package's kinds and :func:`kind_module` imports one of them alone:
a scenario needs the modules of its own kinds, not every kind's (the start stays short).
"""

import importlib
import pkgutil
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stepcnn.engine.layers import Layer


@cache
def kind_names(package: str) -> tuple[str, ...]:
    """The kinds the ``kinds`` package ``package`` has a module for, sorted, none imported."""
    pkg = importlib.import_module(package)
    names = (info.name for info in pkgutil.iter_modules(pkg.__path__))
    return tuple(sorted(name for name in names if not name.startswith("_")))


@cache
def kind_module(package: str, kind: str) -> ModuleType:
    """The module of ``kind`` in the ``kinds`` package ``package`` (KeyError: it has none)."""
    if kind not in kind_names(package):
        raise KeyError(kind)
    return importlib.import_module(f"{package}.{kind}")


@cache
def kind_modules(package: str) -> dict[str, ModuleType]:
    """``{type: module}`` for every module of the ``kinds`` package ``package``."""
    return {name: kind_module(package, name) for name in kind_names(package)}


ENGINE_KINDS = "stepcnn.engine.kinds"
"""The package holding the engine's module of each layer kind (its maths)."""


def layer_types() -> tuple[str, ...]:
    """Every layer ``type`` the engine has, sorted, without importing their modules."""
    return kind_names(ENGINE_KINDS)


@cache
def layer_kinds() -> dict[str, "type[Layer]"]:
    """``{type: layer class}`` for every kind the engine has, in a stable (sorted) order."""
    kinds: dict[str, type[Layer]] = {}
    for name, module in sorted(kind_modules(ENGINE_KINDS).items()):
        layer: type[Layer] = module.LAYER
        if layer.type != name:
            raise TypeError(f"stepcnn/engine/kinds/{name}.py: LAYER.type is {layer.type!r}")
        kinds[name] = layer
    return kinds


def op_names() -> tuple[str, ...]:
    """Every operation a timeline can hold: ``"<kind>.<phase>"`` for each layer kind (the update
    for trainable kinds only), ``"<loss>.<step>"`` for each loss, and the sum of a fork's
    gradients (``"fork.backward"``, in graphs)."""
    from stepcnn.engine.graph import FORK_OP
    from stepcnn.engine.losses import LOSS_STEPS
    from stepcnn.engine.network import LOSSES, PHASES

    names = [
        f"{kind}.{phase}"
        for kind, layer in layer_kinds().items()
        for phase in (PHASES if layer.trainable else PHASES[:2])
    ]
    names += [f"{loss}.{step}" for loss in LOSSES for step in LOSS_STEPS]
    return (*names, FORK_OP)
