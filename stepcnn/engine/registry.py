"""Finding the layer kinds: one module per kind in a ``kinds`` package, named for its ``type``.

Every package that knows about layer kinds (engine, timeline, presentation, schema, code
generation) keeps such a package; :func:`kind_modules` reads one, and a test checks that each
of them has a module for every kind the engine has, with the parts that package needs.
"""

import importlib
import pkgutil
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stepcnn.engine.layers import Layer


@cache
def kind_modules(package: str) -> dict[str, ModuleType]:
    """``{type: module}`` for every module of the ``kinds`` package ``package``."""
    pkg = importlib.import_module(package)
    return {
        info.name: importlib.import_module(f"{package}.{info.name}")
        for info in pkgutil.iter_modules(pkg.__path__)
        if not info.name.startswith("_")
    }


@cache
def layer_kinds() -> dict[str, "type[Layer]"]:
    """``{type: layer class}`` for every kind the engine has, in a stable (sorted) order."""
    kinds: dict[str, type[Layer]] = {}
    for name, module in sorted(kind_modules("stepcnn.engine.kinds").items()):
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
