"""Benchmark of issue 20's kinds and optimizer (not a test): the residual LeNet of
``bench_residual.py`` with batchnorm2d in its residual branch and after its last conv,
adaptive average pooling in place of the last max-pool and dropout before the first linear
layer, trained by Adam; stepcnn beside PyTorch, one training iteration (forward, loss,
backward, the Adam update) in float64 on one thread.

1×28×28 → conv 6 5×5 pad 2 (``a``) → relu → conv 6 3×3 pad 1 → batchnorm2d → relu → conv 6 3×3
pad 1 → add(a, ·) → relu → maxpool 2 → conv 16 5×5 → batchnorm2d → relu →
adaptive_avgpool2d 5×5 → flatten → dropout 0.5 → linear 120 → relu → linear 84 → relu →
linear 10, cross-entropy, Adam (η = 0.001); batch 1 and 8. PyTorch runs ``F.batch_norm`` in
training mode (its running statistics updated), ``torch.optim.Adam`` and multiplies by
stepcnn's dropout mask (the same numbers: before timing, the loss is checked to agree to 1e-9
relative and every updated weight to 1e-6, the parity tolerance — a conv bias right before
batchnorm has a gradient of rounding noise, whose sign Adam's first step follows; its own
``F.dropout`` would draw another mask). The
target: stepcnn at most 1.0× PyTorch's time per iteration.

Run: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=. .venv-torch/bin/python
benchmarks/bench_kinds.py``. Always exits 0.
"""

import os

os.environ.update(
    dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1")
)

from typing import Any

import numpy as np

from benchmarks import bench_residual as residual
from stepcnn.engine.allocator import keep_freed_memory
from stepcnn.engine.graph import INPUT, Graph
from stepcnn.engine.kinds.adaptive_avgpool2d import AdaptiveAvgPool2d
from stepcnn.engine.kinds.batchnorm2d import BatchNorm2d
from stepcnn.engine.kinds.dropout import Dropout
from stepcnn.engine.layers import Params
from stepcnn.engine.network import IterationRecord, train_iteration
from stepcnn.engine.optim import Adam

R = residual.LAYERS  # 0 conv a, relu, conv, relu, conv, add, relu, maxpool, 8 conv, relu, …
LAYERS = (
    *R[:3],  # 0 conv a, 1 relu, 2 conv
    BatchNorm2d(6),  # 3
    *R[3:9],  # 4 relu, 5 conv, 6 add(a, 5), 7 relu, 8 maxpool, 9 conv 16
    BatchNorm2d(16),  # 10
    R[9],  # 11 relu
    AdaptiveAvgPool2d((5, 5)),  # 12 (for bench_residual's maxpool: 10×10 → 5×5)
    R[11],  # 13 flatten
    Dropout(0.5),  # 14
    *R[12:],  # 15 linear 120, relu, linear 84, relu, linear 10
)
INPUTS = [(i - 1,) for i in range(len(LAYERS))]
INPUTS[0], INPUTS[6] = (INPUT,), (0, 5)
GRAPH = Graph(tuple(INPUTS), ("a",) + (None,) * (len(LAYERS) - 1))
ADAM = Adam(0.001)
DROPOUT = 14


def initial(rng: np.random.Generator) -> tuple[Params | None, ...]:
    """Random weights; batchnorm's γ = 1, β = 0, as PyTorch starts them."""
    out: list[Params | None] = []
    for layer in LAYERS:
        shapes = layer.param_shapes()
        if shapes is None:
            out.append(None)
        elif isinstance(layer, BatchNorm2d):
            out.append(Params(np.ones(shapes[0]), np.zeros(shapes[1])))
        else:
            w, b = rng.normal(0, 0.1, size=shapes[0]), rng.normal(0, 0.1, size=shapes[1])
            out.append(Params(w, b))
    return tuple(out)


