"""Why a learner's answer is wrong, when it is one of the classic mistakes: each mistake is a
hypothesis recomputed from the call's own arguments — what the answer would be *with* the
mistake — and named only when the learner's whole tensor equals it (within the comparison's
tolerance) and differs from the right answer. The learner's source is never read.

The mistakes: an overwrite where a running sum needs ``+=`` (``dW``, ``db``, ``dx``), a
transposed or flipped filter (forward, and ``dx`` backward), a missing bias, an off-by-one
window (its last row or column left out; an output size one short), the wrong softmax
gradient (``p`` without ``− onehot``, without ``/ N``, with the sign flipped), a summed loss.
"""

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from stepcnn.codegen.cases import Case
from stepcnn.engine.kinds.conv2d import conv2d_backward, conv2d_forward
from stepcnn.engine.kinds.maxpool2d import maxpool2d_forward
from stepcnn.engine.types import Array
from stepcnn.engine.windows import sliding_windows

MAX_EMULATED = 200_000
"""Window positions up to which an overwriting loop is replayed (a teaching size)."""

Guess = tuple[str, dict[str, Array]]
"""A mistake's one line, and the results a learner making it would return."""


def _args(case: Case) -> list[Any]:
    values: list[Any] = []
    for kind, value in case.args:
        if kind == "tensor":
            values.append(np.array(value, dtype=float))
        elif kind == "labels":
            values.append(np.array(value, dtype=np.intp))
        elif kind == "pair":
            values.append(tuple(value))
        else:
            values.append(value)
    return values


def _conv(x: Array, w: Array, b: Array, stride: Any, padding: Any) -> Array:
    return conv2d_forward(x, np.ascontiguousarray(w), b, stride, padding)[0]


def _conv_dx(dout: Array, x: Array, w: Array, stride: Any, padding: Any) -> Array:
    cache = conv2d_forward(x, np.ascontiguousarray(w), np.zeros(w.shape[0]), stride, padding)[1]
    return conv2d_backward(dout, cache)[0]


def _window_cut(w: Array) -> Iterator[tuple[str, Array]]:
    """The filter as a window one row, one column, or both too small would use it."""
    kh, kw = w.shape[-2:]
    cuts = [("last row", True, False)] if kh > 1 else []
    cuts += [("last column", False, True)] if kw > 1 else []
    cuts += [("last row and column", True, True)] if kh > 1 and kw > 1 else []
    for what, row, column in cuts:
        cut = w.copy()
        if row:
            cut[..., -1, :] = 0.0
        if column:
            cut[..., :, -1] = 0.0
        yield what, cut


def _window_line(result: str, what: str) -> str:
    loop = {"last row": "range(kh - 1)", "last column": "range(kw - 1)"}.get(
        what, "range(kh - 1) and range(kw - 1)"
    )
    return (
        f"off-by-one window: your {result} is what a window without its {what} gives "
        f"({loop} where the whole window is needed)"
    )


def _transposed(w: Array) -> Iterator[tuple[str, Array]]:
    if w.shape[-1] == w.shape[-2]:
        yield "transposed (w[f][ch][j][i] for w[f][ch][i][j])", w.swapaxes(-1, -2)
    yield "rotated 180° (flipped, as a true convolution does)", w[..., ::-1, ::-1]


def conv_forward(case: Case) -> Iterator[Guess]:
    x, w, b, stride, padding = _args(case)
    yield (
        "bias missing: your out is off by exactly b[f] everywhere (+ b[f] left out)",
        {"out": _conv(x, w, 0 * b, stride, padding)},
    )
    for how, wt in _transposed(w):
        yield (
            f"filter {how.split(' (')[0]}: your out equals the right one computed with W[f] "
            f"{how}; conv2d slides W[f] as it is",
            {"out": _conv(x, wt, b, stride, padding)},
        )
    for what, cut in _window_cut(w):
        yield _window_line("out", what), {"out": _conv(x, cut, b, stride, padding)}


