"""The loops both pooling kinds' generated functions share: every output cell of every window.

Each kind gives what differs — its docstrings and the body run for one window — and gets the
same self-contained functions a learner reads (each generated function stands alone).
"""

from collections.abc import Iterator
from typing import Any

from stepcnn.codegen.guesses import window_cuts
from stepcnn.engine.types import Array
from stepcnn.engine.windows import sliding_windows

CELLS = """    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):"""
"""The loops over every output cell ``(n, c, r, s)``."""

PYTHON_FUNCTIONS = '''
def {kind}_forward(x, kernel, stride):
    """{forward_doc}
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = zeros((n_batch, channels, ho, wo))
{cells}
{forward_body}
    return out


def {kind}_backward(dout, x, kernel, stride):
    """{backward_doc}
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = len(dout[0][0]), len(dout[0][0][0])
    dx = zeros((n_batch, channels, h, wd))
{cells}
{backward_body}
    return dx
'''

NUMPY_FUNCTIONS = '''
def {kind}_forward(x, kernel, stride):
    """{forward_doc}"""
    (kh, kw), (sh, sw) = kernel, stride
    n_batch, channels, h, wd = x.shape
    ho, wo = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = np.zeros((n_batch, channels, ho, wo))
{cells}
{forward_body}
    return out


def {kind}_backward(dout, x, kernel, stride):
    """{backward_doc}"""
    (kh, kw), (sh, sw) = kernel, stride
    dx = np.zeros_like(x)
    for (n, c, r, s), g in np.ndenumerate(dout):
{backward_body}
    return dx
'''


def _indent(body: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else line for line in body.strip("\n").split("\n"))


def python_functions(
    kind: str, forward_doc: str, forward: str, backward_doc: str, backward: str
) -> str:
    """The standard-library forward and backward of a pooling kind; ``forward`` and
    ``backward`` are the bodies for one output cell ``(n, c, r, s)``."""
    return PYTHON_FUNCTIONS.format(
        cells=CELLS,
        kind=kind,
        forward_doc=forward_doc,
        forward_body=_indent(forward, 20),
        backward_doc=backward_doc,
        backward_body=_indent(backward, 20),
    )


def numpy_functions(
    kind: str, forward_doc: str, forward: str, backward_doc: str, backward: str
) -> str:
    """The numpy forms: ``backward`` runs for each ``(n, c, r, s), g`` of ``dout``."""
    return NUMPY_FUNCTIONS.format(
        cells=CELLS,
        kind=kind,
        forward_doc=forward_doc,
        forward_body=_indent(forward, 20),
        backward_doc=backward_doc,
        backward_body=_indent(backward, 8),
    )


def geometry(layer: Any) -> tuple[object, ...]:
    """``kernel, stride``."""
    return (tuple(layer.kernel_size), tuple(layer.stride))


def torch_module(name: str, layer: Any) -> str:
    return f"nn.{name}({tuple(layer.kernel_size)}, {tuple(layer.stride)})"


def short_windows(x: Array, kernel: Any, stride: Any) -> Iterator[tuple[str, int, Array]]:
    """Each window one row or column short of ``kernel`` (what was left out, its width), read
    at the right positions: ``(N, C, Ho, Wo, rows, columns)``."""
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    for what, rows, columns in window_cuts(kh, kw):
        yield what, columns, sliding_windows(x, (rows, columns), stride)[:, :, :ho, :wo]
