"""The learner's file in a contained process (:mod:`.contain`), one call at a time, each with
a time limit; what it prints read through a bounded buffer."""

import contextlib
import json
import math
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("verify_child.py")
DEFAULT_MEMORY = 2 * 1024**3
"""Address space the learner's process may use (``--memory``)."""
FILE_BYTES = 64 * 1024**2
"""Largest file the learner's code may write (into its temporary folder)."""
OUTPUT_KEPT = 1024**2
"""Bytes of the learner's printing kept (the last ones); the rest is only counted."""
STOP_GRACE = 5.0
"""Seconds the reaper gets to end everything on SIGTERM before its session is killed."""
ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
"""All the learner's process gets (plus HOME and TMPDIR, its temporary folder): nothing of
the grader's environment."""


class TimedOut(Exception):
    """The learner's code did not answer within the time limit (the process is ended)."""


class Gone(Exception):
    """The learner's process ended without answering: ``why`` says how (an exit status, a
    signal, the CPU limit, an answer over its size limit)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Limits:
    memory: int = DEFAULT_MEMORY
    cpu: int = 60
    file_bytes: int = FILE_BYTES


class Output:
    """What the learner's processes printed: the last ``OUTPUT_KEPT`` bytes and a count."""

    def __init__(self) -> None:
        self.kept = bytearray()
        self.total = 0
        self.lock = threading.Lock()

    def drain(self, fd: int) -> None:
        """Read ``fd`` to its end (in a thread), keeping a bounded tail."""
        while chunk := os.read(fd, 1 << 16):
            with self.lock:
                self.total += len(chunk)
                self.kept += chunk
                if len(self.kept) > 2 * OUTPUT_KEPT:
                    del self.kept[: len(self.kept) - OUTPUT_KEPT]
        os.close(fd)

    def text(self) -> str:
        with self.lock:
            return bytes(self.kept[-OUTPUT_KEPT:]).decode("utf-8", "replace")


def exit_reason(code: int | None, limits: Limits) -> str:
    """How the reaper says its worker ended, in words."""
    if code is None:
        return "the process was stopped"
    if code > 128:
        number = code - 128
        if number == signal.SIGXCPU or number == signal.SIGKILL:
            return (
                f"it was killed (signal {signal.Signals(number).name}): more than the "
                f"{limits.cpu} s of CPU time it may use, or killed from outside"
            )
        with contextlib.suppress(ValueError):
            return f"it was killed by signal {signal.Signals(number).name}"
        return f"it was killed by signal {number}"
    return f"it exited with status {code}"


class Learner:
    """A contained child process that imported the learner's file; :meth:`call` runs one
    function."""

    def __init__(self, path: Path, numpy: bool, limits: Limits) -> None:
        self.path = path
        self.numpy = numpy
        self.limits = limits
        self.output = Output()
        self.proc: subprocess.Popen[bytes] | None = None
        self.contained: dict[str, Any] = {}
        self._buffer = b""
        self._folder: str | None = None
        self._requests = self._answers = -1
        self._reader: threading.Thread | None = None

    def start(self, timeout: float) -> dict[str, Any]:
        """Start the process and import the file: ``{"functions": [...]}`` or an error."""
        self._folder = tempfile.mkdtemp(prefix="stepcnn-verify-")
        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        out_r, out_w = os.pipe()
        config = {
            "requests": req_r,
            "answers": ans_w,
            "memory": self.limits.memory,
            "cpu": self.limits.cpu,
            "file_bytes": self.limits.file_bytes,
            "folder": str(self.path.parent),
        }
        env = {**ENVIRONMENT, "HOME": self._folder, "TMPDIR": self._folder}
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-u", str(CHILD), json.dumps(config)],
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_r, ans_w),
                cwd=self._folder,
                env=env,
                start_new_session=True,
            )
        finally:
            for fd in (req_r, ans_w, out_w):
                os.close(fd)
        self._requests, self._answers, self._buffer = req_w, ans_r, b""
        self._reader = threading.Thread(
            target=self.output.drain, args=(out_r,), name="stepcnn-learner-output", daemon=True
        )
        self._reader.start()
        hello = self._ask({"file": str(self.path), "numpy": self.numpy}, timeout, 1 << 20)
        self.contained = hello.get("contained", {})
        return hello

    def call(self, name: str, args: tuple[Any, ...], timeout: float, limit: int) -> dict[str, Any]:
        """Call ``name``; an answer longer than ``limit`` bytes ends the process."""
        return self._ask({"name": name, "args": list(args)}, timeout, limit)

    def _ask(self, request: dict[str, Any], timeout: float, limit: int) -> dict[str, Any]:
        assert self.proc is not None
        try:
            data = (json.dumps(request) + "\n").encode()
            view = memoryview(data)
            while view:
                view = view[os.write(self._requests, view) :]
        except (BrokenPipeError, OSError):
            raise Gone(self._ended()) from None
        answer: dict[str, Any] = json.loads(self._read_line(time.monotonic() + timeout, limit))
        return answer

    def _read_line(self, deadline: float, limit: int) -> bytes:
        with selectors.DefaultSelector() as sel:
            sel.register(self._answers, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.stop()
                    raise TimedOut
                if not sel.select(left):
                    continue
                chunk = os.read(self._answers, 1 << 20)
                if not chunk:
                    raise Gone(self._ended())
                self._buffer += chunk
                if len(self._buffer) > limit:
                    self.stop()
                    raise Gone(f"its answer was longer than the {limit:,} bytes expected")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _ended(self) -> str:
        """Why the process ended (it closed its end of the protocol)."""
        proc = self.proc
        assert proc is not None
        try:
            code: int | None = proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            code = None
        self.stop()
        return exit_reason(code, self.limits)

    def stop(self) -> None:
        """End the process and everything it started: SIGTERM to the reaper, which kills the
        learner's process group and every process it adopted; its whole session is killed if
        it does not end in time. Then the temporary folder is removed."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for fd in (self._requests, self._answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._requests = self._answers = -1
        if self._reader is not None:
            self._reader.join(STOP_GRACE)  # the pipe's writers are gone: it ends
            self._reader = None
        if self._folder is not None:
            _remove(self._folder)
            self._folder = None
        self.proc = None

    def printed(self) -> tuple[str, int]:
        """What the learner's code printed (stdout and stderr): the end kept, and how many
        bytes it printed in all."""
        return self.output.text(), self.output.total


def _remove(folder: str) -> None:
    """Remove the temporary folder, whatever permissions the learner's code left in it."""

    def writable(function: Any, path: str, _: Any) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            function(path)

    shutil.rmtree(folder, onerror=writable)


def cpu_seconds(timeout: float, functions: int) -> int:
    """CPU time for one learner process: every function's time limit and one more (a
    backstop under the wall-clock limits, which stop an endless loop first)."""
    return math.ceil(timeout * (functions + 1)) + 1
