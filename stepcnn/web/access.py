"""Who may use ``stepcnn serve``, as Jupyter Server decides it: a token, a cookie, a Host list.

- **The token**: random (``secrets.token_urlsafe``) unless ``--token`` sets one, printed as a
  ``?token=`` address at start; ``--no-token`` only on a loopback address. A request shows it
  as ``?token=``, as ``Authorization: token …``, or by the cookie the first visit got.
- **The Host allowlist**: a request whose ``Host`` header is not a name or address of this
  server (the loopback names, the address it listens on — each of the machine's own addresses
  when that is a wildcard —, and ``--allow-host`` names) is refused whatever it carries: a
  page of another site that rebinds its own name to this machine (DNS rebinding) is refused
  here, before its token is looked at.
"""

import hashlib
import hmac
import ipaddress
import itertools
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a ``--host`` value) is this machine only."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A random token, as Jupyter makes one: 32 bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def own_addresses() -> list[str]:
    """The machine's own IP addresses (Linux: every interface's, from /proc; elsewhere what
    its host name resolves to), loopback ones included."""
    found: set[str] = {"127.0.0.1", "::1"}
    try:
        trie = Path("/proc/net/fib_trie").read_text().splitlines()
        for before, line in itertools.pairwise(trie):
            if "/32 host LOCAL" in line:
                found.add(before.strip().split()[-1])
        for line in Path("/proc/net/if_inet6").read_text().splitlines():
            packed = line.split()[0]
            found.add(str(ipaddress.ip_address(bytes.fromhex(packed))))
    except (OSError, ValueError):
        pass
    try:
        for *_, address in socket.getaddrinfo(socket.gethostname(), None):
            found.add(str(address[0]).split("%")[0])
    except OSError:
        pass
    return sorted(found, key=lambda a: (":" in a, ipaddress.ip_address(a).is_loopback, a))


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port, lower case (``[::1]:8000`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        return header.split(":", 1)[0]
    return header


@dataclass(frozen=True)
class Access:
    """The server's rules: its token (None with ``--no-token``), the names its Host header may
    carry, and the port (the cookie is named after it: two servers on one machine differ)."""

    token: str | None
    hosts: frozenset[str]
    port: int
    cookie_value: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        secret = (self.token or "").encode()
        value = hmac.new(secret, b"stepcnn serve session", hashlib.sha256).hexdigest()
        object.__setattr__(self, "cookie_value", value)

    @classmethod
    def for_server(
        cls, host: str, port: int, token: str | None, allow: tuple[str, ...] = ()
    ) -> "Access":
        """The rules of a server listening on ``host``: the loopback names, ``host`` (each of
        the machine's addresses and its host name when ``host`` is a wildcard), ``allow``
        (names as ``--allow-host`` parses them, in lower case)."""
        names = set(LOOPBACK_NAMES) | set(allow)
        if host in WILDCARDS:
            names |= set(own_addresses()) | {socket.gethostname().lower(), socket.getfqdn().lower()}
        else:
            names.add(host_name(host))
        return cls(token, frozenset(names), port)

    @property
    def cookie(self) -> str:
        return f"stepcnn-serve-{self.port}"

    def host_allowed(self, request: web.BaseRequest) -> bool:
        return host_name(request.headers.get("Host", "")) in self.hosts

    def credential(self, request: web.BaseRequest) -> tuple[str, str] | None:
        """What the request shows: ``("token", …)`` (the query or an Authorization header) or
        ``("cookie", …)``; None when it shows nothing."""
        if "token" in request.query:
            return "token", request.query["token"]
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "token" and value:
            return "token", value.strip()
        if self.cookie in request.cookies:
            return "cookie", request.cookies[self.cookie]
        return None

    def verdict(self, request: web.BaseRequest) -> int:
        """200 when the request may go on; 401 when it shows no token (or a cookie of another
        token: an earlier server's), 403 when it shows a wrong token."""
        if self.token is None:
            return 200
        shown = self.credential(request)
        if shown is None:
            return 401
        kind, value = shown
        if kind == "cookie":
            return 200 if hmac.compare_digest(value, self.cookie_value) else 401
        return 200 if hmac.compare_digest(value.encode(), self.token.encode()) else 403

    def remember(self, response: web.StreamResponse) -> None:
        """Give the browser the cookie that stands for the token from now on."""
        response.set_cookie(
            self.cookie, self.cookie_value, httponly=True, samesite="Strict", path="/"
        )
