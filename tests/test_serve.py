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
from processes import alive, children, served, until

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

    sessions: set[int] = set()
    with served() as server:
        pid = server.process.pid
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
                context = await browser.new_context(viewport={"width": 1100, "height": 700})
                first, second = await context.new_page(), await context.new_page()
                # The printed address (its token); the cookie it leaves serves the reloads.
                for page in (first, second):
                    await page.goto(server.url)
                    assert "token=" not in page.url  # sent on without it
                for page in (first, second):
                    await page.wait_for_selector("body.-first-byte", timeout=30_000)
                await until(lambda: len(children(pid)) == 2, 20, "two app processes")
                sessions = children(pid)

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
                await until(lambda: len(children(pid)) == 1, 15, "the closed tab's app to end")
                await second.close()
                await until(lambda: not children(pid), 15, "the second app to end")

                # A server stopped with a session open ends it too; a reload (the cookie, no
                # token in the address) is a session again.
                third = await context.new_page()
                await third.goto(server.base + "/")
                await third.wait_for_selector("body.-first-byte", timeout=30_000)
                await until(lambda: len(children(pid)) == 1, 20, "an app process")
                sessions |= children(pid)
                server.process.send_signal(signal.SIGTERM)
                output, _ = await asyncio.to_thread(server.process.communicate, timeout=20)
                await browser.close()
            assert server.process.returncode == 0, output.decode(errors="replace")
            await until(lambda: not any(alive(p) for p in sessions), 5, "every session to end")
        finally:
            for session in sessions:
                if alive(session):
                    os.kill(session, signal.SIGKILL)


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
