"""Engine benchmark (not a test): one training iteration, stepcnn beside PyTorch, in one process.

One iteration is forward, the loss, backward and the SGD update, in float64 on one thread, with
the same weights on both sides (and, once before timing, the same results: loss and updated
weights within 1e-6 relative). The nets are those of issue 14 plus LeNet-5. The target (issue
23): stepcnn in at most 0.5× PyTorch's time on batch-1 nets and at most 0.8× on batched nets
(issue 14's were 0.7× and 1.0×).

The same work on both sides: forward, loss, backward to every parameter, SGD. Neither side
computes dL/d(batch) — the first layer's input gradient — in the iteration: PyTorch only does
when the input ``requires_grad``, stepcnn when something reads ``grad_input`` of the first
layer (the timeline, at that layer's backward steps). A second table times both with it:
stepcnn reading it once after the iteration, PyTorch with ``requires_grad`` on the batch. Both
run with numpy's and PyTorch's BLAS on one thread, and with the C allocator's policy that
stepcnn's training sets (:mod:`stepcnn.engine.allocator`, process-wide: PyTorch's side has it
too). A last line times ``TrainingRun`` — what the app trains with — on ``scenarios/lenet5.toml``
beside ``train_iteration`` alone, to show what the run adds (batch assembly, record cache).

Run in the ``make parity`` environment (PyTorch 2.13 CPU in ``.venv-torch``):
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=. .venv-torch/bin/python
benchmarks/bench_engine.py`` (``make bench`` does this). Without PyTorch it prints a note and
the stepcnn column alone. It prints which BLAS kernel numpy runs. Always exits 0.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepcnn.engine.allocator import keep_freed_memory  # noqa: E402
from stepcnn.engine.kinds.avgpool2d import AvgPool2d  # noqa: E402
from stepcnn.engine.kinds.conv2d import Conv2d  # noqa: E402
from stepcnn.engine.kinds.flatten import Flatten  # noqa: E402
from stepcnn.engine.kinds.linear import Linear  # noqa: E402
from stepcnn.engine.kinds.maxpool2d import MaxPool2d  # noqa: E402
from stepcnn.engine.kinds.relu import ReLU  # noqa: E402
from stepcnn.engine.kinds.tanh import Tanh  # noqa: E402
from stepcnn.engine.layers import Layer, Params, shapes_through  # noqa: E402
from stepcnn.engine.network import train_iteration  # noqa: E402
from stepcnn.engine.optim import SGD  # noqa: E402

try:
    import torch
except ImportError:  # the plain .venv: stepcnn's side only
    torch = None

SECONDS_PER_SAMPLE = 0.1
SAMPLES = 15


@dataclass(frozen=True)
class Net:
    name: str
    input_shape: tuple[int, int, int]
    layers: tuple[Layer, ...]
    batch: int
    momentum: float = 0.0

    @property
    def target(self) -> float:
        return 0.5 if self.batch == 1 else 0.8


def _conv(c_in: int, c_out: int, k: int, p: int = 0) -> Conv2d:
    return Conv2d(c_in, c_out, (k, k), (1, 1), (p, p))


POOL = MaxPool2d((2, 2), (2, 2))
AVG = AvgPool2d((2, 2), (2, 2))

NETS = (
    Net(
        "28×28 → conv(8, 3×3) → relu → maxpool(2) → linear(10)",
        (1, 28, 28),
        (_conv(1, 8, 3), ReLU(), POOL, Flatten(), Linear(8 * 13 * 13, 10)),
        1,
    ),
    Net(
        "8×8 → conv(4, 3×3) → relu → maxpool(2) → linear(10)",
        (1, 8, 8),
        (_conv(1, 4, 3), ReLU(), POOL, Flatten(), Linear(4 * 3 * 3, 10)),
        1,
    ),
    Net(
        "28×28 LeNet-like (relu, maxpool)",
        (1, 28, 28),
        (
            *(_conv(1, 6, 5, 2), ReLU(), POOL, _conv(6, 16, 5), ReLU(), POOL, Flatten()),
            *(Linear(400, 120), ReLU(), Linear(120, 10)),
        ),
        16,
    ),
    Net(
        "3×32×32: conv(16) → pool → conv(32) → pool → linear(10)",
        (3, 32, 32),
        (
            *(_conv(3, 16, 3, 1), ReLU(), POOL, _conv(16, 32, 3, 1), ReLU(), POOL),
            *(Flatten(), Linear(32 * 8 * 8, 10)),
        ),
        8,
    ),
    Net(
        "LeNet-5 (tanh, avgpool2d, momentum 0.9)",
        (1, 28, 28),
        (
            *(_conv(1, 6, 5, 2), Tanh(), AVG, _conv(6, 16, 5), Tanh(), AVG, Flatten()),
            *(Linear(400, 120), Tanh(), Linear(120, 84), Tanh(), Linear(84, 10)),
        ),
        16,
        0.9,
    ),
)


def initial_params(net: Net, rng: np.random.Generator) -> tuple[Params | None, ...]:
    params: list[Params | None] = []
    shapes = shapes_through(net.layers, net.input_shape)
    for layer, in_shape in zip(net.layers, shapes, strict=False):
        ps = layer.param_shapes()
        if ps is None:
            params.append(None)
            continue
        fan_in = int(np.prod(ps[0][1:]))
        bound = 1 / np.sqrt(fan_in)
        params.append(Params(rng.uniform(-bound, bound, ps[0]), rng.uniform(-bound, bound, ps[1])))
        del in_shape
    return tuple(params)


def stepcnn_runner(net: Net, params: Any, x: Any, y: Any) -> Callable[[], Any]:
    opt = SGD(0.01, net.momentum)
    state = {"params": params, "opt_state": None}

    def run() -> Any:
        rec = train_iteration(
            net.layers, state["params"], x, y, "cross_entropy", opt, 0, (), state["opt_state"]
        )
        state["params"] = tuple(lr.params_after for lr in rec.layers)
        state["opt_state"] = tuple(lr.opt_state_after for lr in rec.layers)
        return rec

    return run


def torch_model(net: Net, params: Any) -> Any:
    assert torch is not None
    nn = torch.nn
    modules = []
    for layer, p in zip(net.layers, params, strict=True):
        if isinstance(layer, Conv2d):
            m = nn.Conv2d(
                layer.in_channels,
                layer.out_channels,
                layer.kernel_size,
                layer.stride,
                layer.padding,
            )
        elif isinstance(layer, Linear):
            m = nn.Linear(layer.in_features, layer.out_features)
        elif isinstance(layer, MaxPool2d):
            m = nn.MaxPool2d(layer.kernel_size, layer.stride)
        elif isinstance(layer, AvgPool2d):
            m = nn.AvgPool2d(layer.kernel_size, layer.stride)
        elif isinstance(layer, ReLU):
            m = nn.ReLU()
        elif isinstance(layer, Tanh):
            m = nn.Tanh()
        else:
            m = nn.Flatten()
        if p is not None:
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(p.weight))
                m.bias.copy_(torch.from_numpy(p.bias))
        modules.append(m)
    return nn.Sequential(*modules).double()


def stepcnn_runner_with_input_grad(net: Net, params: Any, x: Any, y: Any) -> Callable[[], Any]:
    """As :func:`stepcnn_runner`, then reading the first layer's input gradient."""
    run = stepcnn_runner(net, params, x, y)

    def run_and_read() -> Any:
        rec = run()
        return rec.layers[0].grad_input

    return run_and_read


