"""``stepcnn serve`` decides who may use it as Jupyter Server does (issue 21): a token printed
as an address, a cookie after the first visit, a Host allowlist, no directory listings, a
session limit with a page that says why, each session's memory bounded.

Real servers on 127.0.0.1 (never another address), spoken to over HTTP and websockets as a
browser and as a DNS-rebinding page would.
"""

import asyncio
import re
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from processes import children, served, until

from stepcnn.web.access import Access, host_name, new_token, own_addresses
from stepcnn.web.serve import startup_text

TOKEN = "classroom-token-0123456789"


def cookie_of(response: aiohttp.ClientResponse) -> str:
    """The ``name=value`` of the cookie a response sets."""
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header, header
    return header.split(";", 1)[0]


async def handshake_status(client: aiohttp.ClientSession, url: str, **kwargs: object) -> int:
    """The HTTP status a websocket handshake is refused with (fails when it is accepted)."""
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(url, **kwargs)  # type: ignore[arg-type]
    return refused.value.status


async def test_the_page_and_the_websocket_want_the_token_then_its_cookie() -> None:
    with served("--token", TOKEN) as server:
        pid = server.process.pid
        assert server.url == f"{server.base}/?token={TOKEN}"
        ws = f"{server.base}/ws"
        origin = {"Origin": server.base}
        async with aiohttp.ClientSession() as client:
            async with client.get(server.base + "/") as page:
                assert page.status == 401 and "needs its token" in await page.text()
            async with client.get(server.base + "/?token=wrong-wrong-wrong") as page:
                assert page.status == 403 and "wrong token" in await page.text()
            assert await handshake_status(client, ws, headers=origin) == 401
            assert await handshake_status(client, ws + "?token=nope", headers=origin) == 403
            stale = {"Cookie": f"stepcnn-serve-{server.port}={'0' * 64}", **origin}
            assert await handshake_status(client, ws, headers=stale) == 401  # another token's

            # The first visit: the cookie, and the same address without the token.
            async with client.get(server.url + "&fontsize=14", allow_redirects=False) as first:
                assert first.status == 302 and first.headers["Location"] == "/?fontsize=14"
                cookie = cookie_of(first)
            assert TOKEN not in cookie
            async with client.get(server.base + "/", headers={"Cookie": cookie}) as page:
                assert (
                    page.status == 200 and 'data-session-websocket-url="/ws"' in await page.text()
                )
            with_cookie = await client.ws_connect(ws, headers={"Cookie": cookie, **origin})
            await until(lambda: len(children(pid)) == 1, 30, "a session for the cookie")
            await with_cookie.close()
            await until(lambda: not children(pid), 15, "the session to end")
            # A program shows the token in a header, as for Jupyter.
            header = {"Authorization": f"token {TOKEN}"}
            with_header = await client.ws_connect(ws, headers=header)
            await until(lambda: len(children(pid)) == 1, 30, "a session for the header")
            await with_header.close()
            await until(lambda: not children(pid), 15, "the session to end")


async def test_a_random_token_is_printed_as_an_address() -> None:
    with served() as server:
        first = server.printed[0]
        m = re.fullmatch(
            rf"stepcnn serve: http://127\.0\.0\.1:{server.port}/\?token=([A-Za-z0-9_-]{{43}})  "
            r"\(Ctrl-C stops the server and every session\)",
            first,
        )
        assert m, server.printed
        assert "reachable from this machine only" in server.printed[-1]
        async with (
            aiohttp.ClientSession() as client,
            client.get(server.url, allow_redirects=False) as visit,
        ):
            assert visit.status == 302
    assert new_token() != new_token() and len(new_token()) == 43


async def test_a_forged_host_or_origin_is_refused_even_with_the_token() -> None:
    """A DNS-rebinding page sends its own name as Host and Origin: refused, page and socket;
    the page never repeats a Host header; --allow-host adds a name."""
    with served("--token", TOKEN, "--allow-host", "Classroom.Example") as server:
        pid = server.process.pid
        evil = f"evil.example:{server.port}"
        forged = {"Host": evil, "Origin": f"http://{evil}"}
        async with aiohttp.ClientSession() as client:
            async with client.get(server.url, headers=forged) as page:
                text = await page.text()
                assert page.status == 403 and "evil" not in text
            url = f"{server.base}/ws?token={TOKEN}"
            assert await handshake_status(client, url, headers=forged) == 403
            assert await handshake_status(client, url, origin=f"http://{evil}") == 403
            assert not children(pid)
            for host in (f"localhost:{server.port}", f"classroom.example:{server.port}"):
                headers = {"Host": host}
                async with client.get(server.url, headers=headers, allow_redirects=False) as r:
                    assert r.status == 302, host
                    headers["Cookie"] = cookie_of(r)
                async with client.get(server.base + "/", headers=headers) as page:
                    text = await page.text()
                assert page.status == 200 and host.split(":")[0] not in text.lower(), host
                assert "127.0.0.1" not in text  # its addresses are paths


