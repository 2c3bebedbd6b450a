"""Residual benchmark (not a test): a LeNet-sized net with a residual block, stepcnn beside
PyTorch, one training iteration (forward, loss, backward, SGD) in float64 on one thread.

The net (issue 20): 1×28×28 → conv 6 5×5 pad 2 (``a``) → relu → conv 6 3×3 pad 1 → relu →
conv 6 3×3 pad 1 → add(a, ·) → relu → maxpool 2 → conv 16 5×5 → relu → maxpool 2 → flatten →
linear 120 → relu → linear 84 → relu → linear 10, cross-entropy; batch 1 and 8. The target:
stepcnn at most 1.0× PyTorch's time per iteration. Same weights on both sides; the loss is
checked to agree (1e-9 relative) before timing.

Run: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=. .venv-torch/bin/python
benchmarks/bench_residual.py``. Always exits 0.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_engine import per_call  # noqa: E402
from stepcnn.engine.allocator import keep_freed_memory  # noqa: E402
from stepcnn.engine.graph import INPUT, Graph  # noqa: E402
from stepcnn.engine.kinds.add import Add  # noqa: E402
from stepcnn.engine.kinds.conv2d import Conv2d  # noqa: E402
from stepcnn.engine.kinds.flatten import Flatten  # noqa: E402
from stepcnn.engine.kinds.linear import Linear  # noqa: E402
from stepcnn.engine.kinds.maxpool2d import MaxPool2d  # noqa: E402
from stepcnn.engine.kinds.relu import ReLU  # noqa: E402
from stepcnn.engine.layers import Params  # noqa: E402
from stepcnn.engine.network import train_iteration  # noqa: E402
from stepcnn.engine.optim import SGD  # noqa: E402

LAYERS = (
    Conv2d(1, 6, (5, 5), (1, 1), (2, 2)),  # 0 a
    ReLU(),  # 1
    Conv2d(6, 6, (3, 3), (1, 1), (1, 1)),  # 2
    ReLU(),  # 3
    Conv2d(6, 6, (3, 3), (1, 1), (1, 1)),  # 4
    Add(),  # 5 add(a, 4)
    ReLU(),  # 6
    MaxPool2d((2, 2), (2, 2)),  # 7
    Conv2d(6, 16, (5, 5), (1, 1), (0, 0)),  # 8
    ReLU(),  # 9
    MaxPool2d((2, 2), (2, 2)),  # 10
    Flatten(),  # 11
    Linear(400, 120),  # 12
    ReLU(),  # 13
    Linear(120, 84),  # 14
    ReLU(),  # 15
    Linear(84, 10),  # 16
)
INPUTS = [(i - 1,) for i in range(len(LAYERS))]
INPUTS[0], INPUTS[5] = (INPUT,), (0, 4)
GRAPH = Graph(tuple(INPUTS), ("a",) + (None,) * (len(LAYERS) - 1))


def params(rng: np.random.Generator) -> tuple[Params | None, ...]:
    out: list[Params | None] = []
    for layer in LAYERS:
        shapes = layer.param_shapes()
        out.append(
            None
            if shapes is None
            else Params(rng.normal(0, 0.1, size=shapes[0]), rng.normal(0, 0.1, size=shapes[1]))
        )
    return tuple(out)


def torch_side(p: tuple[Params | None, ...], x: Any, y: Any) -> Any:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    leaves = [torch.tensor(t, requires_grad=True) for q in p if q is not None for t in q]
    opt = torch.optim.SGD(leaves, lr=0.01)
    xt, yt = torch.tensor(x), torch.tensor(y)
    w = iter(range(0, len(leaves), 2))

    def conv(i: int, a: Any, stride: int, pad: int) -> Any:
        return F.conv2d(a, leaves[i], leaves[i + 1], stride=stride, padding=pad)

    c = [next(w) for _ in range(7)]  # parameter indices of the 4 convs and 3 linears

    def run() -> Any:
        opt.zero_grad()
        a = conv(c[0], xt, 1, 2)
        h = F.relu(conv(c[1], F.relu(a), 1, 1))
        h = F.relu(conv(c[2], h, 1, 1) + a)
        h = F.max_pool2d(h, 2)
        h = F.max_pool2d(F.relu(conv(c[3], h, 1, 0)), 2).flatten(1)
        h = F.relu(F.linear(h, leaves[c[4]], leaves[c[4] + 1]))
        h = F.relu(F.linear(h, leaves[c[5]], leaves[c[5] + 1]))
        loss = F.cross_entropy(F.linear(h, leaves[c[6]], leaves[c[6] + 1]), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return run


def main() -> int:
    keep_freed_memory()
    rng = np.random.default_rng(0)
    p = params(rng)
    print("| net | batch | stepcnn µs/iteration | PyTorch µs/iteration | ratio |")
    print("|---|---|---|---|---|")
    for batch in (1, 8):
        x = rng.normal(size=(batch, 1, 28, 28))
        y = rng.integers(0, 10, size=batch)

        def ours(x: Any = x, y: Any = y) -> float:
            return train_iteration(LAYERS, p, x, y, "cross_entropy", SGD(0.01), graph=GRAPH).loss

        try:
            theirs = torch_side(p, x, y)
        except ImportError:
            (t,) = per_call(ours)
            print(f"| residual LeNet | {batch} | {t * 1e6:.0f} | (no PyTorch) | |")
            continue
        first = torch_side(p, x, y)()
        assert abs(ours() - first) <= 1e-9 * abs(first), (ours(), first)
        t_ours, t_theirs = per_call(ours, theirs)
        print(
            f"| residual LeNet | {batch} | {t_ours * 1e6:.0f} | {t_theirs * 1e6:.0f} | "
            f"{t_ours / t_theirs:.2f}× |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
