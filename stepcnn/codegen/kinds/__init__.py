"""One module per engine layer kind, named after the layer's ``type``.

Each module exports the same names: ``TYPE``, ``HAS_PARAMS``, ``EXERCISE`` (whether its two
functions are in the graded contract), ``PYTHON`` and ``NUMPY`` (the source of
``<type>_forward`` and ``<type>_backward``), ``geometry(layer)`` (the arguments after the
tensors), ``torch_module(layer)`` and ``MISTAKES`` (per phase, the classic mistakes ``verify``
names: :mod:`stepcnn.codegen.mistakes`). The calls follow one pattern:
``<type>_forward(x[, w, b], *geometry) -> out`` and
``<type>_backward(dout, x[, w], *geometry) -> dx`` or ``(dx, dw, db)``.
"""

import pkgutil
from importlib import import_module
from typing import Any, Protocol, cast

from stepcnn.codegen.guesses import Guesses


class Kind(Protocol):
    TYPE: str
    HAS_PARAMS: bool
    EXERCISE: bool
    PYTHON: str
    NUMPY: str
    MISTAKES: dict[str, Guesses]

    def geometry(self, layer: Any) -> tuple[object, ...]: ...
    def torch_module(self, layer: Any) -> str: ...


def names() -> list[str]:
    """Every layer type with a code generator."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def draws_mask(type_name: str) -> bool:
    """Whether the generated code draws a mask before the layer's forward (``mask_call``:
    dropout); the layer's calls then take the mask last."""
    return hasattr(kind(type_name), "mask_call")


def kind(type_name: str) -> Kind:
    """The code generator of a layer type (``KeyError`` if there is none)."""
    if type_name not in names():
        raise KeyError(type_name)
    return cast(Kind, import_module(f"{__name__}.{type_name}"))