def torch_runner(
    net: Net, params: Any, x: Any, y: Any, input_grad: bool = False
) -> tuple[Callable[[], Any], Any]:
    assert torch is not None
    model = torch_model(net, params)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=net.momentum)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    if input_grad:
        tx.requires_grad_()

    def run() -> Any:
        opt.zero_grad(set_to_none=True)
        tx.grad = None
        loss = torch.nn.functional.cross_entropy(model(tx), ty)
        loss.backward()
        opt.step()
        return loss

    return run, model


def training_run_line() -> str:
    """µs per iteration of ``TrainingRun`` on lenet5.toml beside ``train_iteration`` alone."""
    from stepcnn.timeline.load import load_scenario
    from stepcnn.timeline.training import TrainingRun

    scenario = load_scenario(str(Path(__file__).resolve().parent.parent / "scenarios/lenet5.toml"))
    count = 200

    def whole_run() -> None:
        run = TrainingRun(scenario, count)
        for i in range(count):
            run.record(i)

    def engine_only() -> None:
        params, opt_state = scenario.initial_params, None
        for i in range(count):
            samples, x, y = scenario.batch(i)
            rec = train_iteration(
                scenario.layers,
                params,
                x,
                y,
                scenario.loss,
                scenario.optimizer,
                i,
                samples,
                opt_state,
            )
            params = tuple(lr.params_after for lr in rec.layers)
            opt_state = tuple(lr.opt_state_after for lr in rec.layers)

    best_run = best_engine = float("inf")
    for _ in range(3):
        for fn, is_run in ((whole_run, True), (engine_only, False)):
            t0 = time.process_time()
            fn()
            took = (time.process_time() - t0) / count
            if is_run:
                best_run = min(best_run, took)
            else:
                best_engine = min(best_engine, took)
    return (
        f"TrainingRun on scenarios/lenet5.toml (batch {scenario.batch_size}): "
        f"{best_run * 1e6:.0f}µs per iteration; train_iteration alone {best_engine * 1e6:.0f}µs"
    )


