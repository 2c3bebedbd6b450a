"""Start-up benchmark (not a test): process start → first frame of the TUI, in a terminal.

Each run starts a fresh process on a new pseudo-terminal (160×50, ``TERM=xterm-256color``), as
``make run`` does (``.venv/bin/stepcnn``), and reads what it writes to the terminal. Two
moments are timed: the **first frame** — the first screen update holding the status line
(``iteration 1 of …``), which Textual writes in one piece with everything above it — and the
**footer**, which Textual's ``Footer`` fills in one refresh later. Then the process (and only
it: its own session) is killed, and the CPU time it used is read (what the start costs on a
machine nobody else is using). A bare Textual app (a ``Static`` and a ``Footer``) is timed
the same way: the floor that Python, importing Textual and starting an app cost on this
machine. Target (issue 23): stepcnn's first frame ≤ 0.25 s (issue 14's was 0.5 s).

Python's bytecode cache is on for the timed processes (``PYTHONDONTWRITEBYTECODE`` removed;
an untimed first run of each command writes it), as it is for anyone who has run stepcnn
once: without it every start compiles stepcnn's ~120 modules again (about 0.07 s more).

Run: ``.venv/bin/python benchmarks/bench_startup.py [--runs N]``. Always exits 0.
"""

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

TARGET = 0.25
SIZE = (160, 50)
TIMEOUT = 20.0

BARE_APP = """\
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Static("iteration 1 of 1: a bare Textual app")
        yield Footer()

Bare().run()
"""
FIRST_FRAME = b"iteration 1 of"
FOOTER = b"Quit"


def timed_start(argv: list[str]) -> tuple[float | None, float | None, float]:
    """Seconds from starting ``argv`` on a new pseudo-terminal until its first frame and
    until its footer are written (None: not seen within TIMEOUT), and the CPU seconds the
    process used until then (on a busy machine the wall clock also counts waits for a
    core)."""
    master, slave = pty.openpty()
    cols, rows = SIZE
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "TEXTUAL")}
    env["TERM"] = "xterm-256color"
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    frame = footer = None
    try:
        while footer is None and time.perf_counter() - start < TIMEOUT:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if process.poll() is not None:  # ended without a frame (an error, say)
                    break
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the process has ended
                break
            now = time.perf_counter() - start
            seen += chunk
            if frame is None and FIRST_FRAME in seen:
                frame = now
            if frame is not None and FOOTER in seen:
                footer = now
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the session started here, nothing else
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = status
        os.close(master)
    if frame is None:
        print(f"    {argv[-1]}: no first frame in {TIMEOUT} s: …{seen[-300:]!r}")
    return frame, footer, usage.ru_utime + usage.ru_stime


def summary(times: list[float | None]) -> str:
    seen = [t for t in times if t is not None]
    if not seen:
        return "not seen"
    return f"median {statistics.median(seen):.3f} s (min {min(seen):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    python = Path(sys.executable)
    script = python.parent / "stepcnn"  # what `make run` starts
    stepcnn = [str(script)] if script.exists() else [str(python), "-m", "stepcnn"]
    cases = [
        ("bare Textual app (Static + Footer)", [str(python), "-c", BARE_APP]),
        ("stepcnn (tour: `make run`)", stepcnn),
        ("stepcnn lenet5", [*stepcnn, "lenet5"]),
    ]
    print(
        f"process start → first frame on a {SIZE[0]}×{SIZE[1]} pseudo-terminal "
        f"(median of {args.runs} runs, load average {os.getloadavg()[0]:.2f}):"
    )
    medians: dict[str, float] = {}
    for name, argv in cases:
        timed_start(argv)  # untimed: writes the bytecode cache, warms the file cache
        runs = [timed_start(argv) for _ in range(args.runs)]
        frames = [frame for frame, _, _ in runs]
        cpu = statistics.median(c for _, _, c in runs)
        print(
            f"  {name:<36} first frame {summary(frames)}; footer "
            f"{summary([f for _, f, _ in runs])}; CPU to the footer {cpu:.3f} s"
        )
        if all(frame is not None for frame in frames):
            medians[name] = statistics.median(f for f in frames if f is not None)
    bare, ours = medians.get(cases[0][0]), medians.get(cases[1][0])
    if bare is not None and ours is not None:
        verdict = "met" if ours <= TARGET else "NOT met"
        print(
            f"  stepcnn − bare Textual: {ours - bare:+.3f} s (ratio {ours / bare:.2f}); "
            f"target ≤ {TARGET} s: {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
