"""Playback at full speed through a 1,000-iteration scenario, resizing the terminal all along.

Prints the resident memory (RSS) over time, the number of resizes and the steps played:
memory grows while the iterations are first computed, then stays flat.

Usage:  python benchmarks/bench_playback.py [--seconds S]
"""

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepcnn.session.session import SPEEDS, Session
from stepcnn.timeline.load import parse_scenario
from stepcnn.tui.app import StepCNNApp

SCENARIO = """
title = "playback soak"
learning_rate = 0.05
loss = "cross_entropy"
iterations = 1000
[[samples]]
input = [[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]]
label = 0
[[samples]]
input = [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]
label = 1
[[layers]]
type = "conv2d"
out_channels = 1
kernel_size = 2
[[layers]]
type = "relu"
[[layers]]
type = "flatten"
[[layers]]
type = "linear"
out_features = 2
"""

SIZES = [(160, 50), (80, 24), (200, 60), (61, 19), (40, 12), (120, 40)]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


async def soak(seconds: float) -> None:
    session = Session(parse_scenario(SCENARIO))
    session.speed_index = len(SPEEDS) - 1  # full speed
    app = StepCNNApp(session)
    samples: list[tuple[float, float, int]] = []
    resizes = 0
    async with app.run_test(size=SIZES[0]) as pilot:
        await pilot.press("space")
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            await pilot.pause(0.25)
            await pilot.resize_terminal(*SIZES[resizes % len(SIZES)])
            resizes += 1
            samples.append((time.perf_counter() - start, rss_mb(), session.k))
            if session.k >= session.total - 1:
                break
        await pilot.press("q")
    print(f"timeline: {session.total} steps, {len(session.run)} iterations")
    print(f"played to step {samples[-1][2]} in {samples[-1][0]:.1f} s with {resizes} resizes")
    for t, mb, k in samples[:: max(1, len(samples) // 10)]:
        print(f"  t={t:5.1f} s  step {k:6d}  RSS {mb:6.1f} MB")
    half = samples[len(samples) // 2 :]
    print(
        f"RSS: peak {max(m for _, m, _ in samples):.1f} MB; second half of the run "
        f"{min(m for _, m, _ in half):.1f}–{max(m for _, m, _ in half):.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40.0)
    args = parser.parse_args()
    asyncio.run(soak(args.seconds))


if __name__ == "__main__":
    main()
