"""Key press → new frame for EVERY key of the debugger, one row per key (a Markdown table).

Each key is pressed where it does something (``t`` and ``d`` at a conv2d backward step, ``m``
at a conv2d forward step, ``c``/``C`` with a breakpoint set, …), alternating with its opposite
so that the session stays near that step (``→ ←``, ``> <``, ``n p``, ``. ,``); a key that opens
a screen (``:``, ``d``, ``v``, ``?``, ``i``, ``o``, ``P``) alternates with the key that closes
it, and both are timed. The clock starts when the key event is injected through the app's
driver, as Textual's Pilot does, and stops when the next compositor update has been encoded
to terminal output (headless Textual skips that encoding; this benchmark does it, as a real
terminal would get it) — the first frame after the key, which a dialog follows with one or
two more (its scrollbars); 60 ms idle between presses, as a person's. ``space`` is timed twice:
the press, and each *playback frame* — from the playback clock's tick to the frame it
causes, while playing at full speed. ``q`` (quit) is not timed.

Usage:  python benchmarks/bench_keys.py [SCENARIO] [--presses N] [--size WxH ...] [--cpu |
--both] [--runs R] [--only KEY] (default: lenet5, 40 presses per row, at 160×50 and 80×24,
one app session a row). ``--cpu`` times the app thread's CPU time (``time.thread_time``)
instead of the wall clock (on a busy machine the wall clock also counts the waits for a
core), ``--both`` gives both; ``--runs`` pools the presses of R app sessions per row (the
machine's load changes from one to the next). Prints one Markdown table: a column per size
and clock, each ``median / p95``, and the load average before and after.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual import events
from textual._compositor import CompositorUpdate
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Label

from stepcnn.scenario.builtin import find as find_builtin
from stepcnn.session.session import Session
from stepcnn.timeline import Condition, TensorId, find
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.backdrop import Modal
from stepcnn.tui.dialog import MODAL_CSS

SIZES = [(160, 50), (80, 24)]
IDLE = 0.06  # seconds between presses
NO_FRAME = 0.5  # seconds after which a press counts as drawing nothing


@dataclass(frozen=True)
class Case:
    """Keys pressed in turn from ``start`` (an op, or ``None``: the opening step) after the
    untimed ``setup`` keys; every key of ``keys`` is timed."""

    keys: tuple[str, ...]
    start: str | None = None
    setup: tuple[str, ...] = ()
    select: int | None = None  # a layer whose weight [0, 0, …] is selected first (as a click)


CASES = (
    Case(("right", "left")),
    Case(("right", "left"), "conv2d.forward"),
    Case(("right", "left"), "conv2d.backward"),
    Case(("right", "left"), "linear.backward"),
    Case(("t",), "conv2d.backward"),
    Case(("z", "Z"), "conv2d.backward"),
    Case(("down", "up"), "conv2d.backward"),
    Case(("right_square_bracket", "left_square_bracket"), "conv2d.backward"),
    Case(("greater_than_sign", "less_than_sign")),
    Case(("right_curly_bracket", "left_curly_bracket")),
    Case(("n", "p")),
    Case(("end", "home")),
    Case(("colon", "escape")),
    Case(("space", "space")),
    Case(("plus", "minus")),
    Case(("full_stop", "comma"), "conv2d.backward"),
    Case(("b", "x"), "conv2d.backward"),
    Case(("w",), "conv2d.backward"),
    Case(("c", "C"), "conv2d.backward", ("b",)),
    Case(("f",)),
    Case(("d", "escape"), "conv2d.backward"),
    Case(("v", "escape"), "conv2d.backward", select=3),
    Case(("m",), "conv2d.forward"),
    Case(("s", "s"), "conv2d.backward"),
    Case(("e", "e"), "conv2d.backward"),
    Case(("question_mark", "escape")),
    Case(("i", "escape")),
    Case(("o", "escape")),
    Case(("P", "P")),
    Case(("r",)),
    Case(("f12", "escape")),  # the floor of a dialog: see FloorDialog
)

SHOWN = {
    "right": "→",
    "left": "←",
    "down": "↓",
    "up": "↑",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "greater_than_sign": ">",
    "less_than_sign": "<",
    "right_curly_bracket": "}",
    "left_curly_bracket": "{",
    "colon": ":",
    "plus": "+",
    "minus": "-",
    "full_stop": ".",
    "comma": ",",
    "question_mark": "?",
    "f12": "a bare dialog (f12, the benchmark's own)",
}


class FloorDialog(Modal[None]):
    """The least a dialog of the debugger can cost: one Label in a ModalScreen with the
    dialogs' CSS, over the main screen (Textual draws the screen behind a dialog dimmed)."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss", "Close")]
    DEFAULT_CSS = MODAL_CSS
    SCOPED_CSS = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("a bare dialog")


