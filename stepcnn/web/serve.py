"""``stepcnn serve``: the debugger in web browsers, one app process per tab (textual-serve).

Who may connect is :mod:`.access`'s (a token, its cookie, a Host allowlist, as Jupyter Server
does it). Each websocket connection (a tab, a reload) starts ``python -m stepcnn.web.session``,
which runs the ordinary debugger under Textual's web driver, its address space bounded. A
closed tab ends its process (asked to quit, then terminated, then killed); Ctrl-C or SIGTERM
closes every websocket and ends every session before the server returns; and a session whose
server has vanished ends by itself (:mod:`stepcnn.web.session`).
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

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web
from aiohttp.typedefs import Handler
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from stepcnn.web import refusals
from stepcnn.web.access import WILDCARDS, Access, is_loopback, own_addresses

SESSION_RESERVE = 256 * 2**20
"""Memory set aside per session for the default ``--max-sessions`` (a session's debugger takes
60-100 MB resident: benchmarks/bench_serve.py)."""
MAX_DEFAULT_SESSIONS = 20
QUIT_GRACE = 3.0
"""Seconds a session gets to quit when asked, then to end on SIGTERM, before it is killed."""


def session_command(
    ref: str,
    iterations: int | None,
    theme: str | None = None,
    memory: int | None = None,
    course: bool = False,
) -> str:
    """The shell command textual-serve runs per tab: ``exec`` so the app is the child itself."""
    if Path(ref).is_file():
        ref = str(Path(ref).resolve())  # sessions do not depend on the server's directory
    args = [sys.executable, "-m", "stepcnn.web.session"]
    if memory is not None:
        args += ["--memory", str(memory)]
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
    """textual-serve's server behind :class:`.access.Access`: every request's Host checked,
    the page and the websocket only with the token (or its cookie), at most ``max_sessions``
    sessions; pages whose addresses are paths (nothing of a request is written into them); no
    directory listings; sessions that end with their tab and with the server."""

    def __init__(
        self, command: str, host: str, port: int, scenario: str, access: Access, max_sessions: int
    ) -> None:
        super().__init__(command, host=host, port=port, title=f"stepcnn — {scenario}")
        self.public_url = ""  # the page's addresses are paths: see handle_index
        self.access, self.max_sessions, self.sessions = access, max_sessions, 0
        self.processes: set[Process] = set()
        self.sockets: set[web.WebSocketResponse] = set()

    async def _make_app(self) -> web.Application:
        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not self.access.host_allowed(request):
                return refusals.unknown_host()
            if request.path.startswith("/static/"):  # the page's scripts and fonts: public
                return await handler(request)
            verdict = self.access.verdict(request)
            if verdict != 200:
                return refusals.no_token() if verdict == 401 else refusals.wrong_token()
            return await handler(request)

        app = web.Application(middlewares=[guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        print(startup_text(self.host, self.port, self.access.token, self.max_sessions))
        sys.stdout.flush()

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page. A first visit with ``?token=`` gets the cookie and is sent on to the same
        address without the token (out of the address bar and the history)."""
        if "token" in request.query:
            query = {k: v for k, v in request.query.items() if k != "token"}
            location = str(request.rel_url.with_query(query))  # a path: no Host in it
            response = web.Response(status=302, headers={"Location": location})
            self.access.remember(response)
            return response
        if self.sessions >= self.max_sessions:
            return refusals.full_page(self.max_sessions)
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            # Paths, resolved by the browser against the address it used (textual.js opens
            # the websocket with it): never the request's Host header, which a DNS-rebinding
            # page sets; the allowlist has checked that address anyway.
            "app_websocket_url": "/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        page: web.StreamResponse = aiohttp_jinja2.render_template(
            "app_index.html", request, context
        )
        return page

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
            # Another web site's page, open in the same browser, may not drive a session.
            page = refusals.foreign_origin()
            raise web.HTTPForbidden(text=page.text, content_type="text/html")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        if self.sessions >= self.max_sessions:  # (another tab took the last one meanwhile)
            await websocket.send_bytes(f"\r\n  {refusals.full(self.max_sessions)}\r\n".encode())
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"no free session")
            return websocket
        self.sessions += 1
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
            self.sessions -= 1
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


def startup_text(host: str, port: int, token: str | None, max_sessions: int) -> str:
    """What the server prints when it listens: the addresses to open (with the token), who
    can reach them, the session limit."""
    query = f"/?token={token}" if token else "/"
    if host in WILDCARDS:
        shown = [a for a in own_addresses() if ":" not in a] or ["127.0.0.1"]
        where = f"every address of this machine (port {port})"
    else:
        shown, where = [host], f"{host}:{port}"
    urls = [f"http://{f'[{a}]' if ':' in a else a}:{port}{query}" for a in shown]
    reach = "this machine only" if is_loopback(host) else "the network"
    who = "anyone who has the address with its token" if token else "anyone on this machine"
    lines = [f"stepcnn serve: {urls[0]}  (Ctrl-C stops the server and every session)"]
    lines += [f"stepcnn serve: also {url}" for url in urls[1:]]
    lines.append(
        f"stepcnn serve: listening on {where}, reachable from {reach}: {who} can open a "
        f"session (at most {max_sessions} at a time)"
    )
    return "\n".join(lines)


def default_sessions() -> int:
    """Sessions at a time by default: what the machine's available memory holds at
    :data:`SESSION_RESERVE` each, at least 1 and at most :data:`MAX_DEFAULT_SESSIONS`."""
    try:
        info = Path("/proc/meminfo").read_text().splitlines()
        fields = {line.split(":")[0]: line.split()[1] for line in info if ":" in line}
        available = int(fields["MemAvailable"]) * 1024
    except (OSError, KeyError, ValueError, IndexError):
        return MAX_DEFAULT_SESSIONS
    return max(1, min(MAX_DEFAULT_SESSIONS, available // SESSION_RESERVE))


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
    *,
    access: Access,
    max_sessions: int,
    session_memory: int,
) -> int:
    """Serve ``ref`` (``course``: the course) until Ctrl-C or SIGTERM; every session has
    ended when this returns."""
    check_address(host, port)
    command = session_command(ref, iterations, theme, session_memory, course)
    name = "course" if course else Path(ref).stem
    server = StepcnnServer(command, host, port, name, access, max_sessions)
    server.serve()
    return 0
