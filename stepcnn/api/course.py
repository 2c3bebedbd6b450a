"""The course for notebooks and tests: its chapters, each a :class:`~stepcnn.api.lesson.Lesson`
with the questions its checkpoints ask.

>>> import stepcnn
>>> chapters = stepcnn.course()           # the built-in course; course("my.toml") for a file
>>> first = chapters[0]
>>> q = first.questions[0]
>>> q.answer == first.lesson.step(q.step).value    # a forward step: its value
True
>>> q.check(round(q.answer, 2)), q.check(q.answer + 1)
(True, False)

Steps are the API's, from 0 (the screen says step ``q.step + 1``). Every answer is computed
from the pinned step, never read from the course file.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import overload

from stepcnn.api.lesson import Lesson
from stepcnn.courses.loader import load_course
from stepcnn.courses.model import Chapter as ChapterModel
from stepcnn.courses.model import Course as CourseModel
from stepcnn.courses.questions import Asked, ask
from stepcnn.present.views import inline_names


@dataclass(frozen=True)
class Question:
    """A checkpoint: the learner predicts the value step ``step`` computes."""

    step: int
    """The step, from 0 (``lesson.step(step)``)."""
    prompt: str
    """The course's words for it."""
    asks: str
    """What is computed, e.g. ``out[0,0,0,1]`` or ``dW[0][0,0,1] after this step``."""
    answer: float
    """The value: forward, the element the step computes (``lesson.step(step).value``);
    backward, what it sends back (``dx``) or adds into ``dW`` (a ``dW`` checkpoint); update,
    the new weight."""
    working: str
    """The arithmetic that gives the answer, with the step's numbers."""
    decimals: int
    """The precision the chapter shows, which :meth:`check` accepts."""
    _asked: Asked

    def check(self, value: float | str) -> bool:
        """Whether ``value`` is the answer at the precision shown: within half a unit of the
        last decimal, or 0.5 % of the answer."""
        return self._asked.check(value)


class Chapter:
    """One chapter: a scenario's run (``lesson``) with narration and checkpoints."""

    def __init__(self, model: ChapterModel) -> None:
        self._model = model
        self.number = model.number
        """From 1."""
        self.title = model.title
        self.goals = model.goals
        self.intro = model.intro
        self.scenario = model.ref
        """The scenario, as the course names it (a built-in name, or a file's path)."""
        self.exercise = model.exercise
        """Whether the learner writes the code (``stepcnn exercise`` / ``stepcnn verify``)."""

    def __repr__(self) -> str:
        return f"<Chapter {self.number}: {self.title!r}, {len(self._model.checkpoints)} questions>"

    @cached_property
    def lesson(self) -> Lesson:
        """What ``stepcnn.load`` gives for the chapter's scenario."""
        return Lesson(self._model.scenario)

    @cached_property
    def questions(self) -> list[Question]:
        """The chapter's checkpoints, in step order."""
        found = []
        for stop in self._model.checkpoints:
            assert stop.checkpoint is not None
            step = self.lesson.step(stop.k)
            asked = ask(step, self.lesson.timeline, stop.checkpoint, self._model.precision)
            q = asked.question
            found.append(
                Question(stop.k, asked.prompt, q.prompt, q.answer, q.working, asked.decimals, asked)
            )
        return found


class Course(Sequence[Chapter]):
    """The chapters of a course, in order (``course[0]`` is chapter 1)."""

    def __init__(self, model: CourseModel) -> None:
        self.title = model.title
        self.description = model.description
        self.chapters = [Chapter(c) for c in model.chapters]

    def __repr__(self) -> str:
        return f"<Course {self.title!r}: {len(self.chapters)} chapters>"

    def __len__(self) -> int:
        return len(self.chapters)

    @overload
    def __getitem__(self, i: int) -> Chapter: ...
    @overload
    def __getitem__(self, i: slice) -> list[Chapter]: ...
    def __getitem__(self, i: int | slice) -> Chapter | list[Chapter]:
        return self.chapters[i]

    def __iter__(self) -> Iterator[Chapter]:
        return iter(self.chapters)

    @property
    def questions(self) -> Sequence[tuple[Chapter, Question]]:
        """Every checkpoint of the course with its chapter."""
        return [(c, q) for c in self.chapters for q in c.questions]


def course(path: "str | PathLike[str] | None" = None) -> Course:
    """The built-in course (``path`` None), a built-in course by name, or a course file.

    Raises :class:`stepcnn.ScenarioError`, naming the file and the field, for a bad one.
    """
    ref = str(Path(path)) if isinstance(path, PathLike) else path
    return Course(load_course(ref, inline_names()))
