"""A course checkpoint: predict mode's screen asking one question, the course's.

The step's result is hidden until the learner has typed a guess. Right: on it goes. Wrong (or
Enter alone): the right value and the arithmetic that gives it, from the engine. Enter again
returns to the course, Escape returns without answering (the checkpoint waits).
"""

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Input, Static

from stepcnn.courses.questions import Asked
from stepcnn.session.session import Session
from stepcnn.timeline.numbers import num
from stepcnn.tui.predict import PracticeScreen


class CheckpointScreen(PracticeScreen):
    """Dismissed with True (right), False (wrong or shown) or None (left unanswered); the
    answer is recorded when it is given, before the screen closes."""

    KEYS = "Enter: check · Enter again: back to the course · Esc: later (it waits here)"

    def __init__(
        self,
        session: Session,
        asked: Asked,
        where: str,
        score: tuple[int, int],
        record: Callable[[bool], None],
    ) -> None:
        """``score``: (checkpoints passed, checkpoints) in the chapter before this one;
        ``record``: called with whether the answer is right as soon as it is given."""
        super().__init__(session)
        self.asked = asked
        self.where = where
        self.passed, self.count = score
        self.record = record
        self.right: bool | None = None

    def start(self) -> None:
        q = self.asked.question
        decimals = self.asked.decimals
        places = "a whole number" if decimals == 0 else f"{decimals} decimals"
        self.show_question(q, self.where, f"{self.asked.prompt}\n{q.prompt} = ?  (to {places})")

    def _show_score(self) -> None:
        passed = self.passed + (self.right is True)
        self.query_one("#score", Static).update(Text(f"passed so far: {passed}/{self.count}"))

    def submit(self, value: str) -> None:
        if self.revealed:
            self.dismiss(self.right)
            return
        q = self.asked.question
        shown = num(q.answer, 6)
        typed, guess = self.guess_of(value)
        if typed and guess is None:
            return
        if guess is None:  # Enter alone: shown, not passed
            self.right, verdict = False, f"the answer: {shown}"
        else:
            self.right = self.asked.check(guess)
            verdict = (
                f"right: {shown}"
                if self.right
                else f"not quite: you said {num(guess, 6)}, it is {shown}"
            )
        feedback = self.query_one("#feedback", Static)
        feedback.update(Text(f"{verdict}\n{q.working}\nEnter: back to the course"))
        self.revealed = True
        self.record(self.right)
        self._show_score()
        self.query_one("#guess", Input).value = ""

    def action_leave(self) -> None:
        self.dismiss(self.right if self.revealed else None)
