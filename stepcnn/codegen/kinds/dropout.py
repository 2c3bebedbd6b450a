"""``dropout`` in generated code: out = x·mask/(1 − p) with the iteration's mask, which the
script draws as the debugger does (splitmix64 of seed, layer, iteration, unit)."""

from collections.abc import Iterator
from typing import Any

from stepcnn.codegen.guesses import Guess, Guesses

TYPE = "dropout"
HAS_PARAMS = False
EXERCISE = True

MASK = '''
def _dropout_mask_flat(size, p, seed, layer, iteration):
    """The debugger's dropout coins: unit k (row-major) is kept (1.0) when u ≥ p, with
    u = splitmix64(start + (k + 1)·golden) / 2⁶⁴ from the stream of (seed, layer, iteration)."""
    m64, golden = (1 << 64) - 1, 0x9E3779B97F4A7C15

    def mix(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m64
        return z ^ (z >> 31)

    start = 0
    for part in (seed, layer, iteration):
        start = mix(((start ^ part) + golden) & m64)
    return [
        1.0 if (mix((start + (k + 1) * golden) & m64) >> 11) / float(1 << 53) >= p else 0.0
        for k in range(size)
    ]
'''

PYTHON = (
    '''
def dropout_forward(x, p, mask):
    """dropout.forward (training mode), one element per step: out = x · mask / (1 − p),
    mask 1 (kept) or 0 (dropped); p = 1 drops everything (out = 0).

    x any shape (nested lists), mask the same shape → out, the same shape.
    """
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    return elementwise(lambda v, k: v * (k * scale), x, mask)


def dropout_backward(dout, x, p, mask):
    """dropout.backward, one element per step: dx = dout · mask / (1 − p)."""
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    return elementwise(lambda g, k: g * (k * scale), dout, mask)
'''
    + MASK
    + '''

def _dropout_mask(x, p, seed, layer, iteration):
    """The mask of the iteration, shaped like x."""
    return reshape_like(_dropout_mask_flat(len(flat(x)), p, seed, layer, iteration), x)
'''
)

NUMPY = (
    '''
def dropout_forward(x, p, mask):
    """dropout.forward (training mode), one element per step: out = x · mask / (1 − p)."""
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    out = np.zeros_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = v * (mask[i] * scale)
    return out


def dropout_backward(dout, x, p, mask):
    """dropout.backward, one element per step: dx = dout · mask / (1 − p)."""
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    dx = np.zeros_like(dout)
    for i, g in np.ndenumerate(dout):
        dx[i] = g * (mask[i] * scale)
    return dx
'''
    + MASK
    + '''

def _dropout_mask(x, p, seed, layer, iteration):
    """The mask of the iteration, shaped like x."""
    return np.array(_dropout_mask_flat(x.size, p, seed, layer, iteration)).reshape(x.shape)
'''
)


def geometry(layer: Any) -> tuple[object, ...]:
    """``p`` (the mask follows: :func:`mask_call`)."""
    return (float(layer.p),)


def mask_call(layer: Any, i: int, x: str) -> str:
    # (Its presence also tells the script and ``verify`` that the calls take the mask last.)
    """The line that draws layer ``i``'s mask before its forward over ``x`` (the variable it
    reads; ``it``: the iteration)."""
    return f"mask{i} = _dropout_mask({x}, {float(layer.p)!r}, SEED, {i}, it)"


def torch_module(layer: Any) -> str:
    """A module of the torch script that multiplies by the debugger's mask (PyTorch's own
    random stream differs); the training loop gives it its key each iteration."""
    return f"MaskedDropout({float(layer.p)!r})"


def _unscaled(result: str) -> str:
    return (
        f"dropout not rescaled: your {result} is the masked value without the factor "
        "1/(1 − p) (the kept units must be scaled up so the expected value stays the same)"
    )


def forward_mistakes(args: list[Any]) -> Iterator[Guess]:
    """out = x·mask, the factor 1/(1 − p) forgotten."""
    x, _p, mask = args
    yield _unscaled("out"), {"out": x * mask}


def backward_mistakes(args: list[Any]) -> Iterator[Guess]:
    """dx = dout·mask (the factor forgotten); dx = dout (the mask forgotten: dropped units
    get a gradient they never sent)."""
    dout, _x, p, mask = args
    yield _unscaled("dx"), {"dx": dout * mask}
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    yield (
        "dropout's mask forgotten backward: your dx is dout·1/(1 − p) at every unit, but a "
        "dropped unit passed nothing forward, so it gets no gradient (dx = dout·mask/(1 − p))",
        {"dx": dout * scale},
    )


MISTAKES: dict[str, Guesses] = {"forward": forward_mistakes, "backward": backward_mistakes}
"""Per phase, the classic mistakes :mod:`stepcnn.codegen.mistakes` tests a wrong answer for."""
