"""The app ends with its terminal.

When the terminal goes away — a closed window, a killed tmux session, a dropped SSH connection —
the process gets SIGHUP only if it leads the terminal's session. Under ``make run`` or
``sh -c '…; …'`` the session leader is make or the shell, which waits for its child, so the
app never hears of the hang-up; Textual's input thread then reads end-of-file in a loop and
keeps a core busy forever. So two things end the app:

- SIGHUP, handled in the event loop: an orderly exit that restores the terminal if it is
  still there (``kill -HUP``);
- a hang-up or error on the terminal's file descriptors (its input, its output), seen by a
  thread blocked in ``poll()`` with no events requested — only ``POLLHUP``, ``POLLERR`` and
  ``POLLNVAL`` wake it, so it reads nothing and costs nothing while the terminal is there;
- input that can bring no key at all (``< /dev/null``, a file), where Textual would read
  end-of-file in a loop just the same.

Writing to a terminal that is gone can block Textual's writer thread for good, so once the
app has been asked to end, the process is ended outright if the orderly exit takes longer
than :data:`GRACE` seconds, or :data:`GONE_GRACE` when the terminal has already gone (there is
nothing left to restore).
"""

import asyncio
import os
import select
import signal
import stat
import threading
from collections.abc import Callable, Iterable

HANGUP_STATUS = 128 + signal.SIGHUP  # what a shell reports for a process ended by SIGHUP
GRACE = 1.5  # seconds allowed for the orderly exit before the process ends regardless
GONE_GRACE = 0.3  # the same once the terminal has hung up
GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def wait_for_hangup(fds: Iterable[int], timeout: float | None = None) -> int | None:
    """Block until one of ``fds`` hangs up, fails or is closed; return that descriptor.

    With a ``timeout`` (seconds), None when none has by then.
    """
    poller = select.poll()
    for fd in fds:
        poller.register(fd, 0)  # no events asked for: only hang-up, error and invalid report
    while True:
        ready = poller.poll(None if timeout is None else timeout * 1000)
        for fd, mask in ready:
            if mask & GONE:
                return fd
        if timeout is not None:
            return None


def input_has_ended(fd: int) -> bool:
    """Input that can bring no more keys: a file or a device other than a terminal
    (``< /dev/null``, ``< notes.txt``). Reading it gives end-of-file at once or soon, and
    ``poll()`` never reports a hang-up for it."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return True  # closed
    finite = stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
    return finite and not os.isatty(fd)


def let_go_of_terminal() -> None:
    """Point stdout and stderr at /dev/null: after a hang-up, writing to them can only fail.

    Without this, Python's final flush of a buffer meant for the lost terminal fails with
    EIO, and the process ends with status 120 instead of :data:`HANGUP_STATUS`.
    """
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(null, fd)
    os.close(null)


class TerminalWatch:
    """Call ``exit_app`` once, on SIGHUP or when a terminal descriptor hangs up.

    ``grace``: seconds for the orderly exit while the terminal is there, and once it is gone.
    ``input_fd``: where the keys come from; if that can bring none (:func:`input_has_ended`),
    the app ends at once.
    """

    def __init__(
        self,
        exit_app: Callable[[], None],
        fds: Iterable[int],
        grace: tuple[float, float] = (GRACE, GONE_GRACE),
        hard_exit: Callable[[int], object] = os._exit,
        *,
        input_fd: int | None = None,
    ) -> None:
        self._exit_app = exit_app
        self._fds = tuple(fds)
        self._input_fd = input_fd
        self._grace = grace
        self._hard_exit = hard_exit
        self._ending = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start watching (call from the event loop's thread, in the main thread)."""
        self._loop = asyncio.get_running_loop()
        self._loop.add_signal_handler(signal.SIGHUP, self.hang_up)
        threading.Thread(target=self._watch, name="stepcnn-hangup", daemon=True).start()

    def _watch(self) -> None:
        if self._input_fd is None or not input_has_ended(self._input_fd):
            wait_for_hangup(self._fds)
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(self.hang_up)
        except RuntimeError:  # the loop has already closed: the app is ending anyway
            return

    def hang_up(self) -> None:
        """End the app: orderly if it can be, outright after the grace period."""
        if self._ending:
            return
        self._ending = True
        gone = wait_for_hangup(self._fds, timeout=0) is not None
        grace = self._grace[1] if gone else self._grace[0]
        timer = threading.Timer(grace, self._hard_exit, (HANGUP_STATUS,))
        timer.daemon = True
        timer.start()
        self._exit_app()