class BenchApp(StepCNNApp):
    """The debugger, with f12 opening a :class:`FloorDialog`."""

    BINDINGS: ClassVar[list[BindingType]] = [("f12", "floor", "")]

    def action_floor(self) -> None:
        self.push_screen(FloorDialog())


def shown(key: str) -> str:
    return SHOWN.get(key, key)


def app_for(scenario: str, start: str | None, select: int | None = None) -> StepCNNApp:
    session = Session(load_scenario(scenario))
    if start is not None:
        k = find(session.timeline, Condition(op=start), -1)
        assert k is not None, start
        session.goto(k)
    if select is not None:
        weight = session.scenario.layers[select].param_shapes()
        assert weight is not None
        session.selected = (TensorId(select, "weight"), (0,) * len(weight[0]))
    return BenchApp(session)


class Frames:
    """Frames encoded for the terminal: :meth:`wait` for one; ``at`` is the clock's reading
    when the first one since :meth:`clear` was encoded (the moment a terminal gets it: what
    the loop runs before the waiting coroutine wakes, such as a dialog's second layout for
    its scrollbars, is not counted)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.event = asyncio.Event()
        self.at: float | None = None

    def clear(self) -> None:
        self.event.clear()
        self.at = None

    def set(self) -> None:
        if self.at is None:
            self.at = self.clock()
        self.event.set()

    async def wait(self) -> None:
        await self.event.wait()


def hook_frames(app: StepCNNApp) -> Frames:
    """Frames, set whenever a frame has been encoded for the terminal."""
    frame = Frames()
    original = app._display

    def display(screen, renderable):  # type: ignore[no-untyped-def]
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)  # the ANSI a terminal would receive
            frame.set()
        return original(screen, renderable)

    app._display = display  # type: ignore[method-assign]
    return frame


def send(app: StepCNNApp, key: str) -> None:
    """Inject a key event through the driver, as Textual's Pilot does."""
    driver = app._driver
    assert driver is not None
    event = events.Key(key, None)
    event.set_sender(app)
    driver.send_message(event)


async def press_and_wait(
    app: StepCNNApp, frame: Frames, key: str, clock: Callable[[], float]
) -> float | None:
    """Seconds from the key to its first frame (None: no frame within NO_FRAME)."""
    frame.clock = clock
    frame.clear()
    start = clock()
    send(app, key)
    try:
        await asyncio.wait_for(frame.wait(), timeout=NO_FRAME)
    except TimeoutError:
        return None  # nothing visible changed
    assert frame.at is not None
    return frame.at - start


