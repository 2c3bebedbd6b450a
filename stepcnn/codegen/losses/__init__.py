"""One module per loss, named after the scenario's ``loss``: ``NAME``, ``FUNCTION`` (the graded
function's name), ``TARGETS`` (``labels`` or ``targets``), ``PYTHON``, ``NUMPY``, ``TORCH``,
and ``mistakes(args)``: its classic mistakes (see :mod:`stepcnn.codegen.mistakes`)."""

import pkgutil
from collections.abc import Iterator
from importlib import import_module
from typing import Any, Protocol, cast

from stepcnn.codegen.guesses import Guess


class Loss(Protocol):
    NAME: str
    FUNCTION: str
    TARGETS: str
    PYTHON: str
    NUMPY: str
    TORCH: str

    def mistakes(self, args: list[Any]) -> Iterator[Guess]: ...


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__))


def loss(name: str) -> Loss:
    if name not in names():
        raise KeyError(name)
    return cast(Loss, import_module(f"{__name__}.{name}"))
