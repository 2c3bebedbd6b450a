"""``stepcnn serve``: the debugger in web browsers, one app process per tab (textual-serve).

Each websocket connection (a tab, a reload) starts ``python -m stepcnn.web.session``, which
runs the ordinary debugger under Textual's web driver. A closed tab ends its process (asked to
quit, then terminated, then killed); Ctrl-C or SIGTERM closes every websocket and ends every
session before the server returns; and a session whose server has vanished ends by itself
(:mod:`stepcnn.web.session`).
"""

import asyncio
import contextlib
import shlex
import signal
import socket
import sys
from asyncio.subprocess import Process
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

QUIT_GRACE = 3.0
"""Seconds a session gets to quit when asked, then to end on SIGTERM, before it is killed."""


def session_command(
    ref: str, iterations: int | None, theme: str | None = None, course: bool = False
) -> str:
    """The shell command textual-serve runs per tab: ``exec`` so the app is the child itself."""
    if Path(ref).is_file():
        ref = str(Path(ref).resolve())  # sessions do not depend on the server's directory
    args = [sys.executable, "-m", "stepcnn.web.session"]
    if iterations is not None:
        args += ["--iterations", str(iterations)]
    if theme is not None:
        args += ["--theme", theme]
    if course:
        args += ["--course"]
    args += ["--", ref]
    return "exec " + shlex.join(args)


async def end_process(process: Process, grace: float = QUIT_GRACE) -> None:
    """Wait for ``process`` to end; SIGTERM after ``grace`` seconds, SIGKILL after as many."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if process.returncode is not None:
            return
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            continue


class TrackedService(AppService):
    """An app session whose process the server can find again to end it."""

    def __init__(self, *args: Any, processes: set[Process], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.processes = processes
        self.process: Process | None = None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        process = await super()._open_app_process(width, height)
        self.process = process
        self.processes.add(process)
        return process


class StepcnnServer(Server):
    """textual-serve's server, with sessions that end with their tab and with the server."""

    def __init__(self, command: str, host: str, port: int, scenario: str) -> None:
        super().__init__(command, host=host, port=port, title=f"stepcnn — {scenario}")
        self.processes: set[Process] = set()
        self.sockets: set[web.WebSocketResponse] = set()

    async def on_startup(self, app: web.Application) -> None:
        print(f"stepcnn serve: {self.public_url}  (Ctrl-C stops the server and every session)")
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"stepcnn serve: listening on {self.host}: anyone who can reach port "
                f"{self.port} can open sessions"
            )
        sys.stdout.flush()

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        # The page's websocket address follows the address the browser used (another machine
        # in the classroom, or a --host of 0.0.0.0), not the address the server listens on.
        self.public_url = f"{request.scheme}://{request.host}"
        response: web.StreamResponse = await super().handle_index(request)
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            # Another web site's page, open in the same browser, may not drive a session.
            raise web.HTTPForbidden(text="stepcnn serve: sessions start from its own page")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        self.sockets.add(websocket)
        service = TrackedService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
            processes=self.processes,
        )
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        finally:
            self.sockets.discard(websocket)
            await asyncio.shield(self._end_session(service))
        return websocket

    async def _end_session(self, service: TrackedService) -> None:
        """The tab is gone: ask the app to quit, and make sure its process ends."""
        with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(service.stop(), QUIT_GRACE)
        if service.process is not None:
            await end_process(service.process, QUIT_GRACE)
            self.processes.discard(service.process)

    async def on_shutdown(self, app: web.Application) -> None:
        """Ctrl-C / SIGTERM: close every tab's connection and end every session."""
        for websocket in list(self.sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")
        for process in list(self.processes):
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(end_process(p, QUIT_GRACE) for p in list(self.processes)))
        self.processes.clear()


def check_address(host: str, port: int) -> None:
    """Raise :class:`OSError` when ``host:port`` cannot be listened on — before the server
    announces its address (textual-serve starts listening after its start-up signal)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    for family, kind, proto, _, address in found:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio does
            probe.bind(address)


def serve(
    ref: str,
    host: str,
    port: int,
    iterations: int | None = None,
    theme: str | None = None,
    course: bool = False,
) -> int:
    """Serve ``ref`` (``course``: the course) until Ctrl-C or SIGTERM; every session has
    ended when this returns."""
    check_address(host, port)
    command = session_command(ref, iterations, theme, course)
    server = StepcnnServer(command, host, port, "course" if course else Path(ref).stem)
    server.serve()
    return 0
