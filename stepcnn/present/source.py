"""The engine source that implements each kind of step, with the line that does the work.

The naive loop forms are shown: they read like the textbook definition.
"""

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

from stepcnn.engine import conv, linear, losses, optim, pool, relu
from stepcnn.engine import flatten as flatten_mod

SOURCES: dict[str, tuple[Callable[..., Any], str]] = {
    "conv2d.forward": (conv.conv2d_forward_naive, "out[n, f, r, c] ="),
    "conv2d.backward": (conv.conv2d_backward_naive, "dw[f] +="),
    "conv2d.update": (optim.sgd_update, "param - learning_rate"),
    "relu.forward": (relu.relu_forward_naive, "out[i] ="),
    "relu.backward": (relu.relu_backward_naive, "dx[i] = dout[i]"),
    "maxpool2d.forward": (pool.maxpool2d_forward_naive, "best, best_at = v"),
    "maxpool2d.backward": (pool.maxpool2d_backward_naive, "+= g"),
    "flatten.forward": (flatten_mod.flatten_forward_naive, "out[n, (c * h + r) * w + s]"),
    "flatten.backward": (flatten_mod.flatten_backward_naive, "dx[n, c, r, s] ="),
    "linear.forward": (linear.linear_forward_naive, "out[n, o] ="),
    "linear.backward": (linear.linear_backward_naive, "dw[o] +="),
    "linear.update": (optim.sgd_update, "param - learning_rate"),
    "cross_entropy.forward": (losses.cross_entropy, "per_sample ="),
    "cross_entropy.mean": (losses.cross_entropy, "per_sample.mean()"),
    "cross_entropy.backward": (losses.cross_entropy_backward, "-= 1.0"),
    "mse.forward": (losses.mse, "diff = prediction - target"),
    "mse.mean": (losses.mse, "np.mean(diff * diff)"),
    "mse.backward": (losses.mse_backward, "2.0 * cache.diff"),
}


@cache
def source_for(op: str) -> tuple[str, int, str]:
    """``(code, highlighted line number (1-based), "module.function")`` for an op."""
    function, marker = SOURCES[op]
    code = inspect.getsource(function)
    line = next((i + 1 for i, text in enumerate(code.splitlines()) if marker in text), 1)
    return code, line, f"{function.__module__}.{function.__name__}"
