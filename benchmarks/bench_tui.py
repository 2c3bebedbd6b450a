"""Key press → new frame for the stepcnn TUI (process start → first frame: bench_startup.py).

Key events are injected through the app's driver exactly as Textual's Pilot does, and the
clock stops when the next compositor update has been encoded to terminal output (headless
Textual skips that encoding, so this benchmark does it itself, as a real terminal would get
it). A 60 ms idle gap separates presses, as a person's would.

Usage:  python benchmarks/bench_tui.py [SCENARIO] [--presses N] [--size WxH ...] [--quick]

Every figure is measured at each ``--size`` (default: 160×50 and 80×24); ``--quick`` measures
only the operation keys on the scenario (no 28×28 matrix views); ``--cpu`` adds the
operation keys in the app thread's CPU time.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_keys import IDLE, app_for, hook_frames, press_and_wait

from stepcnn.scenario.builtin import paths
from stepcnn.session.session import Session
from stepcnn.timeline.load import load_scenario

SIZE = (160, 50)
SIZES = [(160, 50), (80, 24)]


def largest_builtin() -> str:
    best, best_steps = "tour", -1
    for path in paths():
        s = load_scenario(str(path))
        session = Session(s, iterations=1)
        if session.timeline.per_iteration > best_steps:
            best, best_steps = path.stem, session.timeline.per_iteration
    return best


def big_conv_scenario() -> str:
    """A 28×28 input and 8 filters of 3×3 (its matrix M is 5408×784), as a temporary file."""
    rows = [[((i * 7 + j * 3) % 11) / 10 for j in range(28)] for i in range(28)]
    text = (
        'title = "big conv"\nlearning_rate = 0.01\nloss = "cross_entropy"\niterations = 1\n'
        f"[[samples]]\ninput = {rows}\nlabel = 1\n"
        '[[layers]]\ntype = "conv2d"\nout_channels = 8\nkernel_size = 3\n'
        '[[layers]]\ntype = "flatten"\n[[layers]]\ntype = "linear"\nout_features = 2\n'
    )
    path = Path(tempfile.mkdtemp()) / "big-conv.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


async def measure(
    scenario: str,
    presses: int,
    keys: list[str],
    start: str | None = None,
    view: str | None = None,
    clock: Callable[[], float] = time.perf_counter,
    size: tuple[int, int] = SIZE,
) -> list[float]:
    """Median-able key → frame times; ``start`` is an op to begin at (default: step 0),
    ``view`` an inline view to show (``fc``, ``im2col``). ``clock=time.thread_time`` counts
    the CPU time of the app's thread only: what the frame costs on a machine nobody else
    is using (on a busy one the wall clock also counts the waits for a core). Presses that
    draw nothing (e.g. at the end of the timeline) are left out."""
    app = app_for(scenario, start)
    if view is not None:
        app.session.view = view
    frame = hook_frames(app)
    times: list[float] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.5)
        for i in range(presses):
            took = await press_and_wait(app, frame, keys[i % len(keys)], clock)
            if took is not None:
                times.append(took)
            await asyncio.sleep(IDLE)
    return times


def report(name: str, times: list[float]) -> None:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(
        f"{name:<34} n={len(ms):4d}  median {statistics.median(ms):6.2f} ms  "
        f"p95 {p95:6.2f} ms  max {ms[-1]:6.1f} ms"
    )


def size_of(text: str) -> tuple[int, int]:
    w, h = text.lower().split("x")
    return int(w), int(h)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?")
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--size", type=size_of, action="append")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="the operation keys in the app thread's CPU time too (for a busy machine)",
    )
    args = parser.parse_args()
    scenario = args.scenario or largest_builtin()
    for size in args.size or SIZES:
        print(f"scenario: {scenario}, terminal {size[0]}×{size[1]}")
        operation_keys(scenario, args.presses, size)
        if args.cpu:
            print("  (cpu: the app thread's CPU time)")
            operation_keys(scenario, args.presses, size, time.thread_time)
        if not args.quick:
            matrix_views(args.presses, size)


def operation_keys(
    scenario: str,
    presses: int,
    size: tuple[int, int],
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    """The keys a lesson presses most, per op, at one terminal size."""
    report(
        "next step (→)",
        asyncio.run(measure(scenario, presses, ["right"], None, None, clock, size)),
    )
    for op in ("conv2d.forward", "conv2d.backward", "linear.backward", "maxpool2d.backward"):
        try:
            times = asyncio.run(
                measure(scenario, presses // 2, ["right", "left"], op, None, clock, size)
            )
        except AssertionError:
            continue  # the scenario has no such op
        report(f"→ ← from {op}", times)
    report(
        "back and forth (→ ←)",
        asyncio.run(measure(scenario, presses, ["right", "left"], None, None, clock, size)),
    )
    report(
        "next row / next layer / phase",
        asyncio.run(
            measure(
                scenario,
                presses // 2,
                ["down", "greater_than_sign", "right_curly_bracket", "right"],
                None,
                None,
                clock,
                size,
            )
        ),
    )
    report(
        "t (next channels) at conv2d.backward",
        asyncio.run(measure(scenario, presses // 4, ["t"], "conv2d.backward", None, clock, size)),
    )


def matrix_views(presses: int, size: tuple[int, int]) -> None:
    big = big_conv_scenario()
    for clock, unit in ((time.perf_counter, "wall"), (time.thread_time, "cpu")):
        for view in ("normal", "fc", "im2col"):
            for op in ("conv2d.forward", "conv2d.backward"):
                report(
                    f"28×28×8 {view}, → ← {op.split('.')[1]} ({unit})",
                    asyncio.run(
                        measure(big, presses // 2, ["right", "left"], op, view, clock, size)
                    ),
                )
        report(
            f"28×28×8 m: cycle the views ({unit})",
            asyncio.run(measure(big, presses // 2, ["m"], "conv2d.forward", None, clock, size)),
        )


if __name__ == "__main__":
    main()
