"""Trace benchmark (not a test): ``stepcnn trace`` steps per second, whole process.

The net is the 28×28 → conv2d(8, 3×3) → relu → maxpool2d(2) → flatten → linear(10) of
``bench_timeline.py``, 2 iterations (48,776 steps); each format runs as a fresh
``python -m stepcnn trace`` process writing to a file, and the time is the process's, from
start to exit (import, load, training and every line). Target (issue 14): ≥ 30,000 steps/s.
Also timed: a window of 100 lines at the end (``--from K --count 100``), which costs what
start-up and training cost: the lines before the window are not formatted.

Python's bytecode cache is on for the timed processes (``PYTHONDONTWRITEBYTECODE`` removed; an
untimed first run writes it), as for anyone who has run stepcnn once.

Run: ``.venv/bin/python benchmarks/bench_trace.py``. Always exits 0.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_timeline import MNIST_LIKE, scenario_text

TARGET = 30_000
RUNS = 3


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(argv: list[str]) -> tuple[float, float, int]:
    """Fastest wall time and CPU time of RUNS processes, and the number of lines written."""
    command = [sys.executable, "-m", "stepcnn", *argv]
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=ENV)  # untimed
    best, best_cpu, lines = float("inf"), float("inf"), 0
    for _ in range(RUNS):
        with tempfile.TemporaryFile("w+") as out:
            t0, c0 = time.perf_counter(), children_cpu()
            subprocess.run(command, stdout=out, check=True, env=ENV)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, children_cpu() - c0)
            out.seek(0)
            lines = sum(1 for _ in out)
    return best, best_cpu, lines


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mnist-like.toml"
        path.write_text(scenario_text(**MNIST_LIKE, iterations=2), encoding="utf-8")
        print("stepcnn trace, 28×28 net, 2 iterations, whole process (fastest of 3):")
        for fmt in ("jsonl", "text"):
            seconds, cpu, lines = timed(["trace", str(path), "--format", fmt])
            verdict = "met" if lines / cpu >= TARGET else "NOT met"
            print(
                f"  {fmt:<5} {lines:,} steps: {seconds:.2f} s wall ({lines / seconds:,.0f} "
                f"steps/s), {cpu:.2f} s CPU ({lines / cpu:,.0f} steps/s; target ≥ {TARGET:,}: "
                f"{verdict})"
            )
        seconds, cpu, lines = timed(["trace", str(path), "--from", "48000", "--count", "100"])
        print(f"  --from 48000 --count 100: {lines} lines, {seconds:.2f} s wall, {cpu:.2f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
