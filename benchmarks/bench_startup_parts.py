"""Start-up, part by part (not a test): where the CPU time to the first frame goes.

Each run starts ``stepcnn [SCENARIO]`` afresh on a 160×50 pseudo-terminal, as
:mod:`bench_startup` does, but through a small driver that reads ``time.process_time()`` (the
process's CPU time since it started, interpreter start included) at each boundary:

* **Python** — the interpreter and ``site`` up to the driver's first line;
* **textual.app** and **numpy** — importing each (what any Textual app and any numpy program pay);
* **ours** — importing the stepcnn modules the start uses, and the third-party modules they
  pull in beyond the two above (the CLI, the session, the app and what they import);
* **scenario** — reading and checking the scenario (``load_scenario``, with its TOML);
* **session** — ``Session(...)``: the timeline and the first iteration's training;
* **first scene** — the first scene built from the session (``build_scene``, every call
  before the first frame);
* **Textual's app start** — the rest until the driver writes the first frame (the status
  line ``iteration 1 of``): the app's and screens' CSS, compose, mount, layout and painting.

CPU time, not the wall clock, so other processes on a shared machine change it little; the
median of each part over the runs (the parts' medians need not add up to the total's).

Run: ``.venv/bin/python benchmarks/bench_startup_parts.py [--runs N] [SCENARIO ...]``
(default: the tour and lenet5). Always exits 0.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from bench_startup import timed_start

DRIVER = """\
import sys, time
marks = [("python", time.process_time())]
def mark(name):
    marks.append((name, time.process_time()))
import textual.app
mark("textual.app")
import numpy
mark("numpy")
import stepcnn.cli.main, stepcnn.cli.debug, stepcnn.session.session, stepcnn.tui.app
import stepcnn.present.scene, textual.drivers.linux_driver
mark("ours")
import json
from stepcnn.cli import debug, main as run
from stepcnn.present import scene
from stepcnn.session import session
from textual.drivers.linux_driver import LinuxDriver

def timed(module, name, part):
    inner = getattr(module, name)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[part] = spent.get(part, 0.0) + time.process_time() - start
    setattr(module, name, wrapper)

spent = {}
timed(debug, "load", "scenario")
timed(session.Session, "__init__", "session")
timed(scene, "build_scene", "first scene")
import stepcnn.tui.main_screen as main_screen
main_screen.build_scene = scene.build_scene
write = LinuxDriver.write

def first_write(self, data):
    if "iteration 1 of" in data and "frame" not in spent:
        spent["frame"] = time.process_time()
        with open(OUT, "w") as out:
            json.dump({"marks": marks, "spent": spent}, out)
    write(self, data)

LinuxDriver.write = first_write
sys.exit(run(ARGS))
"""

PARTS = ("python", "textual.app", "numpy", "ours", "scenario", "session", "first scene")


def parts_of_one_run(args: list[str]) -> dict[str, float] | None:
    """CPU seconds of each part of one start of ``stepcnn *args``; None if no first frame."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "parts.json"
        code = DRIVER.replace("OUT", repr(str(out))).replace("ARGS", repr(args))
        timed_start([sys.executable, "-c", code])
        if not out.exists():
            return None
        found = json.loads(out.read_text())
    marks, spent = dict(found["marks"]), found["spent"]
    parts = {"python": marks["python"]}
    names = list(marks)
    for before, name in itertools.pairwise(names):
        parts[name] = marks[name] - marks[before]
    for name in ("scenario", "session", "first scene"):
        parts[name] = spent.get(name, 0.0)
    inside = sum(parts[name] for name in ("scenario", "session", "first scene"))
    parts["Textual's app start"] = spent["frame"] - marks["ours"] - inside
    parts["total"] = spent["frame"]
    return parts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("scenarios", nargs="*", default=["", "lenet5"])
    args = parser.parse_args()
    print(
        f"CPU time to the first frame, part by part, in ms (median of {args.runs} runs, "
        f"load average {os.getloadavg()[0]:.2f}):"
    )
    names = [*PARTS, "Textual's app start", "total"]
    print(f"  {'':<22}" + "".join(f"{s or 'tour':>10}" for s in args.scenarios))
    medians: list[dict[str, float]] = []
    for scenario in args.scenarios:
        argv = [scenario] if scenario else []
        parts_of_one_run(argv)  # untimed: writes the bytecode cache
        runs = [p for p in (parts_of_one_run(argv) for _ in range(args.runs)) if p is not None]
        medians.append({n: statistics.median(r[n] for r in runs) for n in names} if runs else {})
    for name in names:
        row = "".join(f"{m[name] * 1000:10.1f}" if m else f"{'—':>10}" for m in medians)
        print(f"  {name:<22}{row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
