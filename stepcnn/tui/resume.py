"""A screen shown again (a kept dialog, :mod:`stepcnn.tui.kept`) without being styled anew.

Textual styles every widget of a screen again whenever the screen comes back to the top of
the stack (~1.7 ms for the view dialog, 12 widgets). What a widget's style depends on from
outside the screen is the app's CSS (a theme is part of it; Textual counts its changes), the
app's focus and colour mode, and the terminal's size; what changes inside (classes, focus,
widgets mounted) is styled as it changes. So a :class:`Restyled` screen is styled again only
when one of those outside things has changed since it was styled last.
"""

from typing import TypeVar

from textual import events
from textual.screen import Screen

ResultType = TypeVar("ResultType")


class Restyled(Screen[ResultType]):
    """A screen styled again on its return only when something outside it has changed."""

    _styled_for: tuple[object, ...] | None = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        app = self.app
        outside = (app._css_update_count, app.app_focus, app.ansi_color, app.size)
        restyle = event.refresh_styles and outside != self._styled_for
        self._styled_for = outside
        event.prevent_default()  # (Textual's handler, below, is called here instead)
        Screen._on_screen_resume(self, events.ScreenResume(refresh_styles=restyle))
