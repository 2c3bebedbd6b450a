"""One module per loss, named after the scenario's ``loss``: ``NAME``, ``FUNCTION`` (the graded
function's name), ``TARGETS`` (``labels`` or ``targets``), ``PYTHON``, ``NUMPY``, ``TORCH``."""

import pkgutil
from importlib import import_module
from typing import Protocol, cast


class Loss(Protocol):
    NAME: str
    FUNCTION: str
    TARGETS: str
    PYTHON: str
    NUMPY: str
    TORCH: str


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__))


def loss(name: str) -> Loss:
    if name not in names():
        raise KeyError(name)
    return cast(Loss, import_module(f"{__name__}.{name}"))
