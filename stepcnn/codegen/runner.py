"""The learner's file in a separate process, one call at a time, each with a time limit."""

import contextlib
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("verify_child.py")


class TimedOut(Exception):
    """The learner's code did not answer within the time limit (the process is ended)."""


class Gone(Exception):
    """The learner's process ended without answering (e.g. ``sys.exit`` or ``os._exit``)."""


class Learner:
    """A child process that imported the learner's file; :meth:`call` runs one function."""

    def __init__(self, path: Path, numpy: bool) -> None:
        self.path = path
        self.numpy = numpy
        # What the learner's code printed (closed by close()).
        self.output = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115
        self.proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    def start(self, timeout: float) -> dict[str, Any]:
        """Start the process and import the file: ``{"functions": [...]}`` or an error."""
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.output,
            cwd=str(self.path.parent),
        )
        self._buffer = b""
        return self._ask({"file": str(self.path), "numpy": self.numpy}, timeout)

    def call(self, name: str, args: tuple[Any, ...], timeout: float) -> dict[str, Any]:
        return self._ask({"name": name, "args": list(args)}, timeout)

    def _ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise Gone from None
        answer: dict[str, Any] = json.loads(self._read_line(time.monotonic() + timeout))
        return answer

    def _read_line(self, deadline: float) -> bytes:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.stop()
                    raise TimedOut
                if not sel.select(left):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    self.stop()
                    raise Gone
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def stop(self) -> None:
        """End the process (killed: an endless loop does not listen)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        self.proc = None

    def close(self) -> None:
        self.stop()
        self.output.close()

    def printed(self) -> str:
        """What the learner's code printed (stdout and stderr), the last 2,000 characters."""
        self.output.seek(0)
        return self.output.read().decode("utf-8", "replace")[-2000:]
