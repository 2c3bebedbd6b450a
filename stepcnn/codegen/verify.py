"""``stepcnn verify FILE.py [SCENARIO]``: grade a learner's layer functions against the engine.

The learner's file runs in its own contained process (:mod:`.runner`); every graded function
it defines is called with the first iteration's real tensors (the forward functions of layers
with parameters with the second's too: :func:`.cases.all_cases`) and its answers are compared
with the engine's (relative 1e-9, see :mod:`.compare`). A wrong answer is reported by its first
wrong element: the index, both values, the classic mistake it is when it is one
(:mod:`.mistakes`), and the step of the debugger that computes it.
"""

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from stepcnn.codegen.cases import Case, Result, all_cases, contract
from stepcnn.codegen.compare import RTOL, SCALE_TOL, magnitude
from stepcnn.codegen.mistakes import diagnose
from stepcnn.codegen.runner import Gone, Learner, Limits, TimedOut, cpu_seconds
from stepcnn.timeline import Timeline
from stepcnn.timeline.numbering import shown
from stepcnn.timeline.tensors import input_id
from stepcnn.timeline.training import TrainingRun

WIDTH = 27


def _shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a nested list, None if ragged."""
    if not isinstance(value, list):
        return ()
    inner = [_shape(v) for v in value]
    if any(s is None for s in inner) or len(set(inner)) > 1:
        return None
    first = inner[0] if inner else ()
    assert first is not None
    return (len(value), *first)


def _dims(shape: Sequence[int]) -> str:
    return "×".join(map(str, shape)) if shape else "a number"


def first_wrong(
    expected: Any, got: Any, terms: float = 0.0
) -> str | tuple[tuple[int, ...], float, float] | None:
    """None when ``got`` agrees; else a message (shape, type) or (index, expected, got).
    ``terms``: the size of the terms a sum adds (see :class:`Result`)."""
    want = _shape(expected)
    assert want is not None
    have = _shape(got)
    if have is None:
        return "is ragged: its rows do not all have the same length"
    if have != want:
        return f"has shape {_dims(have)}; expected {_dims(want)}"
    try:
        g = np.array(got, dtype=float)
    except (TypeError, ValueError):
        return "holds something that is not a number"
    e = np.array(expected, dtype=float)
    scale = max(magnitude(expected), terms)
    with np.errstate(all="ignore"):
        ok = (np.abs(g - e) <= RTOL * np.maximum(np.abs(g), np.abs(e)) + SCALE_TOL * scale) | (
            np.isnan(g) & np.isnan(e)
        )
        ok |= np.isinf(e) & (g == e)
    if ok.all():
        return None
    index = tuple(int(i) for i in np.argwhere(~ok)[0]) if e.ndim else ()
    return index, float(e[index]), float(g[index])


def _covers(cells: tuple[int | slice, ...], index: tuple[int, ...]) -> bool:
    """Whether a numpy-style index (ints and slices) selects the cell ``index``."""
    if len(cells) > len(index):
        return False
    for c, i in zip(cells, index, strict=False):
        if isinstance(c, slice):
            if i not in range(c.start or 0, c.stop if c.stop is not None else i + 1, c.step or 1):
                return False
        elif c != i:
            return False
    return True


def _number(v: float) -> str:
    return f"{v:.10g}" if math.isfinite(v) else repr(v)


def _elements(value: Any) -> int:
    return sum(_elements(v) for v in value) if isinstance(value, list) else 1


def answer_limit(case: Case) -> int:
    """Bytes an answer to ``case`` may take: 40 a number (JSON of a float, a comma) and a
    MiB more; a longer one is refused before the grader holds it."""
    return 40 * sum(_elements(r.expected) for r in case.results) + 2**20


def _bytes(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


class Grader:
    def __init__(
        self,
        path: Path,
        run: TrainingRun,
        ref: str,
        timeout: float,
        numpy: bool,
        out: TextIO,
        limits: Limits,
    ) -> None:
        self.path, self.run, self.ref, self.timeout, self.out = path, run, ref, timeout, out
        self.learner = Learner(path, numpy, limits)
        self._timeline: Timeline | None = None
        self.todo: list[str] = []  # still raising NotImplementedError
        self.first_step: int | None = None  # the step computing the first wrong value
        self.counts = {
            "ok": 0,
            "wrong": 0,
            "raised": 0,
            "timed out": 0,
            "over a limit": 0,
            "not written": 0,
        }

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def report(self, function: str, status: str, detail: str = "") -> None:
        self.say(f"  {function:<{WIDTH}} {status}")
        for line in detail.rstrip("\n").splitlines():
            self.say(" " * (WIDTH + 5) + line)

    @property
    def timeline(self) -> Timeline:
        if self._timeline is None:
            self._timeline = Timeline(self.run)
        return self._timeline

    def start(self) -> list[str] | None:
        """Import the file; report why not, or return the names it defines."""
        name = self.path.name
        try:
            hello = self.learner.start(self.timeout)
        except TimedOut:
            self.say(f"{name}: importing it did not finish within {self.timeout:g} s")
            return None
        except Gone as gone:
            self.say(f"{name}: the process ended while importing it: {gone.why}")
            return None
        if hello.get("error") == "syntax":
            text = (hello.get("text") or "").rstrip("\n")
            self.say(f"{name}: line {hello.get('line')}: syntax error: {hello.get('message')}")
            if text:
                self.say(f"    {text.strip()}")
            return None
        if hello.get("error") in ("memory", "file size"):
            self.say(f"{name}: importing it {self.over(hello['error'])}")
            return None
        if "error" in hello:
            self.say(f"{name}: importing it raised an exception:")
            for line in str(hello.get("traceback", "")).rstrip("\n").splitlines():
                self.say("    " + line)
            return None
        functions: list[str] = hello["functions"]
        return functions

    def grade(self, function: str, cases: list[Case]) -> None:
        if self.learner.proc is None and self.start() is None:
            self.counts["raised"] += 1
            self.report(function, "not run: the file no longer imports")
            return
        budget = self.timeout
        for case in cases:
            try:
                t0 = time.monotonic()
                answer = self.learner.call(function, case.args, budget, answer_limit(case))
                budget -= time.monotonic() - t0
            except TimedOut:
                self.counts["timed out"] += 1
                self.report(
                    function, f"timed out: no answer within {self.timeout:g} s ({case.where})"
                )
                return
            except Gone as gone:
                self.counts["raised"] += 1
                self.report(function, f"ended the process ({case.where}): {gone.why}")
                return
            if answer.get("error") == "todo":
                self.counts["not written"] += 1
                self.todo.append(function)
                return
            if answer.get("error") in ("memory", "file size"):
                self.counts["over a limit"] += 1
                self.report(function, f"{self.over(answer['error'])} ({case.where})")
                return
            if "error" in answer:
                self.counts["raised"] += 1
                detail = answer.get("traceback") or answer.get("message", "")
                self.report(function, f"raises ({case.where}):", str(detail))
                return
            problem = self.check(case, answer["result"])
            if problem:
                self.counts["wrong"] += 1
                self.report(function, f"wrong ({case.where}):", problem)
                return
        self.counts["ok"] += 1
        self.report(function, "ok")

    def over(self, limit: str) -> str:
        """The one line for a limit the learner's code reached."""
        if limit == "memory":
            memory = _bytes(self.learner.limits.memory)
            return f"ran out of memory: it asked for more than the {memory} it may use (--memory)"
        files = _bytes(self.learner.limits.file_bytes)
        return f"wrote a file larger than the {files} it may write"

    def check(self, case: Case, result: Any) -> str | None:
        results: Sequence[Result] = case.results
        values: list[Any]
        if len(results) == 1:
            values = [result]
        else:
            names = ", ".join(r.name for r in results)
            if not isinstance(result, list) or len(result) != len(results):
                return f"returns {self._count(result)}; expected {len(results)}: ({names})"
            values = list(result)
        for r, got in zip(results, values, strict=True):
            found = first_wrong(r.expected, got, r.terms)
            if found is None:
                continue
            why = diagnose(case, r.name, got, lambda e, g: first_wrong(e, g) is None)
            because = [f"why: {why}"] if why else []
            if isinstance(found, str):
                return "\n".join([f"{r.name} {found}", *because])
            index, expected, value = found
            cell = f"{r.name}[{', '.join(map(str, index))}]" if index else r.name
            lines = [f"{cell}: expected {_number(expected)}, got {_number(value)}", *because]
            return "\n".join(lines + self.where_computed(r, index, case.iteration))
        return None

    def where_computed(self, r: Result, index: tuple[int, ...], iteration: int = 0) -> list[str]:
        """The step (or the steps of a running sum) where the debugger computes the element."""
        steps = self.timeline.steps_writing(iteration, r.tensor, index)
        if not steps:
            reader = self.step_reading(r, index)
            if reader is None:
                return ["no step of the debugger writes it"]
            step = self.timeline[reader]
            self._found(reader)
            return [
                "no step of the debugger adds anything into it; the first step that reads "
                f"its input cell is {shown(reader)} ({step.op} {list(step.index)}):",
                self.command(reader, 0),
            ]
        first = self.timeline[steps[0]]
        self._found(steps[0])
        where = f"{first.op} {list(first.index)}"
        if len(steps) == 1:
            text = f"the debugger computes it at step {shown(steps[0])} ({where})"
        else:
            text = (
                f"the debugger adds into it at {len(steps)} steps, from step "
                f"{shown(steps[0])} ({where}) to step {shown(steps[-1])}"
            )
        return [text + ":", self.command(steps[0], iteration)]

    def command(self, k: int, iteration: int) -> str:
        """The command that opens the debugger at step ``k`` (0-based) of ``iteration``:
        with ``--iterations`` when the scenario's own run is shorter."""
        longer = f" -n {iteration + 1}" if iteration + 1 > self.run.scenario.iterations else ""
        return f"    stepcnn {self.ref}{longer} --step {shown(k)}"

    def _found(self, k: int) -> None:
        if self.first_step is None:
            self.first_step = k

    def step_reading(self, r: Result, index: tuple[int, ...]) -> int | None:
        """For a ``dx`` cell nothing is sent to: the first backward step reading its input."""
        layer = r.tensor.layer
        if r.tensor.name != "grad_input" or layer is None:
            return None
        wanted = input_id(layer, self.run.scenario.graph)
        tl = self.timeline
        for seg in tl.segments:
            if seg.layer != layer or seg.phase != "backward":
                continue
            for k in range(seg.start, seg.start + seg.count):
                if any(
                    region.tensor == wanted and _covers(region.cells, index)
                    for region in tl[k].reads
                ):
                    return k
        return None

    @staticmethod
    def _count(result: Any) -> str:
        return f"{len(result)} values" if isinstance(result, list) else "one value"


