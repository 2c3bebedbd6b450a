"""One browser tab's debugger: ``python -m stepcnn.web_session [--iterations N] -- SCENARIO``.

Started by ``stepcnn serve`` (textual-serve sets Textual's web driver). Besides running the
ordinary debugger it watches its parent: when the server is gone (killed, crashed) the session
asks itself to quit and, if that does not end it, exits — no app process is left spinning.
"""

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


def main(argv: list[str]) -> int:
    watch_parent(os.getppid())
    from stepcnn.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
