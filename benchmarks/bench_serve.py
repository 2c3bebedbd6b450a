"""Serve load benchmark (not a test): N browser-like sessions on one ``stepcnn serve``.

One server on 127.0.0.1 (never another address) with a token; for N = 1, 10, 20 (``--sessions``)
N websocket clients connect at once as a browser tab does (``Origin`` the page's address, the
token's cookie, ``/ws?width=W&height=H``) and speak textual-serve's protocol: ``["resize", …]``
and ``["focus"]`` on open, then keys as ``["stdin", "\\x1b[C"]`` (→, the next step). Each waits for
its first frame (the status line ``iteration 1 of``), then presses → ``--keys`` times with a
think time of 0.3–0.7 s (a class stepping through the tour, each at its own pace).

Measured, per N:

- **key → frame**: from sending a key to the first byte of the answer (``first``) and to the
  last byte of its burst (``whole``: the frame is complete when 40 ms pass without a byte, and
  those 40 ms are not counted), median and p95 over every key of every session;
- **first frame**: from connecting to the first frame, median and slowest (every tab opens at
  the same moment, as a class does when told the address);
- **memory per session**: each session process's resident set (RSS) and proportional set size
  (PSS, shared pages split among the processes sharing them) once every session has stepped,
  and the server's own RSS.

Bounded: each N has ``--deadline`` seconds (default 240) for everything; the server runs in a
session of its own and is killed with its group at the end, whatever happened.

Run: ``.venv/bin/python benchmarks/bench_serve.py [--sessions 1 10 20] [--keys 20]``.
Always exits 0.
"""

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

TOKEN = "bench-serve-token-0123456789"
QUIET = 0.040
"""Seconds without a byte after which a frame counts as complete."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def memory_kib(pid: int) -> tuple[int, int]:
    """Resident and proportional set size of ``pid`` in KiB (0, 0 when it is gone)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0, 0
    fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup if line.endswith("kB")}
    return fields.get("Rss", 0), fields.get("Pss", 0)


class Tab:
    """One browser-like session: its socket, what arrived, and the timings of its keys."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.last = 0.0
        self.text = bytearray()
        self.first: list[float] = []
        self.whole: list[float] = []
        self.opened = 0.0  # seconds from connecting to the first frame

    async def read(self, socket_: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket_:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.last = time.monotonic()
                if len(self.text) < 1 << 20:
                    self.text += message.data
                self.arrived.set()

    async def quiet(self) -> None:
        while time.monotonic() - self.last < QUIET:
            await asyncio.sleep(0.005)

    async def press(self, socket_: aiohttp.ClientWebSocketResponse, key: str) -> None:
        await self.quiet()
        self.arrived.clear()
        sent = time.monotonic()
        await socket_.send_json(["stdin", key])
        await asyncio.wait_for(self.arrived.wait(), 30)
        self.first.append(self.last - sent)
        await self.quiet()
        self.whole.append(self.last - sent)


async def one_tab(
    base: str, cookie: str, size: tuple[int, int], keys: int, ready: list[int]
) -> Tab:
    tab = Tab()
    headers = {"Origin": base, "Cookie": cookie}
    url = f"{base}/ws?width={size[0]}&height={size[1]}"
    connecting = time.monotonic()
    async with aiohttp.ClientSession() as client, client.ws_connect(url, headers=headers) as ws:
        reader = asyncio.create_task(tab.read(ws))
        await ws.send_json(["resize", {"width": size[0], "height": size[1]}])
        await ws.send_json(["focus"])
        while b"iteration 1 of" not in tab.text:  # the first frame
            tab.arrived.clear()
            await asyncio.wait_for(tab.arrived.wait(), 60)
        tab.opened = time.monotonic() - connecting
        ready.append(1)
        for _ in range(keys):
            await asyncio.sleep(random.uniform(0.3, 0.7))
            await tab.press(ws, "\x1b[C")
        await ws.close()
        reader.cancel()
    return tab


async def first_visit(base: str, port: int) -> str:
    """The cookie the printed address (the token) gets, as ``name=value``."""
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{base}/?token={TOKEN}", allow_redirects=False) as first,
    ):
        name = f"stepcnn-serve-{port}"
        return f"{name}={first.cookies[name].value}"


async def measure(n: int, keys: int, size: tuple[int, int], deadline: float) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "stepcnn", "serve", "tour", "--port", str(port)]
    argv += ["--token", TOKEN, "--max-sessions", str(n)]
    server = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.1)
        cookie = await first_visit(base, port)
        ready: list[int] = []
        started = time.monotonic()
        tasks = [asyncio.create_task(one_tab(base, cookie, size, keys, ready)) for _ in range(n)]
        sampled: list[tuple[int, int]] = []
        server_rss = 0

        async def sample() -> None:  # once every tab has its frame and has stepped a little
            nonlocal server_rss
            while len(ready) < n:
                await asyncio.sleep(0.1)
            await asyncio.sleep(keys * 0.25)
            sampled.extend(memory_kib(p) for p in children(server.pid))
            server_rss = memory_kib(server.pid)[0]

        sampler = asyncio.create_task(sample())
        tabs = await asyncio.wait_for(asyncio.gather(*tasks), deadline)
        await asyncio.wait_for(sampler, 10)
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    first = sorted(t for tab in tabs for t in tab.first)
    whole = sorted(t for tab in tabs for t in tab.whole)

    def p95(values: list[float]) -> float:
        return values[min(len(values) - 1, int(0.95 * len(values)))]

    opened = sorted(tab.opened for tab in tabs)
    rss = [r for r, _ in sampled]
    pss = [p for _, p in sampled]
    return {
        "sessions": len(sampled),
        "keys": len(first),
        "first_median": statistics.median(first) * 1000,
        "first_p95": p95(first) * 1000,
        "whole_median": statistics.median(whole) * 1000,
        "whole_p95": p95(whole) * 1000,
        "rss_mib": statistics.mean(rss) / 1024,
        "pss_mib": statistics.mean(pss) / 1024,
        "server_mib": server_rss / 1024,
        "total_mib": (sum(pss) + server_rss) / 1024,
        "seconds": elapsed,
        "opened_median": statistics.median(opened),
        "opened_max": opened[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--keys", type=int, default=20, help="keys each session presses")
    parser.add_argument("--size", default="160x50", help="each tab's terminal (default 160x50)")
    parser.add_argument("--deadline", type=float, default=240.0)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    random.seed(1)
    print(
        f"stepcnn serve tour, {args.keys} keys (→) per session at 0.3-0.7 s, {args.size}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        "  N   keys   key→first byte  key→whole frame   RSS/session  PSS/session  server  "
        "total (PSS)  first frame"
    )
    for n in args.sessions:
        try:
            r = asyncio.run(measure(n, args.keys, (width, height), args.deadline))
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            print(f"{n:3}   did not finish: {type(exc).__name__}: {exc}")
            continue
        print(
            f"{n:3}  {r['keys']:5}  {r['first_median']:5.1f} / {r['first_p95']:5.1f} ms  "
            f"{r['whole_median']:6.1f} / {r['whole_p95']:6.1f} ms  {r['rss_mib']:8.1f} MiB"
            f"  {r['pss_mib']:8.1f} MiB  {r['server_mib']:4.0f} MiB  {r['total_mib']:6.0f} MiB"
            f"  {r['opened_median']:4.1f} / {r['opened_max']:4.1f} s"
            f"   ({r['sessions']} processes, {r['seconds']:.0f} s)"
        )


if __name__ == "__main__":
    main()