def verify(
    path: Path,
    run: TrainingRun,
    ref: str,
    timeout: float,
    numpy: bool,
    out: TextIO,
    memory: int | None = None,
) -> int:
    """Grade ``path``; 0 when every graded function it defines is right, else 1."""
    return grade(Grader(path, run, ref, timeout, numpy, out, limits_for(run, timeout, memory)))


def limits_for(run: TrainingRun, timeout: float, memory: int | None = None) -> Limits:
    """What ``stepcnn verify`` lets the learner's code use: ``memory`` bytes, and CPU
    seconds from ``timeout`` for each graded function."""
    graded = contract([x.type for x in run.scenario.layers])
    return Limits(memory=memory or Limits().memory, cpu=cpu_seconds(timeout, len(graded)))


def grade(grader: Grader) -> int:
    """Run ``grader`` over its file (its ``first_step`` tells where the first wrong value is
    computed); 0 when every graded function the file defines is right, else 1."""
    path, run, out = grader.path, grader.run, grader.out
    scenario = run.scenario
    graded_kinds = contract([x.type for x in scenario.layers])
    batch = scenario.batch_size
    out.write(
        f"stepcnn verify {path.name} with {scenario.name} (iterations 1 and 2, a batch of "
        f"{batch}; relative {RTOL:g})"
        f"{' — numpy arrays' if grader.learner.numpy else ''}\n"
    )
    try:
        defined = grader.start()
        if defined is None:
            return 1
        note = containment_note(grader.learner.contained)
        if note:
            out.write(note + "\n")
        graded = [f for f in graded_kinds if f in defined]
        if not graded:
            out.write(
                f"{path.name} defines none of the graded functions: {', '.join(contract())}\n"
            )
            return 1
        cases: dict[str, list[Case]] = {}
        for case in all_cases(run):
            cases.setdefault(case.function, []).append(case)
        for function in graded:
            if function in cases:
                grader.grade(function, cases[function])
        if grader.todo:
            out.write(f"not written yet (NotImplementedError): {', '.join(grader.todo)}\n")
        unchecked = [f for f in graded if f not in cases]
        if unchecked:
            out.write(
                f"not checked ({scenario.name} has no tensors for them): {', '.join(unchecked)}\n"
            )
    finally:
        grader.learner.stop()
        printed, total = grader.learner.printed()
        if printed.strip():
            shown = printed.rstrip()[-2000:]
            more = f"; {total:,} bytes in all" if total > len(shown.encode()) else ""
            out.write(f"what {path.name} printed (the end{more}):\n{shown}\n")
    counts = grader.counts
    out.write(", ".join(f"{n} {what}" for what, n in counts.items()) + "\n")
    return 0 if counts["ok"] == sum(counts.values()) else 1


def containment_note(contained: dict[str, Any]) -> str | None:
    """A line naming what the learner's code can do here that a Linux with Landlock (ABI 6,
    kernel 6.12) and a subreaper prevent."""
    abi = int(contained.get("landlock") or 0)
    missing = []
    if abi < 1:
        missing.append("read and write files outside its folder")
    if abi < 4:
        missing.append("open TCP connections")
    if abi < 6:
        missing.append("signal your other processes")
    if not contained.get("reaper"):
        missing.append("leave behind processes that left its process group")
    if not missing:
        return None
    return f"note: here the learner's code can {', '.join(missing)}: see docs/verify.md"
