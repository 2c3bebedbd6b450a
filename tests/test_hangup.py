"""The app ends with its terminal: a killed tmux session, SIGHUP, a closed pty, the end of stdin.

These start the real app (not Pilot) in a real terminal. tmux is required: ``.ci/run``
installs it, and without it these tests fail rather than skip.
"""

import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stepcnn.tui.hangup import (
    GONE_GRACE,
    GRACE,
    HANGUP_STATUS,
    TerminalWatch,
    input_has_ended,
    wait_for_hangup,
)

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 2.0  # seconds from the terminal going away to no process left
STARTUP = 60.0  # generous: the machine may be busy


# ---- processes, read from /proc ---------------------------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _tree(root: int) -> set[int]:
    """``root`` and every live descendant of it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            children.setdefault(stat[1], []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if _alive(pid):
            found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait_gone(pids: set[int], deadline: float) -> tuple[set[int], float]:
    """Poll until every pid has ended or ``deadline`` seconds pass: (left, seconds taken)."""
    start = time.monotonic()
    left = {p for p in pids if _alive(p)}
    while left and time.monotonic() - start < deadline:
        time.sleep(0.02)
        left = {p for p in left if _alive(p)}
    return left, time.monotonic() - start


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "MAKEFLAGS", "MFLAGS")}
    env.pop("MAKELEVEL", None)
    return env


# ---- a killed tmux session ------------------------------------------------------------------


@pytest.fixture
def tmux() -> Iterator[list[str]]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for this test (.ci/run installs it: apt-get install tmux)")
    base = ["tmux", "-L", f"stepcnn-test-{os.getpid()}", "-f", "/dev/null"]
    yield base
    subprocess.run([*base, "kill-server"], capture_output=True, check=False)


STARTERS = {
    "make run": "make run SCENARIO=hand-computable",
    "sh -c": "sh -c '.venv/bin/stepcnn hand-computable; echo ended'",
    "directly": ".venv/bin/stepcnn hand-computable",
}


@pytest.mark.parametrize("starter", list(STARTERS))
def test_killing_the_tmux_session_leaves_no_process(tmux: list[str], starter: str) -> None:
    env = _clean_env()
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "app", "-x", "100", "-y", "30", STARTERS[starter]],
        cwd=ROOT,
        env=env,
        check=True,
    )
    pane = int(
        subprocess.run(
            [*tmux, "display-message", "-p", "-t", "app", "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    start = time.monotonic()
    screen = ""
    while "iteration" not in screen or "forward" not in screen:
        assert time.monotonic() - start < STARTUP, f"the app did not start:\n{screen}"
        time.sleep(0.2)
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "app"], capture_output=True, text=True
        ).stdout
    pids = _tree(pane)
    assert any("stepcnn" in _cmdline(p) for p in pids), [_cmdline(p) for p in pids]

    subprocess.run([*tmux, "kill-session", "-t", "app"], check=True)
    left, taken = _wait_gone(pids, DEADLINE)
    for pid in left:  # leave nothing behind when the test fails
        os.kill(pid, signal.SIGKILL)

    assert not left, f"still running {taken:.2f} s later: {[_cmdline(p) for p in left]}"


# ---- the real app in a pseudo-terminal --------------------------------------------------


class PtyApp:
    """The app on the slave side of a pty of 80×24; the master's output is collected."""

    def __init__(self, stdin_pipe: bool = False, stdin_null: bool = False) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.output = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "stepcnn", "hand-computable"],
            stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL if stdin_null else slave,
            stdout=slave,
            stderr=slave,
            env={**_clean_env(), "TERM": "xterm-256color"},
            start_new_session=True,  # no controlling terminal: only what the app sees counts
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                if not select.select([self.master], [], [], 0.05)[0]:
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.output += data

    def hang_up(self) -> None:
        """Close the terminal's side: the window closes."""
        self._stop.set()
        self._reader.join()  # a read in progress would keep the descriptor open
        os.close(self.master)
        self.master = -1

    def seen(self) -> int:
        with self._lock:
            return len(self.output)

    def wait_drawn(self) -> None:
        start = time.monotonic()
        while b"step" not in bytes(self.output):
            assert self.proc.poll() is None, bytes(self.output)[-2000:]
            assert time.monotonic() - start < STARTUP, "the app did not draw its screen"
            time.sleep(0.05)
        time.sleep(0.3)  # let the first frame finish

    def ended_within(self, seconds: float) -> float:
        start = time.monotonic()
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the app was still running {seconds} s later")
        return time.monotonic() - start

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.master >= 0:
            self.hang_up()


