"""Timeline benchmark (not a test): random access cost against timeline length, and memory.

The spec's targets (issue 3): ``timeline[k]`` costs the same at k = 10 and k = 10⁷ (median time
on a 10⁷-step timeline at most 1.5× that on a 10³-step one); stepping back costs what stepping
forward costs; 100 iterations of a 28×28 → conv2d(8, 3×3) → relu → maxpool2d(2) → flatten →
linear(10) net fit in 200 MB.

Each pair of timelines shares one architecture and differs only in its number of iterations, so
the ratio measures the effect of the step number k alone (per-step cost also depends on the
layer sizes, which the spec does not ask to be constant). Every iteration is computed before
timing ("warm"), so the times are those of deriving a step, not of training.

Run: ``.venv/bin/python benchmarks/bench_timeline.py`` (about 20 s). It prints the figures and
whether each target was met; it always exits 0 (timings on a busy machine are not a verdict).
"""

import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepcnn.timeline import Timeline
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

SAMPLES_PER_TIMING = 2000
TARGET_RATIO = 1.5
TARGET_MB = 200


def scenario_text(
    side: int, filters: int, classes: int, iterations: int, samples: int = 8, seed: int = 0
) -> str:
    """``side×side`` → conv2d(filters, 3×3) → relu → maxpool2d(2) → flatten → linear(classes)."""
    rng = np.random.default_rng(seed)
    lines = [
        f'title = "bench {side}x{side}"',
        "seed = 1",
        "learning_rate = 0.01",
        'loss = "cross_entropy"',
        "batch_size = 1",
        f"iterations = {iterations}",
    ]
    for s in range(samples):
        image = np.round(rng.random((side, side)), 3)
        lines += ["[[samples]]", f"input = {image.tolist()!r}", f"label = {s % classes}"]
    for layer in (
        f'type = "conv2d"\nout_channels = {filters}\nkernel_size = 3',
        'type = "relu"',
        'type = "maxpool2d"\nkernel_size = 2',
        'type = "flatten"',
        f'type = "linear"\nout_features = {classes}',
    ):
        lines += ["[[layers]]", layer]
    return "\n".join(lines) + "\n"


TINY = {"side": 9, "filters": 4, "classes": 10}  # ~10³ steps per iteration
MNIST_LIKE = {"side": 28, "filters": 8, "classes": 10}  # ~2.5·10⁴ steps per iteration


def warm_timeline(arch: dict[str, int], iterations: int) -> Timeline:
    run = TrainingRun(parse_scenario(scenario_text(**arch, iterations=iterations)))
    timeline = Timeline(run)
    run.record(len(run) - 1)  # compute every iteration before timing
    return timeline


def time_call(timeline: Timeline, k: int) -> float:
    """Seconds for one ``timeline[k]``."""
    t0 = time.perf_counter()
    timeline[k]
    return time.perf_counter() - t0


def summary(times: list[float]) -> tuple[float, float]:
    """(median, p95) in microseconds."""
    ordered = sorted(times)
    return statistics.median(ordered) * 1e6, ordered[int(0.95 * (len(ordered) - 1))] * 1e6