def per_call(*fns: Callable[[], Any]) -> list[float]:
    """Seconds per call of each function: the fastest of SAMPLES timings of about
    SECONDS_PER_SAMPLE each, the functions' timings interleaved so that both sides see the
    same machine (the fastest, because other processes only ever add time)."""
    reps = []
    for fn in fns:
        fn()
        start, calls = time.process_time(), 0
        while time.process_time() - start < SECONDS_PER_SAMPLE / 4:
            fn()
            calls += 1
        reps.append(max(1, calls * 4))
    best = [float("inf")] * len(fns)
    for _ in range(SAMPLES):
        for i, (fn, n) in enumerate(zip(fns, reps, strict=True)):
            t0 = time.process_time()
            for _ in range(n):
                fn()
            best[i] = min(best[i], (time.process_time() - t0) / n)
    return best


def agree(net: Net, params: Any, x: Any, y: Any) -> str:
    """One iteration on each side from the same start: do loss and updated weights agree?"""
    assert torch is not None
    rec = stepcnn_runner(net, params, x, y)()
    run, model = torch_runner(net, params, x, y)
    loss = float(run().detach())
    ok = np.isclose(rec.loss, loss, rtol=1e-6, atol=0)
    torch_params = iter(model.parameters())
    for lr in rec.layers:
        if lr.params_after is None:
            continue
        for ours in lr.params_after:
            theirs = next(torch_params).detach().numpy()
            ok &= np.allclose(ours, theirs, rtol=1e-6, atol=1e-12)
    return "same results" if ok else "RESULTS DIFFER"


def blas_note() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: (threadpoolctl not installed)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    parts = [
        f"{i.get('internal_api')} {i.get('version')} kernel {i.get('architecture')}, "
        f"{i.get('num_threads')} thread(s) ({Path(i.get('filepath', '')).name})"
        for i in infos
    ]
    core = os.environ.get("OPENBLAS_CORETYPE")
    return "BLAS: " + "; ".join(parts) + f"; OPENBLAS_CORETYPE={core or '(unset)'}"


def main() -> int:
    rng = np.random.default_rng(0)
    print("stepcnn vs PyTorch: one training iteration (forward, loss, backward, SGD)")
    print(f"float64, one thread; numpy {np.__version__}", end="")
    if torch is None:
        print("\nnote: PyTorch is not installed here: run `make parity` once to create")
        print("      .venv-torch, then `make bench` (or .venv-torch/bin/python this file)")
    else:
        torch.set_num_threads(1)
        torch.set_default_dtype(torch.float64)
        print(f", torch {torch.__version__} ({torch.get_num_threads()} thread)")
    print(blas_note())
    kept = keep_freed_memory()  # as TrainingRun does; process-wide, so PyTorch's side too
    print(f"malloc keeps freed memory (as stepcnn's training sets it): {'yes' if kept else 'no'}")
    header = f"{'net':<58} {'batch':>5} {'stepcnn':>10} {'PyTorch':>10} {'ratio':>6} {'target':>7}"
    data = []
    for net in NETS:
        params = initial_params(net, rng)
        x = rng.standard_normal((net.batch, *net.input_shape))
        y = rng.integers(0, 10, net.batch)
        data.append((net, params, x, y))
    for with_input_grad in (False, True) if torch is not None else (False,):
        print()
        if with_input_grad:
            print("with dL/d(batch) too (stepcnn reads the first layer's grad_input; PyTorch:")
            print("the batch requires_grad):")
        else:
            print("one iteration (neither side computes dL/d(batch)):")
        print(header)
        verdicts = []
        for net, params, x, y in data:
            make = stepcnn_runner_with_input_grad if with_input_grad else stepcnn_runner
            ours_fn = make(net, params, x, y)
            if torch is None:
                (ours,) = per_call(ours_fn)
            else:
                theirs_fn = torch_runner(net, params, x, y, input_grad=with_input_grad)[0]
                ours, theirs = per_call(ours_fn, theirs_fn)
            line = f"{net.name:<58} {net.batch:>5} {ours * 1e6:>8.0f}µs"
            if torch is not None:
                ratio = ours / theirs
                met = ratio <= net.target
                verdicts.append(met)
                line += f" {theirs * 1e6:>8.0f}µs {ratio:>6.2f} {'≤':>2}{net.target:.1f} "
                line += f"{'met' if met else 'NOT met'}"
                if not with_input_grad:
                    line += f", {agree(net, params, x, y)}"
            print(line)
        if verdicts:
            print(f"targets met: {sum(verdicts)} of {len(verdicts)}")
    print()
    print(training_run_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
