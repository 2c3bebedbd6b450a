"""Long-run benchmark (not a test): LeNet-5 on 28×28 for 5,000 iterations in bounded memory.

The target (issue 14): peak RSS ≤ 400 MB for the whole process, and once trained any step
opens in ≤ 50 ms median, ≤ 500 ms worst. "Opens" is ``timeline[k]`` at a random step of a
random iteration — the iteration recomputed from its checkpoint when it is not among the
recently used ones.

A second part (issue 23) opens ``scenarios/lenet5.toml`` (LeNet-5, batch 2, 58,669 steps per
iteration) with as many iterations as make at least 10⁹ steps (17,045), as ``stepcnn lenet5
--iterations 17045`` does: the session opens and draws its first step after training one
iteration. An iteration depends on the one before it, so a step of iteration ``i`` can only
be shown once iterations ``0 … i − 1`` have been computed; the app computes them in a
background thread from the start. "Jumping to any step" is therefore measured once that
training has passed every iteration (its time is printed): ``session.goto(k)`` and the scene
the app draws for it (:func:`stepcnn.present.scene.build_scene`), at random steps over the
whole 10⁹-step range. Targets: ≤ 50 ms median, peak RSS ≤ 300 MB.

Run: ``.venv/bin/python benchmarks/bench_memory.py [ITERATIONS]`` (a few minutes for 5,000),
``.venv/bin/python benchmarks/bench_memory.py --billion`` for the 10⁹-step part alone (about
a minute). Always exits 0.
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


def rss_mb() -> float:
    """The resident set size now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def billion_steps() -> None:
    """Open lenet5 with ≥ 10⁹ steps, train in order, then jump to random steps."""
    from stepcnn.present.scene import build_scene
    from stepcnn.scenario.builtin import find
    from stepcnn.session.session import Session
    from stepcnn.timeline.load import load_scenario

    t0 = time.perf_counter()
    scenario = load_scenario(str(find("lenet5")))
    per_iteration = Session(scenario, iterations=1).timeline.per_iteration
    iterations = -(-(10**9) // per_iteration)
    session = Session(scenario, iterations=iterations)
    build_scene(session)
    opened = time.perf_counter() - t0
    t1 = time.perf_counter()
    for i in range(iterations):  # what the app's background worker does
        session.run.record(i)
    trained = time.perf_counter() - t1
    rng = random.Random(0)
    times = []
    for _ in range(100):
        k = rng.randrange(session.total)
        t2 = time.perf_counter()
        session.goto(k)
        build_scene(session)
        times.append((time.perf_counter() - t2) * 1000)
    times.sort()
    median, p95 = statistics.median(times), times[94]
    peak = peak_mb()
    print(f"lenet5, {iterations:,} iterations × {per_iteration:,} steps = {session.total:,} steps")
    print(f"  opened (first step drawn) in {opened:.2f} s; every iteration trained {trained:.1f} s")
    print(f"  checkpoint every {session.run.checkpoint_every} iterations")
    verdict = "met" if median <= 50 else "NOT met"
    print(
        f"  jump to a random step (goto + the scene drawn): {median:.1f} ms median, "
        f"{p95:.1f} ms p95, {times[-1]:.0f} ms worst (target ≤ 50 ms median): {verdict}"
    )
    print(
        f"  RSS {rss_mb():.0f} MB now, peak {peak:.0f} MB (target ≤ 300 MB): "
        f"{'met' if peak <= 300 else 'NOT met'}"
    )


def main() -> int:
    if sys.argv[1:] == ["--billion"]:
        billion_steps()
        return 0
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
    print()
    billion_steps()
    return 0


if __name__ == "__main__":
    sys.exit(main())