def random_access(arch: dict[str, int], short_iterations: int, long_iterations: int) -> dict:
    """Random ``timeline[k]`` on a short and a long timeline, and a cursor walk on the long one.

    The two timelines' calls are interleaved, so a busy machine slows both alike, and their k
    share the same offsets within an iteration, so both see the same mix of operations.
    """
    rng = np.random.default_rng(42)
    short = warm_timeline(arch, short_iterations)
    t0 = time.perf_counter()
    long = warm_timeline(arch, long_iterations)
    warm_s = time.perf_counter() - t0
    per = long.per_iteration
    offsets = rng.integers(0, per, SAMPLES_PER_TIMING + 200).tolist()
    ks_short = [int(rng.integers(0, short_iterations)) * per + o for o in offsets]
    ks_long = [int(rng.integers(0, long_iterations)) * per + o for o in offsets]
    gc.collect()
    t_short, t_long = [], []
    for i, (a, b) in enumerate(zip(ks_short, ks_long, strict=True)):
        ta, tb = time_call(short, a), time_call(long, b)
        if i >= 200:  # the first calls only warm caches
            t_short.append(ta)
            t_long.append(tb)

    # A cursor: forward one step at a time, then back one step at a time, in rounds.
    t_fwd, t_back = [], []
    for _ in range(4):
        start = int(rng.integers(0, len(long) - SAMPLES_PER_TIMING // 4))
        walk = range(start, start + SAMPLES_PER_TIMING // 4)
        t_fwd += [time_call(long, k) for k in walk]
        t_back += [time_call(long, k) for k in reversed(walk)]
    return {
        "short_steps": len(short),
        "long_steps": len(long),
        "warm_s": warm_s,
        "short": summary(t_short),
        "long": summary(t_long),
        "forward": summary(t_fwd),
        "back": summary(t_back),
    }


# ---- memory, in a fresh interpreter -------------------------------------------------------

MEMORY_CHILD = """
import json, sys, tracemalloc
sys.path.insert(0, {root!r})
import numpy as np
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline import TensorId, Timeline
from stepcnn.timeline.training import TrainingRun
from benchmarks.bench_timeline import scenario_text, MNIST_LIKE



def high_water_kb():
    # VmHWM: this process's peak RSS (ru_maxrss would include the forking parent's on Linux).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


text = scenario_text(**MNIST_LIKE, iterations=100)
base_rss = high_water_kb()
tracemalloc.start()
run = TrainingRun(parse_scenario(text))
timeline = Timeline(run)
run.record(len(run) - 1)
trained, peak_training = tracemalloc.get_traced_memory()
tracemalloc.reset_peak()
# Walk 20 000 steps and read partial tensors: nothing per step may be kept.
rng = np.random.default_rng(0)
for k in rng.integers(0, len(timeline), 20_000).tolist():
    timeline[int(k)]
for k in rng.integers(0, len(timeline), 300).tolist():
    timeline.tensor_at(int(k), TensorId(0, "grad_weight"))
after_walk, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({{
    "steps": len(timeline),
    "base_rss_kb": base_rss,
    "rss_kb": high_water_kb(),
    "traced_after_training": trained,
    "traced_peak_training": peak_training,
    "traced_after_walk": after_walk,
    "traced_peak": peak,
}}))
"""


def memory() -> dict:
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD.format(root=root)],
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    t_start = time.perf_counter()
    m = memory()  # first, while this process is small
    print("timeline[k] for random k, every iteration computed first (times in µs)")
    print(f"{'timelines (same architecture)':<34}{'steps':>12}{'median':>9}{'p95':>9}{'ratio':>8}")
    ok = True
    pairs = [
        ("9×9 net, 1 vs 10 000 iterations", TINY, 1, 10_000),
        ("28×28 net, 1 vs 400 iterations", MNIST_LIKE, 1, 400),
    ]
    walks = []
    for label, arch, short_it, long_it in pairs:
        r = random_access(arch, short_it, long_it)
        ratio = r["long"][0] / r["short"][0]
        ok &= ratio <= TARGET_RATIO
        print(f"{label:<34}{r['short_steps']:>12,}{r['short'][0]:>9.1f}{r['short'][1]:>9.1f}")
        print(
            f"{'':<34}{r['long_steps']:>12,}{r['long'][0]:>9.1f}{r['long'][1]:>9.1f}"
            f"{ratio:>8.2f}   (warm-up {r['warm_s']:.1f} s)"
        )
        walks.append((label, r))
    print(f"target: ratio of medians ≤ {TARGET_RATIO}")
    print()
    print("stepping one step at a time on the long timeline (µs per step)")
    print(f"{'':<34}{'forward':>16}{'back':>16}{'ratio':>8}")
    for label, r in walks:
        ratio = r["back"][0] / r["forward"][0]
        ok &= ratio <= TARGET_RATIO
        fwd = f"{r['forward'][0]:.1f} / {r['forward'][1]:.1f}"
        back = f"{r['back'][0]:.1f} / {r['back'][1]:.1f}"
        print(f"{label:<34}{fwd:>16}{back:>16}{ratio:>8.2f}")
    print(f"{'':<34}{'(median / p95)':>16}")
    print()
    peak_mb = m["rss_kb"] / 1024
    ok &= peak_mb <= TARGET_MB
    print("memory: 100 iterations of 28×28 → conv2d(8, 3×3) → relu → maxpool2d(2) → flatten →")
    print(f"linear(10), {m['steps']:,} steps, all computed, then 20 000 random steps read")
    print(f"  peak RSS of the process      {peak_mb:8.1f} MB  (target ≤ {TARGET_MB} MB)")
    print(f"  of which interpreter+imports {m['base_rss_kb'] / 1024:8.1f} MB  (before training)")
    print(f"  numpy/Python heap, trained   {m['traced_after_training'] / 2**20:8.1f} MB")
    print(f"  … peak while training        {m['traced_peak_training'] / 2**20:8.1f} MB")
    print(f"  … after the 20 000-step walk {m['traced_after_walk'] / 2**20:8.1f} MB")
    print(f"  … peak while walking         {m['traced_peak'] / 2**20:8.1f} MB")
    print()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"benchmark took {time.perf_counter() - t_start:.0f} s (its own peak RSS {own:.0f} MB)")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
