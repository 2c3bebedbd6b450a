"""The course in the debugger, driven with Pilot as a learner would, from ``stepcnn learn``.

The app is the one ``stepcnn learn`` builds (``run_app`` is replaced by a function that keeps
the app for the test to run), with the real engine and a progress file under a temporary
``$XDG_STATE_HOME``. Expected numbers are worked out by hand from the scenario files.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from test_tui import press, screen_text, status_text, wait_until
from textual.widgets import OptionList

from stepcnn.cli import main
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.checkpoint import CheckpointScreen
from stepcnn.tui.course_screens import ChapterList, CourseCard
from stepcnn.tui.main_screen import MainScreen
from stepcnn.tui.screens import MessageScreen, PickerScreen

SMALL = (80, 24)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "stepcnn" / "progress.json"


def launch(monkeypatch: pytest.MonkeyPatch, *argv: str) -> StepCNNApp:
    """The app ``stepcnn *argv`` would run, not yet running."""
    made: list[StepCNNApp] = []

    def keep(
        session: Any, ref: Any = None, watch: bool = False, theme: Any = None, **kw: Any
    ) -> int:
        made.append(StepCNNApp(session, ref, watch, theme, **kw))
        return 0

    monkeypatch.setattr("stepcnn.tui.app.run_app", keep)
    assert main(list(argv)) == 0
    (app,) = made
    return app


def progress_of(state: Path) -> dict[str, Any]:
    course: dict[str, Any] = json.loads(state.read_text(encoding="utf-8"))["courses"]["filters"]
    return course


async def until(pilot: Any, screen: type) -> None:
    """Until the app shows a ``screen``, drawn."""
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen))
    await pilot.pause()


async def begin(pilot: Any) -> None:
    """Past the chapter's card."""
    await until(pilot, CourseCard)
    await press(pilot, "enter")


async def test_a_wrong_answer_shows_the_right_value_and_its_arithmetic(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = launch(monkeypatch, "learn")
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, CourseCard)
        card = screen_text(app)
        assert "Chapter 1 of 7 — A filter is a small matrix that slides" in card
        assert "2 checkpoints" in card and "⏎ begin" in card
        await press(pilot, "enter")
        assert isinstance(app.screen, CheckpointScreen)
        text = screen_text(app)
        assert "Checkpoint 1 of 2 — chapter 1" in text and "out[0,0,0,0] = ?" in text
        assert "7.0" not in text  # the answer is not on the screen yet
        await press(pilot, "3", "enter")
        text = screen_text(app)
        # hand-computable: patch [[2,0,1],[0,2,0],[1,0,2]], filter [[1,0,−1],[0,2,0],[−1,0,1]],
        # bias 1: 2 − 1 + 4 − 1 + 2 + 1 = 7, each product written out.
        assert "not quite: you said 3.0, it is 7.0" in text
        flat = " ".join(text.split())
        assert "(2.0·1.0) + (0.0·0.0) + (1.0·(−1.0))" in flat and "+ b 1.0 = 7.0" in flat
        await press(pilot, "enter")
        assert isinstance(app.screen, MainScreen)
        assert "✗ answered" in screen_text(app)
        chapter = progress_of(state)["chapters"]["1"]
        assert chapter["answered"] == [0] and chapter["passed"] == []


