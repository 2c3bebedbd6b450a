"""stepcnn: a terminal step-through debugger for convolutional neural networks.

The Python API (see the README): ``stepcnn.load(scenario)`` gives a :class:`Lesson`,
``stepcnn.course()`` the course's chapters; ``stepcnn.ScenarioError`` is raised for a bad
scenario or course. ``import stepcnn`` stays light: numpy,
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

    from stepcnn.api.course import Course
    from stepcnn.api.figure import Figure, FigureError
    from stepcnn.api.lesson import Lesson, Steps
    from stepcnn.scenario.errors import ScenarioError

__version__ = "0.1.0"
__all__ = [
    "Figure",
    "FigureError",
    "Lesson",
    "ScenarioError",
    "Steps",
    "__version__",
    "course",
    "load",
]


def load(scenario: "str | PathLike[str]", iterations: int | None = None) -> "Lesson":
    """A built-in scenario by name, or a scenario file by path, as a :class:`Lesson`.

    Raises :class:`ScenarioError`, whose message names the file and the field, for a bad one.
    """
    from stepcnn.api.lesson import load as load_lesson

    return load_lesson(scenario, iterations)


def course(path: "str | PathLike[str] | None" = None) -> "Course":
    """The built-in course's chapters (``path`` None), or those of a built-in course by name
    or of a course file. Each chapter has ``.title``, ``.lesson`` (what :func:`load` gives for
    its scenario) and ``.questions``: ``.step`` (0-based), ``.prompt``, ``.answer`` (computed
    from ``chapter.lesson.step(q.step)``) and ``.check(value)``.

    Raises :class:`ScenarioError`, whose message names the file and the field, for a bad one.
    """
    from stepcnn.api.course import course as load_course

    return load_course(path)


_LAZY = {
    "Lesson": "stepcnn.api.lesson",
    "Steps": "stepcnn.api.lesson",
    "Figure": "stepcnn.api.figure",
    "FigureError": "stepcnn.api.figure",
    "ScenarioError": "stepcnn.scenario.errors",
}
_MODULES = {"figure": "stepcnn.api.figure", "lesson": "stepcnn.api.lesson"}
"""Where the API's modules lived before the package layout (``stepcnn.figure.FigureError``)."""


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module 'stepcnn' has no attribute {name!r}")
