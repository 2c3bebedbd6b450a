"""``stepcnn --watch``: the scenario file is reloaded when it changes; a broken save changes
nothing on screen but an error notice."""

import os
import time
from pathlib import Path

from stepcnn.session.session import Session
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.app import StepCNNApp

SCENARIO = """
title = "{title}"
learning_rate = 0.1
loss = "mse"
[[samples]]
input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
target = [[1, 0], [0, 1]]
[[layers]]
type = "conv2d"
out_channels = 1
kernel_size = 2
weight = [[[[{w}, 0], [0, 1]]]]
"""


def save(path: Path, text: str, bump: float) -> None:
    path.write_text(text, encoding="utf-8")
    stamp = time.time() + bump  # a distinct mtime even within one clock tick
    os.utime(path, (stamp, stamp))


async def wait_for(pilot, condition, limit: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


async def test_watch_reloads_on_save_and_keeps_the_session_on_a_broken_save(tmp_path: Path) -> None:
    path = tmp_path / "lesson.toml"
    save(path, SCENARIO.format(title="first", w=1), 0)
    app = StepCNNApp(Session(load_scenario(str(path))), str(path), watch=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        session = app.session
        session.goto(3)
        app.redraw()
        weight_before = session.run.record(0).layers[0].params.weight.copy()

        save(path, SCENARIO.format(title="second", w=5), 5)
        assert await wait_for(pilot, lambda: session.scenario.title == "second")
        assert session.k == 3  # the position is kept
        assert session.run.record(0).layers[0].params.weight[0, 0, 0, 0] == 5.0

        save(
            path,
            SCENARIO.format(title="third", w=5).replace("kernel_size = 2", "kernel_size = -2"),
            10,
        )
        assert await wait_for(
            pilot, lambda: any("kernel_size" in str(n.message) for n in app._notifications)
        )
        assert session.scenario.title == "second" and session.k == 3
        assert weight_before[0, 0, 0, 0] == 1.0  # the first version really had 1 there