async def test_no_directory_is_listed() -> None:
    with served("--no-token") as server:
        async with aiohttp.ClientSession() as client:
            for folder in ("/static/", "/static/js/", "/static/fonts"):
                async with client.get(server.base + folder) as listing:
                    body = await listing.text()
                    assert listing.status in (403, 404), folder
                    assert ".js" not in body and ".ttf" not in body, folder
            async with client.get(server.base + "/static/js/textual.js") as script:
                assert script.status == 200  # the page's own script is public, as in Jupyter


async def test_over_max_sessions_a_page_says_why_and_a_socket_is_told() -> None:
    with served("--no-token", "--max-sessions", "1") as server:
        pid = server.process.pid
        assert "(at most 1 at a time)" in server.printed[-1]
        ws = f"{server.base}/ws"
        async with aiohttp.ClientSession() as client:
            taken = await client.ws_connect(ws)
            await until(lambda: len(children(pid)) == 1, 30, "the one session")
            async with client.get(server.base + "/") as page:
                text = await page.text()
            assert page.status == 503 and page.headers["Retry-After"] == "30"
            assert "All 1 sessions this server allows are in use (--max-sessions 1)" in text
            refused = await client.ws_connect(ws)
            told = await refused.receive()
            assert told.type == aiohttp.WSMsgType.BINARY and b"--max-sessions 1" in told.data
            closed = await refused.receive()
            assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 1013
            assert len(children(pid)) == 1  # no second process was started
            await taken.close()
            await until(lambda: not children(pid), 15, "the session to end")
            # the server frees the place once it has seen the process end (a moment later)
            for _ in range(50):
                async with client.get(server.base + "/") as page:
                    if page.status == 200:
                        break
                await asyncio.sleep(0.1)
            assert page.status == 200  # free again


async def test_each_sessions_address_space_is_bounded() -> None:
    with served("--no-token", "--session-memory", "768M") as server:
        pid = server.process.pid
        async with aiohttp.ClientSession() as client:
            session = await client.ws_connect(f"{server.base}/ws")
            await until(lambda: len(children(pid)) == 1, 30, "a session")
            (child,) = children(pid)

            def address_space() -> str:
                limits = Path(f"/proc/{child}/limits").read_text()
                return next(x for x in limits.splitlines() if x.startswith("Max address space"))

            # the child bounds itself first thing in its main(), after Python has started:
            # wait for that moment (a process seen before it has no bound yet)
            await until(lambda: "unlimited" not in address_space(), 30, "the bound")
            line = address_space()
            assert line.split()[3:5] == [str(768 * 2**20)] * 2, line
            await session.close()


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--host", "0.0.0.0", "--no-token"], "argument --no-token: only with a --host of this"),
        (["--token", TOKEN, "--no-token"], "argument --no-token: not allowed with argument"),
        (["--token", "short"], "argument --token: must be 16 to 256 letters"),
        (["--allow-host", "evil example"], "argument --allow-host: must be a host name"),
        (["--max-sessions", "0"], "argument --max-sessions: must be a positive integer"),
    ],
)
def test_a_token_rule_broken_is_one_line_and_exit_2(options: list[str], said: str) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "stepcnn", "serve", *options],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("stepcnn serve: ") and said in refused.stderr
    assert refused.stderr.count("\n") == 1


def test_a_server_on_every_address_answers_to_the_machines_names_and_prints_them() -> None:
    access = Access.for_server("0.0.0.0", 8000, TOKEN, ("teacher.example",))
    assert {"localhost", "127.0.0.1", "::1", "teacher.example"} <= access.hosts
    assert socket.gethostname().lower() in access.hosts
    assert set(own_addresses()) <= access.hosts and "evil.example" not in access.hosts
    text = startup_text("0.0.0.0", 8000, TOKEN, 20)
    addresses = [a for a in own_addresses() if ":" not in a]
    for address in addresses:
        assert f"http://{address}:8000/?token={TOKEN}" in text
    assert "reachable from the network: anyone who has the address with its token" in text
    one = Access.for_server("192.0.2.7", 8000, TOKEN)
    assert "192.0.2.7" in one.hosts and socket.gethostname().lower() not in one.hosts


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("LocalHost:8000", "localhost"),
        ("[::1]:8000", "::1"),
        ("::1", "::1"),
        ("192.0.2.7", "192.0.2.7"),
        ("evil.example:8000", "evil.example"),
    ],
)
def test_the_host_header_is_read_as_a_browser_writes_it(header: str, name: str) -> None:
    assert host_name(header) == name
