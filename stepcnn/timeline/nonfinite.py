"""Where a run first produces a NaN or an infinity: found once per iteration, then looked up.

The first non-finite step of an iteration is found with the search (:func:`find`, a segment
at a time); the answer is kept, so the status bar's warning and the jump to the first NaN/inf
(``f``) look it up. Whoever computes the iterations (the app's background training) asks for
each one's answer as its tensors are made, so ``f`` is a lookup per iteration, not a search
of every one.
"""

from stepcnn.timeline.search import Condition, find
from stepcnn.timeline.timeline import Timeline


class NonfiniteSteps:
    """The first step producing a NaN or an infinity, of each iteration of ``timeline``."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._first: dict[int, int | None] = {}  # iteration → its first such step, or None

    def first_in(self, iteration: int) -> int | None:
        """The first step of ``iteration`` that produces a NaN or an infinity (searched once:
        from any thread, as each gets the same answer)."""
        if iteration not in self._first:
            condition = Condition(nonfinite=True, iteration=iteration)
            start = iteration * self.timeline.per_iteration - 1
            self._first[iteration] = find(self.timeline, condition, start)
        return self._first[iteration]

    def first(self) -> int | None:
        """The first step of the whole run that produces a NaN or an infinity."""
        for iteration in range(len(self.timeline.run)):
            found = self.first_in(iteration)
            if found is not None:
                return found
        return None
