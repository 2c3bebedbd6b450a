"""The pages ``stepcnn serve`` answers with when it does not start a session: each says why,
in a sentence, and what to do."""

import html

from aiohttp import web

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>stepcnn serve: {title}</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.5}}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""


def page(status: int, title: str, text: str, **headers: str) -> web.Response:
    """An HTML page (``text`` is escaped: nothing of a request is ever markup here)."""
    body = TEMPLATE.format(title=html.escape(title), text=html.escape(text))
    return web.Response(status=status, text=body, content_type="text/html", headers=headers)


def no_token() -> web.Response:
    return page(
        401,
        "this server needs its token",
        "Open the address stepcnn serve printed when it started (it ends in ?token=…); "
        "this browser then keeps a cookie for the rest of the session.",
        **{"WWW-Authenticate": "token"},
    )


def wrong_token() -> web.Response:
    return page(
        403,
        "wrong token",
        "The token in this address is not the server's. Ask for the address stepcnn serve "
        "printed when it started.",
    )


def unknown_host() -> web.Response:
    """The Host header is not one of the server's names (it is not repeated back)."""
    return page(
        403,
        "not an address of this server",
        "This server answers only to its own addresses (a teacher adds a name with "
        "--allow-host). A page of another site cannot use it.",
    )


def foreign_origin() -> web.Response:
    return page(
        403,
        "sessions start from the server's own page",
        "A page of another site may not drive a session.",
    )


def full(limit: int) -> str:
    """Why no session starts when ``limit`` are running (a sentence for a page or a tab)."""
    return (
        f"All {limit} sessions this server allows are in use (--max-sessions {limit}): "
        "close a tab, or try again when someone has closed one."
    )


def full_page(limit: int) -> web.Response:
    return page(503, "no free session", full(limit), **{"Retry-After": "30"})
