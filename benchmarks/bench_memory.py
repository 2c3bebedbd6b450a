"""Long-run benchmark (not a test): LeNet-5 on 28×28 for 5,000 iterations in bounded memory.

The target (issue 14): peak RSS ≤ 400 MB for the whole process, and once trained any step
opens in ≤ 50 ms median, ≤ 500 ms worst. "Opens" is ``timeline[k]`` at a random step of a
random iteration — the iteration recomputed from its checkpoint when it is not among the
recently used ones.

Run: ``.venv/bin/python benchmarks/bench_memory.py [ITERATIONS]`` (a few minutes for 5,000).
Always exits 0.
"""

import random
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepcnn.timeline import Timeline
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

TARGET_MB, TARGET_MEDIAN_MS, TARGET_WORST_MS = 400, 50, 500
LAYERS = (
    'type = "conv2d"\nout_channels = 6\nkernel_size = 5\npadding = 2',
    'type = "tanh"',
    'type = "avgpool2d"\nkernel_size = 2',
    'type = "conv2d"\nout_channels = 16\nkernel_size = 5',
    'type = "tanh"',
    'type = "avgpool2d"\nkernel_size = 2',
    'type = "flatten"',
    'type = "linear"\nout_features = 120',
    'type = "tanh"',
    'type = "linear"\nout_features = 84',
    'type = "tanh"',
    'type = "linear"\nout_features = 10',
)


def lenet5(iterations: int, samples: int = 20) -> str:
    rng = np.random.default_rng(0)
    lines = [
        'title = "LeNet-5, long run"',
        "seed = 1",
        "learning_rate = 0.01",
        "momentum = 0.9",
        'loss = "cross_entropy"',
        "batch_size = 1",
        f"iterations = {iterations}",
    ]
    for s in range(samples):
        image = np.round(rng.random((28, 28)), 3)
        lines += ["[[samples]]", f"input = {image.tolist()!r}", f"label = {s % 10}"]
    for layer in LAYERS:
        lines += ["[[layers]]", layer]
    return "\n".join(lines) + "\n"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    run = TrainingRun(parse_scenario(lenet5(iterations)))
    timeline = Timeline(run)
    t0 = time.perf_counter()
    run.record(iterations - 1)
    trained = time.perf_counter() - t0
    rng = random.Random(0)
    times = []
    for _ in range(60):
        k = rng.randrange(len(timeline))
        t1 = time.perf_counter()
        timeline[k]
        times.append((time.perf_counter() - t1) * 1000)
    median, worst = statistics.median(times), max(times)
    peak = peak_mb()
    print(f"LeNet-5 28×28, batch 1, momentum 0.9: {iterations:,} iterations")
    print(f"  trained in {trained:.1f} s ({trained / iterations * 1000:.2f} ms per iteration)")
    print(
        f"  checkpoint every {run.checkpoint_every} iterations, "
        f"{len(run._records)} recent records kept"
    )
    verdict = "met" if peak <= TARGET_MB else "NOT met"
    print(f"  peak RSS {peak:.0f} MB (target ≤ {TARGET_MB}): {verdict}")
    ok = median <= TARGET_MEDIAN_MS and worst <= TARGET_WORST_MS
    print(
        f"  a random step opens in {median:.1f} ms median, {worst:.0f} ms worst "
        f"(target ≤ {TARGET_MEDIAN_MS} / ≤ {TARGET_WORST_MS}): {'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