def ours(
    p: tuple[Params | None, ...], x: Any, y: Any, after: IterationRecord | None = None
) -> IterationRecord:
    """One iteration; ``after``: the one before it (its Adam state and running statistics)."""
    state = None if after is None else tuple(lr.opt_state_after for lr in after.layers)
    buffers = None if after is None else tuple(lr.buffers_after for lr in after.layers)
    return train_iteration(
        LAYERS, p, x, y, "cross_entropy", ADAM, 1, (), state, GRAPH, buffers=buffers
    )


def torch_side(p: tuple[Params | None, ...], x: Any, y: Any, mask: Any) -> tuple[Any, Any]:
    """PyTorch's iteration (a closure) and its parameter leaves."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    leaves = [torch.tensor(t, requires_grad=True) for q in p if q is not None for t in q]
    opt = torch.optim.Adam(leaves, lr=ADAM.learning_rate)
    xt, yt, kept = torch.tensor(x), torch.tensor(y), torch.tensor(mask) * 2.0
    running = {c: (torch.zeros(c), torch.ones(c)) for c in (6, 16)}
    at = iter(range(0, len(leaves), 2))
    c = [next(at) for _ in range(9)]  # the 4 convs, 2 batchnorms and 3 linears, in order

    def conv(i: int, a: Any, pad: int) -> Any:
        return F.conv2d(a, leaves[c[i]], leaves[c[i] + 1], padding=pad)

    def norm(i: int, a: Any) -> Any:
        mean, var = running[a.shape[1]]
        return F.batch_norm(a, mean, var, leaves[c[i]], leaves[c[i] + 1], True, 0.1, 1e-5)

    def linear(i: int, a: Any) -> Any:
        return F.linear(a, leaves[c[i]], leaves[c[i] + 1])

    def run() -> Any:
        opt.zero_grad()
        a = conv(0, xt, 2)
        h = conv(3, F.relu(norm(2, conv(1, F.relu(a), 1))), 1)
        h = F.max_pool2d(F.relu(h + a), 2)
        h = F.adaptive_avg_pool2d(F.relu(norm(5, conv(4, h, 0))), (5, 5)).flatten(1) * kept
        h = F.relu(linear(7, F.relu(linear(6, h))))
        loss = F.cross_entropy(linear(8, h), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return run, leaves


def check(p: tuple[Params | None, ...], x: Any, y: Any, mask: Any) -> None:
    """One iteration on each side from the same start (with the mask of the timed one): the
    loss and every weight after."""
    rec = train_iteration(LAYERS, p, x, y, "cross_entropy", ADAM, 1, (), None, GRAPH)
    run, leaves = torch_side(p, x, y, mask)
    loss = run()
    assert abs(rec.loss - loss) <= 1e-9 * abs(loss), (rec.loss, loss)
    after = [t for lr in rec.layers if lr.params_after is not None for t in lr.params_after]
    for mine, theirs in zip(after, leaves, strict=True):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-6, atol=1e-9)


def main() -> int:
    keep_freed_memory()
    rng = np.random.default_rng(0)
    p = initial(rng)
    print("| net | batch | stepcnn µs/iteration | PyTorch µs/iteration | ratio |")
    print("|---|---|---|---|---|")
    for batch in (1, 8):
        x = rng.normal(size=(batch, 1, 28, 28))
        y = rng.integers(0, 10, size=batch)
        first = ours(p, x, y)  # timed: the iteration after it (Adam's state is there)
        mask = ours(p, x, y, first).layers[DROPOUT].cache.mask  # the same at every call

        def mine(x: Any = x, y: Any = y, first: IterationRecord = first) -> float:
            return ours(p, x, y, first).loss

        try:
            theirs, _ = torch_side(p, x, y, mask)
        except ImportError:
            (t,) = residual.per_call(mine)
            print(f"| residual LeNet, batchnorm, dropout, Adam | {batch} | {t * 1e6:.0f} | "
                  "(no PyTorch) | |")  # fmt: skip
            continue
        check(p, x, y, mask)
        t_ours, t_theirs = residual.per_call(mine, theirs)
        print(
            f"| residual LeNet, batchnorm, dropout, Adam | {batch} | {t_ours * 1e6:.0f} | "
            f"{t_theirs * 1e6:.0f} | {t_ours / t_theirs:.2f}× |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
