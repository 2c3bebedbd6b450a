"""Predict mode (key ``P``): each step's result hidden until the learner has typed a guess.

Enter checks the guess (an empty Enter reveals the answer without scoring); Enter again goes
on to the next step that has something to predict; ``P`` or Escape returns to the debugger
at the step reached. The score per operation lasts as long as the session.
"""

from typing import ClassVar
from weakref import WeakKeyDictionary

import numpy as np
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from stepcnn.engine.types import Array
from stepcnn.session.practice import Question, Score, is_right, parse_guess, question
from stepcnn.session.session import Session
from stepcnn.timeline.numbers import num
from stepcnn.tui.resume import Restyled

SCORES: "WeakKeyDictionary[Session, Score]" = WeakKeyDictionary()
MOST = 24  # numbers shown per operand (a 1352-element input is cut, saying so)


def operand_text(name: str, array: Array) -> str:
    """``name (shape): rows of numbers`` — a matrix row per line, the channels of a
    ``C×kh×kw`` operand side by side; long vectors cut, saying how much is left out."""
    a = np.asarray(array, dtype=float)
    shape = "×".join(map(str, a.shape)) or "1"
    if a.ndim >= 2 and a.size <= MOST * 4:
        maps = a.reshape(-1, *a.shape[-2:])  # channels (or one matrix)
        width = max(len(num(v)) for v in a.reshape(-1))
        lines = []
        if len(maps) > 1:
            heads = [f"ch {c}".ljust((width + 1) * a.shape[-1] - 1) for c in range(len(maps))]
            lines.append(("    " + " │ ".join(heads)).rstrip())
        for r in range(a.shape[-2]):
            cells = [" ".join(f"{num(v):>{width}}" for v in m[r]) for m in maps]
            lines.append("    " + " │ ".join(cells))
        return f"{name} ({shape}):\n" + "\n".join(lines)
    flat = a.reshape(-1)
    more = f"  … {flat.size - MOST} more" if flat.size > MOST else ""
    return f"{name} ({shape}): " + "  ".join(num(v) for v in flat[:MOST]) + more


class GuessInput(Input):
    """The answer field: a number, so a capital ``P`` is left to leave predict mode."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character != "P" and super().check_consume_key(key, character)


class PracticeScreen(Restyled[bool | None]):
    """One question at a time; the debugger's session moves along with it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("P,escape", "leave", "Back to the debugger", priority=True),
    ]
    DEFAULT_CSS = """
    PracticeScreen { layout: vertical; padding: 0 1; }
    PracticeScreen > Vertical { height: 1fr; }
    PracticeScreen #where { text-style: bold; height: auto; }
    PracticeScreen #given { height: auto; max-height: 55%; margin: 1 0 0 0; }
    PracticeScreen #prompt { text-style: bold; height: auto; margin-top: 1; }
    PracticeScreen #guess { border: none; height: 1; padding: 0 1; background: $boost; }
    PracticeScreen #guess > .input--placeholder { color: $text-muted; }  /* readable, light too */
    PracticeScreen #feedback { height: auto; min-height: 2; }
    PracticeScreen #score { color: $text-muted; height: auto; }
    PracticeScreen #keys { color: $text-muted; height: 1; }
    """
    KEYS = "Enter: check · Enter again: next step · P or Esc: back to the debugger"

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._begin(session)

    def _begin(self, session: Session) -> None:
        self.session = session
        self.score = SCORES.setdefault(session, Score())
        self.question: Question | None = None
        self.revealed = False
        self.last = ""  # "right", "miss", "revealed" or ""

    def renew(self, session: Session) -> None:
        """Opened again (:mod:`stepcnn.tui.kept`): the question at the step reached."""
        self._begin(session)
        self.start()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="where")
            with VerticalScroll(id="given"):
                yield Static(id="operands")
            yield Static(id="prompt")
            yield GuessInput(
                placeholder="your value, then Enter (Enter alone: show it)", id="guess"
            )
            yield Static(id="feedback")
            yield Static(id="score")
            yield Static(self.KEYS, id="keys")

    def on_mount(self) -> None:
        self.start()

    def start(self) -> None:
        """The first question (a subclass asks its own: Textual calls every class's
        ``on_mount``, so the handlers stay here)."""
        self._ask(self._find(0))

    def _find(self, delta: int) -> bool:
        """Move ``delta`` steps, then on to the first step with a question; False at the end."""
        session = self.session
        if delta and not session.step_by(delta):
            return False
        while question(session.step, session.timeline) is None:
            if not session.step_by(1):
                return False
        return True

    def _ask(self, found: bool) -> None:
        step = self.session.step
        q = question(step, self.session.timeline) if found else None
        where = (
            f"Predict mode — step {step.k} of {self.session.total - 1} · iteration "
            f"{step.iteration} · {step.phase} · "
            f"{'loss' if step.layer is None else f'layer {step.layer}'} · {step.op}"
        )
        self.show_question(q, where, "" if q is None else f"{q.prompt} = ?")

    def show_question(self, q: Question | None, where: str, prompt: str) -> None:
        """Show ``q`` (None: the end of the run) under the heading ``where``."""
        self.question = q
        self.revealed = False
        self.query_one("#where", Static).update(Text(where))
        if q is None:
            self.query_one("#operands", Static).update(Text("The end of the run: nothing left."))
        else:
            given = "\n".join(operand_text(n, a) for n, a in q.given.items())
            self.query_one("#operands", Static).update(Text(given or "(no operands)"))
        self.query_one("#prompt", Static).update(Text(prompt))
        self.query_one("#feedback", Static).update(Text(""))
        self._show_score()
        guess = self.query_one("#guess", Input)
        guess.value = ""
        guess.focus()

    def _show_score(self) -> None:
        self.query_one("#score", Static).update(Text(f"score: {self.score.text()}"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit(event.value)

    def submit(self, value: str) -> None:
        """Check the guess typed (or reveal the answer), or go on once it is shown."""
        q = self.question
        feedback = self.query_one("#feedback", Static)
        if q is None:
            return
        if self.revealed:
            self._ask(self._find(1))
            return
        typed, guess = self.guess_of(value)
        if typed and guess is None:
            return
        if guess is None:
            self.last = "revealed"
            feedback.update(Text(f"the answer: {num(q.answer, 6)}\n{q.working}"))
        else:
            right = is_right(guess, q.answer)
            self.score.add(q.op, right)
            self.last = "right" if right else "miss"
            if right:
                feedback.update(Text(f"right: {num(q.answer, 6)}\n{q.working}"))
            else:
                feedback.update(
                    Text(f"miss: you said {num(guess, 6)}, it is {num(q.answer, 6)}\n{q.working}")
                )
            self._show_score()
        self.revealed = True
        self.query_one("#guess", Input).value = ""

    def guess_of(self, value: str) -> tuple[bool, float | None]:
        """(something was typed, the number it is): Enter alone reveals the answer; text
        that is not a number is said so (no number: the question stays open)."""
        text = value.strip()
        guess = parse_guess(text) if text else None
        if text and guess is None:
            feedback = self.query_one("#feedback", Static)
            feedback.update(Text(f"{text!r} is not a number; try again (or Enter alone)"))
        return bool(text), guess

    def action_leave(self) -> None:
        self.dismiss(None)


def open_practice(app: App[int], session: Session) -> None:
    """Push the practice screen; when it closes the debugger redraws at the step reached."""

    def done(_: bool | None) -> None:
        redraw = getattr(app, "redraw", None)
        if redraw is not None:
            redraw()

    from stepcnn.tui.kept import open_kept

    open_kept(app, PracticeScreen, session, callback=done)
