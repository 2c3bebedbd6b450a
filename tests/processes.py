"""Helpers the tests of processes share: is a process alive, whose children, a free port,
waiting for a condition, and a ``stepcnn serve`` started for a test (loopback only)."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (read from /proc), zombies left out."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


async def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    printed: list[str]  # the lines it printed when it started listening

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The address it printed first (with its token)."""
        return self.printed[0].split()[2]


@contextmanager
def served(*options: str, scenario: str = "tour") -> Iterator[Served]:
    """``stepcnn serve`` on 127.0.0.1 and a free port until the block ends (then SIGTERM and,
    if need be, SIGKILL of its whole group)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "stepcnn", "serve", scenario, "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        printed = []
        deadline = time.monotonic() + 30
        while not listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not listen: {process.stdout.read()!r}")
            time.sleep(0.1)
        while len(printed) < 2 or "listening on" not in printed[-1]:
            printed.append(process.stdout.readline().decode().rstrip("\n"))
        yield Served(process, port, printed)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
