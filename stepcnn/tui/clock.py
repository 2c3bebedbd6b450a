"""The playback clock: while running, owes steps at the session's speed and pays them out.

It ticks at the frame rate; each tick adds ``speed × elapsed seconds`` to what is owed and
hands the whole steps to a callback, which says whether to keep going (False at the end of
the run or at a breakpoint stops the clock). Whether it runs is its own state.
"""

import time
from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer

FRAME_RATE = 30


class PlaybackClock:
    """Steps at ``rate()`` per second, paid to ``take(count) -> keep_going``."""

    def __init__(
        self,
        rate: Callable[[], float],
        take: Callable[[int], bool],
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.take = take
        self.now = now
        self.running = False
        self.owed = 0.0  # steps due but not yet taken
        self.last = now()
        self._timer: Timer | None = None

    def attach(self, owner: MessagePump, frame_rate: float = FRAME_RATE) -> None:
        """Tick on ``owner``'s event loop (paused until :meth:`start`)."""
        self._timer = owner.set_interval(1 / frame_rate, self.tick, pause=True)

    def start(self) -> None:
        """Run; the first step is owed at once."""
        self.owed, self.last = 1.0, self.now()
        self.running = True
        if self._timer is not None:
            self._timer.resume()

    def stop(self) -> None:
        self.running = False
        if self._timer is not None:
            self._timer.pause()

    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start()

    def tick(self) -> None:
        """Pay out the whole steps owed since the last tick."""
        if not self.running:
            return
        now = self.now()
        self.owed += self.rate() * (now - self.last)
        self.last = now
        steps = int(self.owed)
        if steps == 0:
            return
        self.owed -= steps
        if not self.take(steps):
            self.stop()