async def measure_keys(
    scenario: str,
    case: Case,
    presses: int,
    size: tuple[int, int],
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds from each press to its frame, per key of ``case``."""
    app = app_for(scenario, case.start, case.select)
    frame = hook_frames(app)
    times: dict[str, list[float]] = {k: [] for k in case.keys}
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.5)
        for key in case.setup:
            await press_and_wait(app, frame, key, clock)
            await asyncio.sleep(IDLE)
        for i in range(presses):
            key = case.keys[i % len(case.keys)]
            took = await press_and_wait(app, frame, key, clock)
            if took is not None:
                times[key].append(took)
            await asyncio.sleep(IDLE)
    return times


async def measure_playback(
    scenario: str,
    frames: int,
    size: tuple[int, int],
    clock: Callable[[], float] = time.perf_counter,
) -> list[float]:
    """Seconds from each playback tick that moves the session (the clock paying out its
    steps) to the frame showing it, at the fastest speed."""
    app = app_for(scenario, None)
    frame = hook_frames(app)
    frame.clock = clock
    times: list[float] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        for _ in range(10):  # the fastest speed
            send(app, "plus")
            await asyncio.sleep(IDLE)
        playback = screen.clock  # type: ignore[attr-defined]
        original = playback.take  # called by each tick that owes steps
        pending: list[float] = []

        def take(steps: int) -> bool:
            t0 = clock()
            keep_going: bool = original(steps)
            if not pending:
                frame.clear()
                pending.append(t0)
            return keep_going

        playback.take = take
        send(app, "space")
        while len(times) < frames:
            try:
                await asyncio.wait_for(frame.wait(), timeout=NO_FRAME)
            except TimeoutError:
                break
            if pending and frame.at is not None:
                times.append(frame.at - pending.pop())
            frame.clear()
        send(app, "space")
        await pilot.pause(0.1)
    return times


def cell(times: list[float]) -> str:
    """``median / p95`` in ms (``–``: no frame)."""
    if not times:
        return "–"
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"{statistics.median(ms):.1f} / {p95:.1f}"


def label_of(case: Case, key: str) -> str:
    where = f" at {case.start}" if case.start else ""
    if case.setup:
        where += f" after {' '.join(shown(k) for k in case.setup)}"
    if case.select is not None:
        where += f", a layer-{case.select} weight selected"
    if key == "escape":
        where += f" (closes `{shown(case.keys[0])}`)"
    return f"`{shown(key)}`{where}"


def size_of(text: str) -> tuple[int, int]:
    w, h = text.lower().split("x")
    return int(w), int(h)


CLOCKS = {"wall": time.perf_counter, "CPU": time.thread_time}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default="lenet5")
    parser.add_argument("--presses", type=int, default=40, help="per row and app session")
    parser.add_argument("--size", type=size_of, action="append")
    parser.add_argument("--cpu", action="store_true", help="the app thread's CPU time only")
    parser.add_argument("--both", action="store_true", help="wall and CPU columns")
    parser.add_argument("--runs", type=int, default=1, help="app sessions pooled per row")
    parser.add_argument("--only", help="only the cases whose keys include this key")
    args = parser.parse_args()
    scenario = (
        args.scenario if args.scenario.endswith(".toml") else str(find_builtin(args.scenario))
    )
    clocks = ["wall", "CPU"] if args.both else ["CPU"] if args.cpu else ["wall"]
    columns = [(size, name) for size in args.size or SIZES for name in clocks]
    print(f"\n{Path(scenario).stem}: median / p95 in ms, {args.runs} app session(s) a row")
    print(f"load average at the start: {os.getloadavg()[0]:.2f}\n")
    heads = " | ".join(f"{w}×{h} {name}" for (w, h), name in columns)
    print(f"| key (where) | n | {heads} |")
    print("|---|---|" + "---|" * len(columns))
    for case in CASES:
        if args.only and args.only not in case.keys:
            continue
        pooled: dict[tuple[object, ...], dict[str, list[float]]] = {}
        for size, name in columns:
            got = pooled[(size, name)] = {k: [] for k in case.keys}
            for _ in range(args.runs):
                run = asyncio.run(measure_keys(scenario, case, args.presses, size, CLOCKS[name]))
                for key, times in run.items():
                    got[key] += times
        for key in dict.fromkeys(case.keys):
            n = len(pooled[columns[0]][key])
            cells = " | ".join(cell(pooled[c][key]) for c in columns)
            print(f"| {label_of(case, key)} | {n} | {cells} |", flush=True)
    if not args.only or args.only == "playback":
        frames = {
            c: [
                t
                for _ in range(args.runs)
                for t in asyncio.run(
                    measure_playback(scenario, args.presses * 2, c[0], CLOCKS[c[1]])
                )
            ]
            for c in columns
        }
        n = len(frames[columns[0]])
        cells = " | ".join(cell(frames[c]) for c in columns)
        print(f"| playback frame (`space`, fastest speed) | {n} | {cells} |", flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
