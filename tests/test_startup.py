"""What a process imports: the debugger's first frame and ``trace`` load only what they use.

Each check runs in a fresh interpreter (this one has imported everything by now) and looks at
``sys.modules`` at the moment that matters.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Shown or used only after a key, a command or a menu asks for them.
NOT_FOR_THE_FIRST_FRAME = (
    "stepcnn.codegen",
    "stepcnn.io.export",
    "stepcnn.api.figure",
    "stepcnn.api.lesson",
    "stepcnn.session.practice",
    "stepcnn.web.serve",
    "stepcnn.web.session",
    "stepcnn.io.matrix_report",
    "stepcnn.io.template",
    "stepcnn.io.data_scenario",
    "stepcnn.io.pictures",
    "stepcnn.tui.screens",
    "stepcnn.tui.predict",
    "stepcnn.courses",  # the course: after L, or under stepcnn learn
    "stepcnn.tui.course_screens",
    "stepcnn.tui.checkpoint",
)

FIRST_FRAME = """
import asyncio, json, sys
from stepcnn.cli.main import build_parsers
from stepcnn.timeline.load import load_scenario
from stepcnn.session.session import Session
from stepcnn.tui.app import StepCNNApp

async def first_frame():
    build_parsers()  # as `stepcnn` does before it opens the screen
    app = StepCNNApp(Session(load_scenario("tour")))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()  # mounted and drawn
        return list(sys.modules)

print(json.dumps(asyncio.run(first_frame())))
"""

DEBUGGER = """
import json, sys
import stepcnn.tui.app as app

def at_first_frame(self):  # on_ready: the main screen mounted and drawn
    gc_on = __import__("gc").isenabled()
    with open(sys.argv[1], "w") as out:
        json.dump([gc_on, sorted(sys.modules)], out)
    self.exit(0)

app.StepCNNApp.on_ready = at_first_frame
from stepcnn.cli import main
main(sys.argv[2:])  # `stepcnn [SCENARIO]`: the welcome line, the learner's file
"""

TRACE = """
import io, json, sys
from stepcnn.cli import main

sys.stdout = io.StringIO()  # a file, not a terminal
code = main(["trace", "tour", "-n", "1", "--format", sys.argv[1]])
lines = sys.stdout.getvalue().count("\\n")
sys.stdout = sys.__stdout__
print(json.dumps([code, lines, sorted(sys.modules)]))
"""


def python(code: str, *argv: str) -> object:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_the_first_frame_imports_no_command_and_no_screen_not_shown() -> None:
    loaded = python(FIRST_FRAME)
    assert isinstance(loaded, list)
    assert "stepcnn.tui.app" in loaded and "numpy" in loaded
    early = [m for m in loaded if m.startswith(NOT_FOR_THE_FIRST_FRAME)]
    assert early == []


@pytest.mark.parametrize("argv", [[], ["lenet5"]])
def test_stepcnn_opens_without_the_course_the_workshop_or_kinds_it_does_not_show(
    argv: list[str], tmp_path: Path
) -> None:
    """As ``stepcnn`` starts (the tour's welcome line, the learner's file for chapter 7):
    neither the course nor the grader is loaded, nor the timeline's, presenter's or schema's
    module of a kind the scenario has not; the collector is off until the first frame."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    found = tmp_path / "at_first_frame.json"
    subprocess.run(
        [sys.executable, "-c", DEBUGGER, str(found), *argv],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=True,
    )
    gc_on, loaded = json.loads(found.read_text())
    assert "stepcnn.tui.main_screen" in loaded and "stepcnn.scenario.kinds.conv2d" in loaded
    # The learner's file is made at the start (a small class); what grades it is not loaded.
    workshop = ("stepcnn.codegen", "stepcnn.codegen.workshop")
    early = [m for m in loaded if m.startswith(NOT_FOR_THE_FIRST_FRAME) and m not in workshop]
    assert early == []
    unused = ("batchnorm2d", "dropout", "add", "adaptive_avgpool2d", "leaky_relu", "sigmoid")
    for package in ("timeline", "present", "scenario"):
        assert [k for k in unused if f"stepcnn.{package}.kinds.{k}" in loaded] == []
    assert not gc_on


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_trace_to_a_file_imports_neither_textual_nor_rich(fmt: str) -> None:
    code, lines, loaded = python(TRACE, fmt)  # type: ignore[misc]
    assert code == 0 and lines > 100
    assert [m for m in loaded if m.split(".")[0] in ("textual", "rich")] == []
