"""The file watcher of ``--watch``: reloads the scenario when its file's mtime changes."""

from collections.abc import Callable
from pathlib import Path

from textual.message_pump import MessagePump

INTERVAL = 1.0  # seconds between looks at the file


class FileWatcher:
    """Calls ``changed()`` when the file ``path()`` names gets a new modification time."""

    def __init__(self, path: Callable[[], Path | None], changed: Callable[[], None]) -> None:
        self.path = path
        self.changed = changed
        self.seen: float | None = None

    def mtime(self) -> float | None:
        path = self.path()
        try:
            return path.stat().st_mtime if path is not None else None
        except OSError:
            return None

    def start(self, owner: MessagePump, interval: float = INTERVAL) -> None:
        """Remember the file's time now and look again every ``interval`` seconds."""
        self.seen = self.mtime()
        owner.set_interval(interval, self.check)

    def check(self) -> bool:
        """Look at the file once; True (after calling ``changed``) if it changed."""
        mtime = self.mtime()
        if mtime is None or mtime == self.seen:
            return False
        self.seen = mtime
        self.changed()
        return True