async def test_a_right_answer_moves_on_to_the_next_checkpoint(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = launch(monkeypatch, "learn")
    async with app.run_test(size=SMALL) as pilot:
        await begin(pilot)
        await press(pilot, "7", "enter")
        text = screen_text(app)
        assert "right: 7.0" in text and "passed so far: 1/2" in text
        await press(pilot, "enter", "enter")  # back to the course, then its next stop
        assert isinstance(app.screen, CheckpointScreen)
        assert app.session.k == 1 and "Checkpoint 2 of 2" in screen_text(app)
        # one column right: patch [[0,1,0],[2,0,1],[0,2,0]]; every product with the filter
        # is 0, and the bias is 1
        await press(pilot, "1", "enter")
        assert "right: 1.0" in screen_text(app)
    assert progress_of(state)["chapters"]["1"]["passed"] == [0, 1]


async def test_progress_persists_across_a_restart_and_reset_clears_it(
    state: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = launch(monkeypatch, "learn")
    async with app.run_test(size=SMALL) as pilot:
        await begin(pilot)
        await press(pilot, "7", "enter", "enter", "enter")  # on to checkpoint 2 (step 2)
        assert isinstance(app.screen, CheckpointScreen)
        await press(pilot, "escape", "q")  # later; quit
    app = launch(monkeypatch, "learn")
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, CourseCard)  # the chapter's card, then where the learner stopped:
        assert "resumed: chapter 1, step 2" in status_text(app)
        await press(pilot, "enter")  # step 2, its checkpoint still open
        assert isinstance(app.screen, CheckpointScreen)
        assert app.session.k == 1 and "passed so far: 1/2" in screen_text(app)
        await press(pilot, "1", "enter", "enter", "enter", "enter")  # right; the last stop; end
        assert isinstance(app.screen, CourseCard)
        assert "Chapter 1 done" in screen_text(app)
        assert "2 of 2 checkpoints passed; 1 of 7 chapters done." in screen_text(app)
        await press(pilot, "enter")  # chapter 2's card
        assert await wait_until(pilot, lambda: app.session.scenario.name == "sparse-connectivity")
    capsys.readouterr()
    assert main(["learn", "--list"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[:2] == ["1", "done"]
    app = launch(monkeypatch, "learn")
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, CourseCard)
        assert "Chapter 2 of 7" in screen_text(app)  # a new chapter: its card
    app = launch(monkeypatch, "learn", "--reset")
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, CourseCard)
        assert "Chapter 1 of 7" in screen_text(app)
    assert "cleared" in capsys.readouterr().err
    assert main(["learn", "--list"]) == 0
    assert "  done  " not in capsys.readouterr().out


async def test_a_corrupt_progress_file_is_one_warning_on_screen_and_is_kept(
    state: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state.parent.mkdir(parents=True)
    state.write_text("{ half a file", encoding="utf-8")
    app = launch(monkeypatch, "learn")
    (warning,) = capsys.readouterr().err.splitlines()
    assert warning.startswith("stepcnn learn: warning: ") and "is not JSON" in warning
    async with app.run_test(size=SMALL) as pilot:
        await begin(pilot)
        assert "stepcnn learn: warning:" in status_text(app)
        await press(pilot, "7", "enter", "enter")  # the course runs
        assert "✓ passed" in screen_text(app)
    assert state.read_text(encoding="utf-8") == "{ half a file"


async def test_the_first_screen_says_how_to_start_the_course(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = launch(monkeypatch)  # `stepcnn`, nothing named
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "Press L to start the course" in text and "o opens a scenario" in text
        await press(pilot, "right")
        assert "Press L" not in screen_text(app)  # said once, on the first step
    app = launch(monkeypatch, "tour")  # a scenario named: the learner knows their way
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert "Press L" not in screen_text(app)


async def test_the_picker_opens_on_the_courses_chapters_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = launch(monkeypatch)
    async with app.run_test(size=SMALL) as pilot:
        await press(pilot, "o")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        options = picker.query_one(OptionList)
        assert options.highlighted == 0
        labels = [str(options.get_option_at_index(i).prompt) for i in range(7)]
        expected = [
            ("chapters 1, 7", "hand-computable"),
            ("chapter 2", "sparse-connectivity"),
            ("chapter 3", "conv-is-a-layer-2x3"),
            ("chapter 4", "fc-to-filters-3x3"),
            ("chapter 5", "shared-weights-3x3"),
            ("chapter 6", "digits"),
        ]
        for label, (chapter, name) in zip(labels, expected, strict=False):
            assert label.split()[:-1][: len(chapter.split()) + 1] == [*chapter.split(), name]
        names = [name for name, _ in picker.choices]
        assert names[:6] == [name for _, name in expected]
        assert "tour" in names[6:]  # then the others
        await press(pilot, "enter")
        assert app.session.scenario.name == "hand-computable"


async def test_the_chapter_list_opens_any_chapter(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = launch(monkeypatch, "learn")
    async with app.run_test(size=SMALL) as pilot:
        await begin(pilot)
        await press(pilot, "escape", "L")  # leave the checkpoint for later; the chapters
        assert isinstance(app.screen, ChapterList)
        rows = app.screen.rows
        assert len(rows) == 7 and rows[0].startswith("  1. A filter is a small matrix")
        assert app.screen.query_one(OptionList).highlighted == 0
        await press(pilot, "down", "down", "down", "enter")
        await until(pilot, CourseCard)
        assert "Chapter 4 of 7 — The error from the fully connected layer" in screen_text(app)
        assert app.session.scenario.name == "fc-to-filters-3x3"
        await press(pilot, "enter")
        # fc-to-filters-3x3 opens where backward starts: dL/dz1 = p1 − 1 with the label 1
        assert isinstance(app.screen, CheckpointScreen)
        assert app.session.step.op == "cross_entropy.backward"


async def test_a_chapters_card_covers_the_step_it_opens_on(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card opens on the chapter's first stop, often a checkpoint, whose answer the
    debugger would show around the card: out[0,0,0,0] = 7 at 160×50; fc-to-filters' loss
    (0.3412 = −log p1) and p − onehot (0.289) at 80×24."""
    app = launch(monkeypatch, "learn")
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, CourseCard)
        assert "7.0" not in screen_text(app)
        await press(pilot, "escape")  # look around: the debugger, with its values
        assert "= 7.0" in screen_text(app)
    app = launch(monkeypatch, "learn", "--chapter", "4")
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, CourseCard)
        text = screen_text(app)
        assert "Chapter 4 of 7" in text
        assert "0.3412" not in text and "0.289" not in text


async def test_the_verify_report_keeps_its_columns_and_enter_closes_it(
    state: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A report line too long for the dialog wraps under its own indentation: at 160×50 the
    wrong function's problem stays in the column under its verdict; at 80×24, where that
    column would leave too little room, it is indented less, but never back at the margin."""
    from test_verify import correct_source

    def problem_rows() -> tuple[int, int, list[int]]:
        """(the function's row's margin, its verdict's column, the problem rows' margins)."""
        inside = [row.split("█")[1] for row in screen_text(app).splitlines() if "█" in row]
        top = next(i for i, r in enumerate(inside) if "conv2d_backward" in r)
        end = next(i for i, r in enumerate(inside) if r.strip().startswith("mse"))
        margin = len(inside[top]) - len(inside[top].lstrip())
        problem = [len(r) - len(r.lstrip()) for r in inside[top + 1 : end]]
        return margin, inside[top].index("wrong"), problem

    mine = tmp_path / "mine.py"
    source = correct_source()
    mine.write_text(source.replace("dw[f][ch][i][j] += g * v", "dw[f][ch][i][j] = g * v"))
    app = launch(monkeypatch, "learn", "--chapter", "7", "--exercise", str(mine))
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, CourseCard)
        await press(pilot, "escape", "V")
        assert await wait_until(pilot, lambda: isinstance(app.screen, MessageScreen), 120)
        await pilot.pause()
        margin, _, problem = problem_rows()
        assert len(problem) > 3 and min(problem) > margin, problem
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        margin, verdict, problem = problem_rows()
        assert len(problem) > 3 and min(problem) == verdict + 2, (verdict, problem)
        await pilot.resize_terminal(*SMALL)
        assert "Esc or ⏎ closes" in screen_text(app)
        await press(pilot, "enter")
        assert app.screen is app.main and app.session.step.op == "conv2d.backward"
        # past the chapter's last stop, what ends it: the file passing
        assert "Ch 7/7 · V grades your file (X writes it)" in screen_text(app)
        mine.write_text(source)
        await press(pilot, "V")
        assert await wait_until(pilot, lambda: isinstance(app.screen, MessageScreen), 120)
        await press(pilot, "enter")
        assert "Ch 7/7 · ⏎ ends the chapter" in screen_text(app)


async def test_a_wrong_value_past_the_chapters_run_is_named_not_opened(
    state: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """verify grades iteration 2 too; a chapter whose scenario trains one iteration has no
    such step: the status line says so and the debugger stays (not clamped to its end)."""
    app = launch(monkeypatch, "learn", "--chapter", "7", "--exercise", str(tmp_path / "m.py"))
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, CourseCard)
        await press(pilot, "escape")
        past = app.session.total + 3
        app.main.graded(False, ["  conv2d_forward   wrong", "0 ok, 1 wrong"], past)
        await pilot.pause()
        assert app.session.k == 0
        assert f"step {past + 1:,}, past this chapter's run" in status_text(app)
