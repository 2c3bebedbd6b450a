"""One browser tab's debugger: ``python -m stepcnn.web.session [--memory BYTES]
[--iterations N] -- SCENARIO``.

Started by ``stepcnn serve`` (textual-serve sets Textual's web driver). Its address space is
bounded first (``RLIMIT_AS``, ``--session-memory`` of serve: one tab cannot take the
classroom's memory). Besides running the ordinary debugger it watches its parent: when the
server is gone (killed, crashed) the session asks itself to quit and, if that does not end it,
exits — no app process is left spinning.
"""

import argparse
import os
import signal
import sys
import threading
import time

POLL = 0.5
"""Seconds between checks that the server is still the parent."""
EXIT_GRACE = 3.0
"""Seconds between asking the app to quit (SIGTERM: Textual's web driver exits) and exiting."""


def watch_parent(parent: int) -> None:
    """In a daemon thread: end this process once ``parent`` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(EXIT_GRACE)
        os._exit(1)

    threading.Thread(target=watch, name="stepcnn-parent-watch", daemon=True).start()


def parse(argv: list[str]) -> argparse.Namespace:
    """The options the server passes (checked by ``stepcnn serve`` before it started)."""
    parser = argparse.ArgumentParser(prog="stepcnn.web.session")
    parser.add_argument("--memory", type=int)
    parser.add_argument("--iterations", type=int)
    parser.add_argument("--theme")
    parser.add_argument("--course", action="store_true")
    parser.add_argument("scenario")
    return parser.parse_args(argv)


def bound_memory(limit: int) -> None:
    """This process's address space at most ``limit`` bytes (soft and hard: for good)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv: list[str]) -> int:
    watch_parent(os.getppid())
    args = parse(argv)
    if args.memory is not None:
        bound_memory(args.memory)
    from stepcnn.session.session import Session
    from stepcnn.timeline.load import load_scenario
    from stepcnn.tui.app import run_app

    if args.course:  # every tab from chapter 1, its progress kept in memory only
        from stepcnn.courses.loader import load_course
        from stepcnn.courses.progress import ProgressStore
        from stepcnn.present.views import inline_names
        from stepcnn.tui.course_mode import CourseMode

        mode = CourseMode(load_course(None, inline_names()), ProgressStore.in_memory())
        first = mode.course.chapters[0]
        return run_app(Session(first.scenario), first.ref, theme=args.theme, course=mode)
    session = Session(load_scenario(args.scenario), args.iterations)
    return run_app(session, args.scenario, theme=args.theme)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
