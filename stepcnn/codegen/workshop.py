"""The course's "write it yourself" chapter: the learner's file, written from the exercise
skeleton and graded by ``stepcnn verify``, for the debugger to open the step of the first
wrong value (:class:`stepcnn.tui.course_mode.Workshop`).

The debugger makes one at every start, for a chapter few starts reach: what writing and
grading use (the exercise, the grader and its sandbox) is imported when they are first asked
for, not before the first frame.
"""

import io
import os
from pathlib import Path

TIMEOUT = 30.0
"""Seconds each graded function may take (as ``stepcnn verify``'s default)."""


class FileWorkshop:
    """The learner's file at ``path``: never overwritten once it exists."""

    def __init__(self, path: Path, timeout: float = TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout

    def write(self, ref: str) -> str:
        """Write the skeleton for scenario ``ref`` unless the file exists; what happened."""
        from stepcnn.codegen.exercise import skeleton
        from stepcnn.io.files import WriteRefused, write_file
        from stepcnn.timeline.load import load_scenario

        kept = f"{self.path} exists: your work is kept (edit it, then V grades it)"
        if os.path.lexists(self.path):
            return kept
        try:  # whole or not at all, never over anything (io.files)
            write_file(self.path, skeleton(load_scenario(ref), ref, self.path.name))
        except WriteRefused as exc:
            return kept if os.path.lexists(self.path) else str(exc)
        return f"wrote {self.path}: write its functions in your editor, save, then press V"

    def grade(self, ref: str) -> tuple[bool, list[str], int | None]:
        """Grade the file against scenario ``ref``: (all right, the report, the step of the
        first wrong value or None)."""
        from stepcnn.codegen.verify import Grader, grade, limits_for
        from stepcnn.timeline.load import load_scenario
        from stepcnn.timeline.training import TrainingRun

        if not self.path.is_file():
            return False, [f"{self.path}: no such file yet — X writes the skeleton"], None
        out = io.StringIO()
        run = TrainingRun(load_scenario(ref), 2)  # as stepcnn verify: iteration 2 has new biases
        limits = limits_for(run, self.timeout)
        grader = Grader(self.path.resolve(), run, ref, self.timeout, False, out, limits)
        code = grade(grader)
        return code == 0, out.getvalue().rstrip("\n").splitlines(), grader.first_step