@pytest.fixture
def pty_app() -> Iterator[PtyApp]:
    app = PtyApp()
    yield app
    app.close()


def test_sighup_ends_the_app_in_order_restoring_the_terminal(pty_app: PtyApp) -> None:
    pty_app.wait_drawn()
    before = pty_app.seen()
    os.kill(pty_app.proc.pid, signal.SIGHUP)
    pty_app.ended_within(DEADLINE)
    assert pty_app.proc.returncode == HANGUP_STATUS
    time.sleep(0.1)
    after = bytes(pty_app.output[before:])
    assert b"\x1b[?1049l" in after  # left the alternate screen: an orderly exit


def test_closing_the_pty_ends_the_app(pty_app: PtyApp) -> None:
    pty_app.wait_drawn()
    pty_app.hang_up()
    pty_app.ended_within(DEADLINE)
    assert pty_app.proc.returncode == HANGUP_STATUS


def test_the_end_of_stdin_ends_the_app() -> None:
    app = PtyApp(stdin_pipe=True)
    try:
        app.wait_drawn()
        assert app.proc.stdin is not None
        app.proc.stdin.close()
        app.ended_within(DEADLINE)
        assert app.proc.returncode == HANGUP_STATUS
    finally:
        app.close()


def test_input_that_can_bring_no_key_ends_the_app() -> None:
    app = PtyApp(stdin_null=True)  # < /dev/null: end-of-file from the start
    try:
        app.ended_within(STARTUP)
        assert app.proc.returncode == HANGUP_STATUS
        time.sleep(0.1)
        assert b"\x1b[?1049l" in bytes(app.output)  # it started, then ended in order
    finally:
        app.close()


def test_input_has_ended_only_for_files_and_devices_that_are_not_terminals(
    tmp_path: Path,
) -> None:
    master, slave = os.openpty()
    read_end, write_end = os.pipe()
    file = tmp_path / "keys.txt"
    file.write_text("q")
    with open(os.devnull) as null, open(file) as text:
        assert input_has_ended(null.fileno()) and input_has_ended(text.fileno())
    assert not input_has_ended(slave)  # a terminal
    assert not input_has_ended(read_end)  # a pipe: its end is a hang-up poll() reports
    for fd in (master, slave, read_end, write_end):
        os.close(fd)
    assert input_has_ended(write_end)  # closed


def test_q_still_ends_with_status_0(pty_app: PtyApp) -> None:
    pty_app.wait_drawn()
    os.write(pty_app.master, b"q")
    pty_app.ended_within(DEADLINE)
    assert pty_app.proc.returncode == 0


# ---- the watch on its own -----------------------------------------------------------------


def test_wait_for_hangup_returns_the_descriptor_that_hung_up() -> None:
    quiet_r, quiet_w = os.pipe()
    gone_r, gone_w = os.pipe()
    os.write(quiet_w, b"input waiting is not a hang-up")
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(wait_for_hangup([quiet_r, gone_r])))
    thread.start()
    thread.join(0.3)
    assert thread.is_alive()  # data to read does not wake it
    os.close(gone_w)
    thread.join(DEADLINE)
    assert result == [gone_r]
    assert os.read(quiet_r, 100) == b"input waiting is not a hang-up"  # nothing was consumed
    for fd in (quiet_r, quiet_w, gone_r):
        os.close(fd)


@pytest.mark.parametrize("terminal_gone", [False, True])
def test_hang_up_asks_once_then_ends_the_process_after_the_grace_period(
    terminal_gone: bool,
) -> None:
    asked: list[float] = []
    ended = threading.Event()
    codes: list[tuple[int, float]] = []
    read_end, write_end = os.pipe()
    if terminal_gone:
        os.close(write_end)

    def hard_exit(code: int) -> None:
        codes.append((code, time.monotonic()))
        ended.set()

    watch = TerminalWatch(lambda: asked.append(time.monotonic()), [read_end], (0.6, 0.1), hard_exit)
    start = time.monotonic()
    watch.hang_up()
    watch.hang_up()  # a second signal changes nothing
    assert len(asked) == 1
    assert ended.wait(DEADLINE)
    [(code, when)] = codes
    assert code == HANGUP_STATUS
    assert (0.1 <= when - start < 0.6) if terminal_gone else (when - start >= 0.6)
    os.close(read_end)
    if not terminal_gone:
        os.close(write_end)


def test_the_grace_periods_fit_the_deadline() -> None:
    assert GONE_GRACE < GRACE < DEADLINE
