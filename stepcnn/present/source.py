"""The engine source that implements each kind of step, with the line that does the work.

The naive loop forms are shown: they read like the textbook definition. A layer kind names
its functions in its module of :mod:`stepcnn.present.kinds`; the loss's are here.
"""

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

from stepcnn.engine import adam, losses, rmsprop
from stepcnn.engine.graph import FORK_OP
from stepcnn.present import fork_panels, kind_table

LOSS_SOURCES: dict[str, tuple[Callable[..., Any], str]] = {
    "cross_entropy.forward": (losses.cross_entropy, "per_sample ="),
    "cross_entropy.mean": (losses.cross_entropy, "per_sample.mean()"),
    "cross_entropy.backward": (losses.cross_entropy_backward, "-= 1.0"),
    "mse.forward": (losses.mse, "diff = prediction - target"),
    "mse.mean": (losses.mse, "np.mean(diff * diff)"),
    "mse.backward": (losses.mse_backward, "2.0 * cache.diff"),
}

UPDATE_SOURCES: dict[str, tuple[Callable[..., Any], str]] = {
    "adam": (adam.adam_step_naive, "new.flat[i] = w -"),
    "rmsprop": (rmsprop.rmsprop_step_naive, "new.flat[i] = w -"),
}
"""The update's source for the optimizers other than SGD (whose is the kind's own)."""


@cache
def source_for(op: str, optimizer: str = "sgd") -> tuple[str, int, str]:
    """``(code, highlighted line number (1-based), "module.function")`` for an op
    (``"conv2d.forward"``, ``"mse.mean"``); an update's is its optimizer's."""
    if op in LOSS_SOURCES:
        function, marker = LOSS_SOURCES[op]
    elif op == FORK_OP:
        function, marker = fork_panels.SOURCE
    elif op.endswith(".update") and optimizer in UPDATE_SOURCES:
        function, marker = UPDATE_SOURCES[optimizer]
    else:
        kind, phase = op.rsplit(".", 1)
        function, marker = kind_table.source(kind, phase)
    code = inspect.getsource(function)
    line = next((i + 1 for i, text in enumerate(code.splitlines()) if marker in text), 1)
    return code, line, f"{function.__module__}.{function.__name__}"
