"""stepcnn: a terminal step-through debugger for convolutional neural networks.

The Python API (see the README): ``stepcnn.load(scenario)`` gives a :class:`Lesson`;
``stepcnn.ScenarioError`` is raised for a bad scenario. ``import stepcnn`` stays light: numpy,
the engine and Textual are imported when first used.
"""

import os
from typing import TYPE_CHECKING, Any

# stepcnn's matrices are small: one BLAS thread computes them faster than several, which on
# a busy machine wait for each other's cores (a LeNet-5 conv backward partial sum: 0.5 ms on
# one thread, 12 ms on two). Set before numpy is first imported; the environment may override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

if TYPE_CHECKING:
    from os import PathLike

    from stepcnn.figure import Figure
    from stepcnn.lesson import Lesson, Steps
    from stepcnn.scenario.errors import ScenarioError

__version__ = "0.1.0"
__all__ = ["Figure", "Lesson", "ScenarioError", "Steps", "__version__", "load"]


def load(scenario: "str | PathLike[str]", iterations: int | None = None) -> "Lesson":
    """A built-in scenario by name, or a scenario file by path, as a :class:`Lesson`.

    Raises :class:`ScenarioError`, whose message names the file and the field, for a bad one.
    """
    from stepcnn.lesson import load as load_lesson

    return load_lesson(scenario, iterations)


_LAZY = {
    "Lesson": "stepcnn.lesson",
    "Steps": "stepcnn.lesson",
    "Figure": "stepcnn.figure",
    "ScenarioError": "stepcnn.scenario.errors",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'stepcnn' has no attribute {name!r}")