def _overwritten_conv(
    dout: Array, x: Array, w: Array, stride: Any, padding: Any
) -> dict[str, Array]:
    """The loop of the skeleton with ``=`` for every ``+=``: what each cell keeps is its
    last contribution (``dw`` twice: assigned for every window cell, or only inside)."""
    (sh, sw), (ph, pw) = stride, padding
    n_batch, filters, ho, wo = dout.shape
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    inside = np.pad(np.ones(x.shape[1:], dtype=bool), ((0, 0), (ph, ph), (pw, pw)))
    dxp, dw, dw_inside, db = (
        np.zeros_like(xp),
        np.zeros_like(w),
        np.zeros_like(w),
        np.zeros(filters),
    )
    for n in range(n_batch):
        for f in range(filters):
            for r in range(ho):
                for c in range(wo):
                    g = dout[n, f, r, c]
                    rows, cols = slice(r * sh, r * sh + kh), slice(c * sw, c * sw + kw)
                    dw[f] = g * xp[n, :, rows, cols]
                    mask = inside[:, rows, cols]
                    dw_inside[f][mask] = g * xp[n, :, rows, cols][mask]
                    db[f] = g
                    dxp[n, :, rows, cols] = g * w[f]
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return {"dx": dx, "dw": dw, "dw inside": dw_inside, "db": db}


def conv_backward(case: Case) -> Iterator[Guess]:
    dout, x, w, stride, padding = _args(case)
    if dout.size <= MAX_EMULATED:
        over = _overwritten_conv(dout, x, w, stride, padding)
        for name in ("dw", "dw inside"):
            yield (
                "dW overwritten instead of accumulated: it equals the last position's g·patch "
                "alone (dw[f] = g·patch where every position must add: +=)",
                {"dw": over[name]},
            )
        yield (
            "db overwritten instead of accumulated: it equals the last position's g alone "
            "(db[f] = g where every position must add: +=)",
            {"db": over["db"]},
        )
        yield (
            "dx overwritten instead of accumulated: each cell keeps only the last g·W[f] sent "
            "to it (= where overlapping windows and filters must add: +=)",
            {"dx": over["dx"]},
        )
    for how, wt in _transposed(w):
        yield (
            f"filter {how.split(' (')[0]} in dx: your dx equals the right one computed with "
            f"W[f] {how}; dx[window] += g·W[f] uses W[f] as it is",
            {"dx": _conv_dx(dout, x, wt, stride, padding)},
        )
    for what, cut in _window_cut(w):
        yield _window_line("dx", what), {"dx": _conv_dx(dout, x, cut, stride, padding)}


def linear_forward(case: Case) -> Iterator[Guess]:
    x, w, b = _args(case)
    yield (
        "bias missing: your out is off by exactly b[o] everywhere (+ b[o] left out)",
        {"out": x @ w.T},
    )
    if w.shape[0] == w.shape[1]:
        yield (
            "weight transposed: your out equals x·W + b; a linear layer computes W·x + b",
            {"out": x @ w + b},
        )


def linear_backward(case: Case) -> Iterator[Guess]:
    dout, x, w = _args(case)
    yield (
        "dW overwritten instead of accumulated: it equals the last sample's g·x alone "
        "(dw[o] = g·x where every sample must add: +=)",
        {"dw": np.outer(dout[-1], x[-1])},
    )
    yield (
        "db overwritten instead of accumulated: it equals the last sample's g alone",
        {"db": dout[-1].copy()},
    )
    yield (
        "dx overwritten instead of accumulated: it equals the last output's g·W[o] alone "
        "(dx[n] = g·W[o] where every output must add: +=)",
        {"dx": dout[:, -1:] * w[-1]},
    )
    if w.shape[0] == w.shape[1]:
        yield (
            "weight transposed in dx: your dx equals dout·Wᵀ; it is dout·W (dx[n][i] += g·w[o][i])",
            {"dx": dout @ w.T},
        )


def _pool_cut(x: Array, kernel: Any, stride: Any) -> Iterator[tuple[str, Any, Array]]:
    kh, kw = kernel
    ho, wo = (x.shape[2] - kh) // stride[0] + 1, (x.shape[3] - kw) // stride[1] + 1
    for what, cut in (
        ("last row", (kh - 1, kw)),
        ("last column", (kh, kw - 1)),
        ("last row and column", (kh - 1, kw - 1)),
    ):
        if min(cut) >= 1:
            view = sliding_windows(x, cut, stride)[:, :, :ho, :wo]
            yield what, cut, view


def maxpool_forward(case: Case) -> Iterator[Guess]:
    x, kernel, stride = _args(case)
    for what, _, windows in _pool_cut(x, kernel, stride):
        yield _window_line("out", what), {"out": windows.max(axis=(-2, -1))}


