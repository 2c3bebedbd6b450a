"""``stepcnn serve`` end to end: a real server, Debian's Chromium driven by Playwright.

Two tabs are two sessions: keys pressed in one change its screen and not the other's; a closed
tab's app process ends; SIGTERM stops the server with no process left behind. Without Chromium
the test is skipped on a developer's machine and fails under CI (``CI=true``), where
``.ci/run`` installs it.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from stepcnn.web.serve import session_command

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (read from /proc)."""
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


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _settled(shoot: Callable[[], Awaitable[bytes]], timeout: float = 15) -> bytes:
    """A screenshot once the page has stopped changing (two equal in a row, 0.4 s apart)."""
    deadline = time.monotonic() + timeout
    last = await shoot()
    while True:
        await asyncio.sleep(0.4)
        now = await shoot()
        if now == last:
            return now
        if time.monotonic() > deadline:
            raise AssertionError("the page kept changing")
        last = now


def test_session_command_runs_the_app_itself() -> None:
    command = session_command("tour", 3)
    assert command.startswith("exec ") and command.endswith(
        "-m stepcnn.web.session --iterations 3 -- tour"
    )


@pytest.mark.slow
async def test_two_tabs_are_two_sessions_and_nothing_is_left_running() -> None:
    _need_chromium()
    from playwright.async_api import async_playwright

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "stepcnn", "serve", "tour", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    sessions: set[int] = set()
    try:

        def listening() -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        await _until(listening, 20, "the server to listen")
        url = f"http://127.0.0.1:{port}/"
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            context = await browser.new_context(viewport={"width": 1100, "height": 700})
            first, second = await context.new_page(), await context.new_page()
            for page in (first, second):
                await page.goto(url)
            for page in (first, second):
                await page.wait_for_selector("body.-first-byte", timeout=30_000)
            await _until(lambda: len(_children(server.pid)) == 2, 20, "two app processes")
            sessions = _children(server.pid)

            second_before = await _settled(second.screenshot)
            first_before = await _settled(first.screenshot)
            await first.click("body")
            for _ in range(3):
                await first.keyboard.press("ArrowRight")
            first_after = await _settled(first.screenshot)
            second_after = await _settled(second.screenshot)
            assert first_after != first_before, "keys did not change the screen of their tab"
            assert second_after == second_before, "keys in one tab changed the other tab"

            await first.close()
            await _until(lambda: len(_children(server.pid)) == 1, 15, "the closed tab's app to end")
            await second.close()
            await _until(lambda: not _children(server.pid), 15, "the second app to end")

            # A server stopped with a session open ends it too.
            third = await context.new_page()
            await third.goto(url)
            await third.wait_for_selector("body.-first-byte", timeout=30_000)
            await _until(lambda: len(_children(server.pid)) == 1, 20, "an app process")
            sessions |= _children(server.pid)
            server.send_signal(signal.SIGTERM)
            output, _ = await asyncio.to_thread(server.communicate, timeout=20)
            await browser.close()
        assert server.returncode == 0, output.decode(errors="replace")
        await _until(lambda: not any(_alive(pid) for pid in sessions), 5, "every session to end")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        for pid in sessions:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_taken_port_and_a_bad_scenario_are_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [sys.executable, "-m", "stepcnn", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert busy.returncode == 2
    assert busy.stdout == ""  # no address announced for a server that never listened
    assert busy.stderr.startswith(f"stepcnn serve: cannot listen on 127.0.0.1:{port}: ")
    assert busy.stderr.count("\n") == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "t"\n', encoding="utf-8")
    refused = subprocess.run(
        [sys.executable, "-m", "stepcnn", "serve", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2 and refused.stdout == ""  # refused before any server starts
    assert refused.stderr.startswith(f"{bad}: learning_rate: is required")


async def test_another_sites_page_cannot_open_a_session() -> None:
    import aiohttp

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "stepcnn", "serve", "tour", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:

        def listening() -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        await _until(listening, 20, "the server to listen")
        url = f"http://127.0.0.1:{port}/ws"
        async with aiohttp.ClientSession() as client:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(url, origin="http://evil.example")
            assert refused.value.status == 403
            socket_ = await client.ws_connect(url, origin=f"http://127.0.0.1:{port}")
            await _until(lambda: len(_children(server.pid)) == 1, 20, "the page's own session")
            await socket_.close()
        await _until(lambda: not _children(server.pid), 15, "the session to end")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)


def test_serve_course_makes_every_tab_take_the_course_from_chapter_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stepcnn serve --course``: each tab's app process runs the built-in course, its
    progress in memory only (a classroom's tabs share no file)."""
    from stepcnn.tui.app import StepCNNApp
    from stepcnn.web import session

    command = session_command("tour", None, course=True)
    assert command.endswith("-m stepcnn.web.session --course -- tour")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    made: list[StepCNNApp] = []

    def keep(
        s: object, ref: object = None, watch: bool = False, theme: object = None, **kw: object
    ) -> int:
        made.append(StepCNNApp(s, ref, watch, theme, **kw))  # type: ignore[arg-type]
        return 0

    monkeypatch.setattr("stepcnn.tui.app.run_app", keep)
    assert session.main(["--course", "tour"]) == 0
    (app,) = made
    mode = app.course_start[0]
    assert mode is not None and mode.store.memory
    assert mode.walk.chapter.number == 1 and app.session.scenario.name == "hand-computable"
    assert not (tmp_path / "stepcnn").exists()  # nothing written
