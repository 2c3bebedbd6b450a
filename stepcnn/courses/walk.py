"""Going through a course: which chapter, the stops before and after a step, the checkpoints
answered, and when a chapter is done — recorded in the learner's progress. No drawing here.
"""

from stepcnn.courses.model import Chapter, Course, Stop
from stepcnn.courses.progress import CourseProgress


class Walk:
    """A learner's way through ``course``, starting where ``progress`` says they stopped."""

    def __init__(self, course: Course, progress: CourseProgress) -> None:
        self.course = course
        self.progress = progress
        number = progress.chapter if progress.chapter is not None else 1
        self.index = min(max(number, 1), len(course.chapters)) - 1

    @property
    def chapter(self) -> Chapter:
        return self.course.chapters[self.index]

    def resume_step(self) -> int:
        """Where to open the chapter: the step the learner stopped at in it, else its first stop."""
        stopped = self.progress.step  # (the session's goto keeps it inside the run)
        if self.progress.chapter == self.chapter.number and stopped is not None:
            return stopped
        return self.chapter.stops[0].k

    def open(self, number: int) -> Chapter:
        """Go to chapter ``number`` (from 1)."""
        self.index = min(max(number, 1), len(self.course.chapters)) - 1
        self.progress.chapter = self.chapter.number
        self.progress.step = None
        return self.chapter

    def place(self, k: int) -> None:
        self.progress.chapter = self.chapter.number
        self.progress.step = k

    # ---- stops --------------------------------------------------------------------------

    def stop_at(self, k: int) -> Stop | None:
        return next((s for s in self.chapter.stops if s.k == k), None)

    def next_stop(self, k: int) -> Stop | None:
        """The first stop after step ``k`` (None: past the last one)."""
        return next((s for s in self.chapter.stops if s.k > k), None)

    def previous_stop(self, k: int) -> Stop | None:
        return next((s for s in reversed(self.chapter.stops) if s.k < k), None)

    def number_of(self, stop: Stop) -> int:
        """The stop's place in the chapter, from 1."""
        return self.chapter.stops.index(stop) + 1

    # ---- checkpoints ----------------------------------------------------------------------

    def checkpoint_index(self, stop: Stop) -> int:
        return self.chapter.checkpoints.index(stop)

    def answered(self, stop: Stop) -> bool:
        mine = self.progress.chapters.get(self.chapter.number)
        return mine is not None and self.checkpoint_index(stop) in mine.answered

    def passed(self, stop: Stop) -> bool:
        mine = self.progress.chapters.get(self.chapter.number)
        return mine is not None and self.checkpoint_index(stop) in mine.passed

    def pending(self, k: int) -> Stop | None:
        """The checkpoint at step ``k`` if it is still to be answered."""
        stop = self.stop_at(k)
        if stop is None or stop.checkpoint is None or self.answered(stop):
            return None
        return stop

    def answer(self, stop: Stop, right: bool) -> None:
        mine = self.progress.of(self.chapter.number)
        index = self.checkpoint_index(stop)
        mine.answered.add(index)
        if right:
            mine.passed.add(index)

    def unanswered(self) -> list[Stop]:
        return [s for s in self.chapter.checkpoints if not self.answered(s)]

    def score(self) -> tuple[int, int]:
        """(passed, checkpoints) in this chapter."""
        return self.score_of(self.chapter)

    def score_of(self, chapter: Chapter) -> tuple[int, int]:
        """(passed, checkpoints) in ``chapter``: only its own checkpoints count (a progress
        file from an older version of the course may name others)."""
        mine = self.progress.chapters.get(chapter.number)
        n = len(chapter.checkpoints)
        return (0 if mine is None else len(mine.passed & set(range(n)))), n

    # ---- chapters -----------------------------------------------------------------------

    def finish(self) -> bool:
        """Mark the chapter done if every checkpoint has been answered; whether it is done.
        (An exercise chapter is done when the learner's file passes: :meth:`exercise_passed`.)"""
        if self.chapter.exercise:
            return self.progress.is_done(self.chapter.number)
        if self.unanswered():
            return False
        self.progress.of(self.chapter.number).done = True
        return True

    def exercise_passed(self) -> None:
        self.progress.of(self.chapter.number).done = True

    def next_chapter(self) -> Chapter | None:
        if self.index + 1 >= len(self.course.chapters):
            return None
        return self.course.chapters[self.index + 1]

    def done_count(self) -> int:
        return sum(self.progress.is_done(c.number) for c in self.course.chapters)