def maxpool_backward(case: Case) -> Iterator[Guess]:
    dout, x, kernel, stride = _args(case)
    for what, cut, windows in _pool_cut(x, kernel, stride):
        flat = windows.reshape(*windows.shape[:4], -1).argmax(axis=-1)
        dx = np.zeros_like(x)
        for (n, c, r, s), g in np.ndenumerate(dout):
            i, j = divmod(int(flat[n, c, r, s]), cut[1])
            dx[n, c, r * stride[0] + i, s * stride[1] + j] += g
        yield _window_line("dx", what), {"dx": dx}
    cache = maxpool2d_forward(x, kernel, stride)[1]
    if dout.size <= MAX_EMULATED:
        routed = np.zeros_like(x)
        kw = kernel[1]
        for (n, c, r, s), g in np.ndenumerate(dout):
            i, j = divmod(int(cache.argmax[n, c, r, s]), kw)
            routed[n, c, r * stride[0] + i, s * stride[1] + j] = g
        yield (
            "dx overwritten instead of accumulated: a cell that wins two overlapping windows "
            "keeps only the last g (= where += adds both)",
            {"dx": routed},
        )


def softmax_cross_entropy(case: Case) -> Iterator[Guess]:
    scores, labels = _args(case)
    shifted = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    onehot = np.zeros_like(p)
    onehot[np.arange(len(labels)), labels] = 1.0
    n = len(scores)
    per_sample = -np.log(p[np.arange(n), labels])
    yield (
        "softmax gradient: your dscores is p/N, not (p − onehot)/N: the −1 at each sample's "
        "label is missing",
        {"dscores": p / n},
    )
    yield (
        "softmax gradient: your dscores is p − onehot without the /N of the mean",
        {"dscores": p - onehot},
    )
    yield (
        "softmax gradient: your dscores has its sign flipped: (onehot − p)/N where it is "
        "(p − onehot)/N",
        {"dscores": (onehot - p) / n},
    )
    yield "loss summed over the batch, not its mean (the /N left out)", {"loss": per_sample.sum()}


def mse(case: Case) -> Iterator[Guess]:
    out, target = _args(case)
    d = out - target
    yield "mse gradient: 2·(y − t) without the /M of the mean", {"dscores": 2.0 * d}
    yield "mse gradient: (y − t)/M without the factor 2 of the square", {"dscores": d / d.size}


GUESSES: dict[str, Callable[[Case], Iterator[Guess]]] = {
    "conv2d_forward": conv_forward,
    "conv2d_backward": conv_backward,
    "linear_forward": linear_forward,
    "linear_backward": linear_backward,
    "maxpool2d_forward": maxpool_forward,
    "maxpool2d_backward": maxpool_backward,
    "softmax_cross_entropy": softmax_cross_entropy,
    "mse": mse,
}


def diagnose(case: Case, result: str, got: Any, agrees: Callable[[Any, Any], bool]) -> str | None:
    """The mistake the learner's ``result`` (nested lists, the right shape) shows, or None.
    ``agrees(expected, got)`` is the grader's own comparison."""
    guesses = GUESSES.get(case.function)
    if guesses is None:
        return None
    expected = next(r.expected for r in case.results if r.name == result)
    with np.errstate(all="ignore"):
        for line, answers in guesses(case):
            answer = answers.get(result)
            if answer is None or np.shape(answer) != np.shape(np.array(expected, dtype=float)):
                continue
            guess = answer.tolist() if isinstance(answer, np.ndarray) else float(answer)
            if agrees(guess, got) and not agrees(expected, guess):
                return line
    return None


def shape_hint(want: tuple[int, ...], have: tuple[int, ...]) -> str | None:
    """A map one row or column short or long: the output size formula off by one."""
    if len(want) != 4 or len(have) != 4 or want[:2] != have[:2]:
        return None
    off = [h - w for w, h in zip(want[2:], have[2:], strict=True)]
    if sorted(abs(d) for d in off) not in ([0, 1], [1, 1]):
        return None
    return (
        "off-by-one output size: Ho = (H + 2·ph − kh) // sh + 1 (likewise Wo) — yours is "
        f"{have[2]}×{have[3]}, not {want[2]}×{want[3]}"
    )
