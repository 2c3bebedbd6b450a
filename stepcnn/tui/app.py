"""The stepcnn debugger app: the main screen on a terminal that ends the app when it goes.

The parts, one job each: :mod:`stepcnn.tui.main_screen` (widgets, keys' actions, clicks),
:mod:`stepcnn.tui.clock` (playback), :mod:`stepcnn.tui.watcher` (``--watch``),
:mod:`stepcnn.tui.palette` (the theme's colours), :mod:`stepcnn.tui.hangup` (the terminal).
"""

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TypedDict, Unpack

from textual import events
from textual.app import App, SystemCommand
from textual.screen import Screen

from stepcnn.scenario.builtin import paths, title_of
from stepcnn.session.session import Session
from stepcnn.tui.bindings import BINDINGS
from stepcnn.tui.course_mode import CourseMode, Workshop
from stepcnn.tui.garbage import settle_garbage
from stepcnn.tui.hangup import HANGUP_STATUS, TerminalWatch, let_go_of_terminal
from stepcnn.tui.kept import prepare_later
from stepcnn.tui.main_screen import MainScreen


class CourseOptions(TypedDict, total=False):
    """How the app offers the course: ``course`` runs it from the start (at ``chapter``,
    else where the learner stopped); ``welcome``: no scenario was named, say how to start
    it; ``workshop``: the learner's file for its write-it-yourself chapter."""

    course: CourseMode | None
    chapter: int | None
    welcome: bool
    workshop: Workshop | None


class StepCNNApp(App[int]):
    """Step through a CNN's training, one elementary operation at a time."""

    TITLE = "stepcnn"

    def __init__(
        self,
        session: Session,
        ref: str | None = None,
        watch: bool = False,
        theme: str | None = None,
        **options: Unpack[CourseOptions],
    ) -> None:
        super().__init__()
        self.session = session
        self.main = MainScreen(session, watch, ref)
        self.main.offer_course(options.get("welcome", False), options.get("workshop"))
        self.course_start = (options.get("course"), options.get("chapter"))
        if theme is not None:
            self.theme = theme  # an unknown name raises InvalidThemeError, before the screen

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def on_ready(self) -> None:
        course, chapter = self.course_start
        if course is not None:
            self.main.start_course(course, chapter)
        settle_garbage()  # the course's chapter and card too
        prepare_later(self, self.session)  # the dialogs, made once, so that keys only fill them
        # After the first frame: the main screen is mounted and drawn, so an end at once
        # (no terminal from the start) finds a whole app to end.
        if not self.is_headless:  # end with the terminal (SIGHUP, or its input/output gone)
            keys = sys.__stdin__.fileno() if sys.__stdin__ is not None else None
            fds = [f.fileno() for f in (sys.__stdin__, sys.__stderr__) if f is not None]
            TerminalWatch(lambda: self.exit(return_code=HANGUP_STATUS), fds, input_fd=keys).start()

    def on_resize(self, event: events.Resize) -> None:
        # event.size, not self.size: this handler runs before App._on_resize stores the new
        # size, so self.size is still the previous one.
        self.main.fit(event.size)

    def redraw(self) -> None:
        """Draw the main screen again (after the session was changed from outside)."""
        self.main.redraw()

    def open_scenario(self, ref: str) -> None:
        self.main.open_scenario(ref)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """The palette's "Screenshot". In a browser Textual sends it as a download; on a
        terminal it is written into the Downloads folder (the working directory when there
        is none), under a name that nothing holds yet: never over a file, never through a
        symbolic link (:mod:`stepcnn.io.files`)."""
        if self.is_web:
            return super().deliver_screenshot(filename, path, time_format)
        import uuid
        from datetime import datetime

        from stepcnn.io.files import WriteRefused, free_name, write_file

        key = uuid.uuid4().hex
        name = filename or f"{self.title}_{datetime.now():%Y-%m-%dT%H_%M_%S}.svg"
        svg = self.export_screenshot()
        try:
            target = free_name(Path(path or screenshot_folder()), name)
            write_file(target, svg)
        except WriteRefused as exc:  # (one appearing meanwhile is refused, not overwritten)
            self.post_message(events.DeliveryFailed(key, exc, name="screenshot"))
        else:
            self.post_message(events.DeliveryComplete(key, path=target, name="screenshot"))
        return key

    # ---- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        yield from super().get_system_commands(screen)  # "Theme" (switch the theme) among them
        for binding in BINDINGS:
            keys = binding.key_display or binding.key
            yield SystemCommand(
                binding.description,
                f"key: {keys}",
                lambda action=binding.action: self.call_next(self.run_action, action, self.main),
            )
        for path in paths():
            yield SystemCommand(
                f"Open scenario: {path.stem}",
                title_of(path),
                lambda name=path.stem: self.open_scenario(name),
            )


def screenshot_folder() -> str:
    """Where the palette's screenshot goes: the user's Downloads folder if it exists, else
    the working directory."""
    from platformdirs import user_downloads_path  # Textual's own choice of folder

    downloads = Path(user_downloads_path())
    return str(downloads) if downloads.is_dir() else os.getcwd()


def run_app(
    session: Session,
    ref: str | None = None,
    watch: bool = False,
    theme: str | None = None,
    **options: Unpack[CourseOptions],
) -> int:
    """Run the debugger (with a course: see :class:`CourseOptions`)."""
    app = StepCNNApp(session, ref, watch, theme, **options)
    app.run()
    if app.return_code == HANGUP_STATUS:
        let_go_of_terminal()
    return app.return_code or 0
