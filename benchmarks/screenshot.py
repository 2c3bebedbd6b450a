"""Save SVG screenshots of the debugger (the README's pictures) with App.save_screenshot.

Usage:  python benchmarks/screenshot.py [OUTDIR]     (default: benchmarks/screenshots/)
Each picture opens a built-in scenario and goes to a named kind of step.
"""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepcnn.session.session import Session
from stepcnn.timeline import Condition, find
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.app import StepCNNApp

SHOTS = [
    # (file name, scenario, condition of the step to show, size)
    ("conv-forward", "tour", Condition(op="conv2d.forward", index=(0, 0, 1, 1)), (160, 50)),
    (
        "maxpool-forward",
        "maxpool-routing",
        Condition(op="maxpool2d.forward", index=(0, 0, 0, 1)),
        (160, 50),
    ),
    ("linear-forward", "fc-to-filters", Condition(op="linear.forward"), (160, 50)),
    ("loss", "tour", Condition(op="cross_entropy.backward"), (160, 50)),
    (
        "conv-backward",
        "shared-weights",
        Condition(op="conv2d.backward", index=(0, 0, 1, 0)),
        (160, 50),
    ),
    ("update", "hand-computable", Condition(op="conv2d.update"), (160, 50)),
    ("digits-80x24", "digits", Condition(op="conv2d.forward", index=(0, 1, 2, 3)), (80, 24)),
]
VIEWS = {"conv-as-matrix": "fc"}  # pictures of an inline view (key m), by file name
SHOTS.append(
    (
        "conv-as-matrix",
        "hand-computable",
        Condition(op="conv2d.forward", index=(0, 0, 1, 1)),
        (160, 50),
    )
)


async def shoot(
    name: str, scenario: str, condition: Condition, size: tuple[int, int], out: Path
) -> None:
    session = Session(load_scenario(scenario))
    k = find(session.timeline, condition, -1)
    assert k is not None, (name, condition)
    session.goto(k)
    session.view = VIEWS.get(name, session.view)
    app = StepCNNApp(session)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.save_screenshot(f"{name}.svg", path=str(out))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for name, scenario, condition, size in SHOTS:
        asyncio.run(shoot(name, scenario, condition, size, out))
        print(out / f"{name}.svg")


if __name__ == "__main__":
    main()
