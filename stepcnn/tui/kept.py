"""Dialogs made once and shown again: a key that opens one sets its new content and draws.

Composing a Textual screen (its widgets made, styled, laid out and mounted) costs more than
a frame may (~13 ms for one Label in a dialog on this machine). So each kind of dialog is
made once per app and installed (Textual keeps an installed screen when it closes): the
debugger's dialogs shortly after the first frame (:func:`prepare_later`, one at a time),
any other at its first use. Opening it again gives it the new content (its ``renew``) and
pushes it. Should the kept one be open already (a second one asked for from the command
palette) or not mounted yet, a new one is made, as before.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen

from stepcnn.session.session import Session
from stepcnn.tui.garbage import settle_garbage

S = TypeVar("S", bound=Screen[Any])

PREPARE_AFTER = 0.3
"""Seconds after the first frame when the debugger's dialogs start to be made."""
PREPARE_EVERY = 0.03
"""Seconds between making one and the next (each takes a few ms of the app's thread)."""


def name_of(kind: type[Screen[Any]]) -> str:
    return f"kept:{kind.__qualname__}"


def open_kept(
    app: App[Any],
    kind: type[S],
    *args: Any,
    callback: Callable[[Any], None] | None = None,
) -> S:
    """Push the app's kept screen of ``kind`` showing ``args`` (made with them the first
    time); ``callback`` gets its result."""
    name = name_of(kind)
    if not app.is_screen_installed(name):
        screen = kind(*args)
        app.install_screen(screen, name)
    else:
        screen = app.get_screen(name, kind)
        if screen in app.screen_stack or not screen.is_mounted:
            screen = kind(*args)  # the kept one is open, or not ready: a new one
        else:
            screen.renew(*args)  # type: ignore[attr-defined]
    app.push_screen(screen, callback)
    return screen


def make_kept(app: App[Any], kind: type[Screen[Any]], *args: Any) -> None:
    """Make (and mount, not showing it) the kept screen of ``kind``, unless there is one."""
    name = name_of(kind)
    closing = app._exit or app._closing  # (a screen mounted then is never composed)
    if app.is_running and not closing and not app.is_screen_installed(name):
        app.install_screen(kind(*args), name)
        app._get_screen(name)  # registered and mounted, as push_screen would, not shown


def prepare_later(app: App[Any], session: Session) -> None:
    """Make the debugger's dialogs once the app is idle after its first frame."""

    def dialogs() -> Sequence[tuple[type[Screen[Any]], Callable[[], tuple[Any, ...]]]]:
        from stepcnn.present.views import ViewContent
        from stepcnn.tui.bindings import describe_bindings
        from stepcnn.tui.screens import (
            AboutScreen,
            GotoScreen,
            HelpScreen,
            PickerScreen,
            about_of,
            picker_groups,
        )
        from stepcnn.tui.view_screen import ViewScreen

        return [
            (HelpScreen, lambda: (describe_bindings(),)),
            (GotoScreen, lambda: (session.total,)),
            (AboutScreen, lambda: about_of(session)),
            (ViewScreen, lambda: (ViewContent("", ()),)),
            (PickerScreen, lambda: (picker_groups(),)),
        ]

    def make(i: int) -> None:
        kinds = dialogs()
        if i < len(kinds):
            kind, args = kinds[i]
            make_kept(app, kind, *args())
            app.set_timer(PREPARE_EVERY, lambda: make(i + 1))
        else:
            settle_garbage()  # the dialogs live as long as the app: out of the collector's way

    app.set_timer(PREPARE_AFTER, lambda: make(0))
