"""``stepcnn.course()``: the chapters, each a Lesson with its questions.

Every answer is checked against the lesson by another road than the one the course takes
(the tensors as they stand after the step, or the step's value times a weight), and a few
against arithmetic done here by hand from the scenario files' numbers.
"""

from pathlib import Path

import numpy as np
import pytest

import stepcnn
from stepcnn.api.course import Chapter, Question
from stepcnn.api.lesson import Lesson
from stepcnn.courses.loader import load_course
from stepcnn.courses.model import Stop
from stepcnn.present.views import inline_names


def by_another_road(lesson: Lesson, stop: Stop) -> float:
    """The value a checkpoint asks, read from the lesson's tensors after its step."""
    k, asked = stop.k, stop.checkpoint
    assert asked is not None
    step = lesson.step(k)
    layer = step.layer
    if asked.ask in ("dW", "weight"):
        assert layer is not None and asked.cell is not None
        f = step.index[1] if asked.ask == "dW" else step.index[0]  # conv (n, f, r, c); update (f,)
        if asked.ask == "dW":
            return float(lesson.tensor(k, layer, "grad_weight")[f][asked.cell])
        before = lesson.tensor(k - 1, layer, "weight")[f][asked.cell]
        grad = lesson.tensor(k, layer, "grad_weight")[f][asked.cell]
        return float(before - lesson.scenario.learning_rate * grad)  # plain SGD: W − η·dW
    if step.phase == "forward" or layer is None:  # an element, the loss, the loss's dL/dz
        assert step.value is not None
        return step.value
    if step.kind == "linear":  # what score j adds into dx[0,0]: g_j · W[j, 0]
        assert step.value is not None
        return step.value * float(lesson.tensor(k, layer, "weight")[step.index[-1], 0])
    n, c, r, col = step.index
    if step.kind == "maxpool2d":  # 2×2 windows, stride 2: the window's top-left input cell
        r, col = 2 * r, 2 * col
    assert step.kind in ("maxpool2d", "relu"), step.kind
    return float(lesson.tensor(k, layer, "grad_input")[n, c, r, col])


def test_the_course_is_its_chapters_each_a_lesson_with_its_questions() -> None:
    chapters = stepcnn.course()
    assert len(chapters) == 7 and chapters[0].number == 1
    model = load_course(None, inline_names())
    total = 0
    for chapter, mine in zip(chapters, model.chapters, strict=True):
        assert isinstance(chapter, Chapter) and chapter.title == mine.title
        assert isinstance(chapter.lesson, Lesson)
        assert chapter.lesson.scenario.name == mine.scenario.name
        assert [q.step for q in chapter.questions] == [s.k for s in mine.checkpoints]
        for q, stop in zip(chapter.questions, mine.checkpoints, strict=True):
            expected = by_another_road(chapter.lesson, stop)
            assert q.answer == pytest.approx(expected, rel=1e-12, abs=1e-12), (chapter.number, q)
            assert stop.checkpoint is not None and q.prompt == stop.checkpoint.prompt
            total += 1
    assert total >= 12


def test_forward_answers_are_the_steps_own_value() -> None:
    for chapter in stepcnn.course():
        for q in chapter.questions:
            step = chapter.lesson.step(q.step)
            if step.phase == "forward":
                assert q.answer == step.value


def test_answers_worked_out_by_hand() -> None:
    ch = stepcnn.course()
    # Chapter 1, hand-computable's first cell: patch [[2,0,1],[0,2,0],[1,0,2]] ⊙ filter
    # [[1,0,−1],[0,2,0],[−1,0,1]] = 2 − 1 + 4 − 1 + 2 = 6, plus the bias 1.
    assert ch[0].questions[0].answer == 7
    # Chapter 2: the patch holds the 3 at its centre and eight 1s: 8·3 − 8·1.
    assert ch[1].questions[0].answer == 16
    # Chapter 5, shared-weights-3x3: x = [[1,0,2],[0,1,1],[2,1,0]], g = [[1,−1],[2,1]].
    # dW[0,1,1] after position (0,0): 1·x[1,1] = 1; after (0,1) and (1,0):
    # 1 + (−1)·x[1,2] + 2·x[2,1] = 1 − 1 + 2 = 2. dW[1,0] = 0·1 − 1·1 + 2·2 + 1·1 = 4, so
    # W[0,1,0] ← 1 − 0.05·4 = 0.8.
    assert [q.answer for q in ch[4].questions] == pytest.approx([1, 2, 0.8], abs=1e-12)
    # Chapter 4: the label is 1, so dL/dz1 = p1 − 1 < 0; ReLU's gate at a conv output of −2.5.
    first, *_, gate = ch[3].questions
    assert -1 < first.answer < 0 and gate.answer == 0


def test_check_accepts_the_answer_at_the_precision_shown_and_refuses_another() -> None:
    for chapter in stepcnn.course():
        for q in chapter.questions:
            shown = f"{q.answer:.{q.decimals}f}"
            assert q.check(float(shown)) and q.check(shown), (chapter.number, q.answer, shown)
            assert q.check(shown.replace("-", "\u2212"))  # a real minus sign too
            off = max(2 * 10.0**-q.decimals, 0.02 * abs(q.answer))
            assert not q.check(q.answer + off) and not q.check(q.answer - off)
            assert not q.check("a lot")


def test_a_question_has_the_arithmetic_that_gives_its_answer() -> None:
    q = stepcnn.course()[4].questions[1]
    assert isinstance(q, Question)
    assert q.asks == "dW[0][0,1,1] after this step"
    assert q.working == "dW[0][0,1,1] = 0.0 + g·patch[0,1,1] = 0.0 + 2.0·1.0 = 2.0"


def test_a_weight_question_works_the_update_at_its_own_cell() -> None:
    # Chapter 5's last checkpoint asks W[0][0,1,0] (not the filter's first cell): W = 1,
    # η = 0.05, dW = 4 (worked out above), so 1 − 0.05·4 = 0.8.
    q = stepcnn.course()[4].questions[2]
    assert q.asks == "W[0][0,1,0] after the update"
    assert q.working == "W[0][0,1,0] ← 1.0 − 0.05·4.0 = 0.8"


def test_a_course_file_of_ones_own_and_a_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'title = "Mine"\n[[chapters]]\ntitle = "One"\nscenario = "tour"\ngoals = ["g"]\n'
        'intro = "i"\n[[chapters.checkpoints]]\nop = "cross_entropy.mean"\nprompt = "L?"\n',
        encoding="utf-8",
    )
    (chapter,) = stepcnn.course(path)
    (q,) = chapter.questions
    assert q.answer == pytest.approx(
        float(np.mean(chapter.lesson.tensor(q.step, None, "per_sample")))
    )
    path.write_text(path.read_text(encoding="utf-8").replace('"tour"', "3"), encoding="utf-8")
    with pytest.raises(stepcnn.ScenarioError, match=r"chapters\[0\]\.scenario: must be a string"):
        stepcnn.course(path)


def test_the_function_survives_the_courses_package_being_imported() -> None:
    # (importing a package stepcnn.course would set the attribute stepcnn.course to it)
    import stepcnn.courses.walk

    assert callable(stepcnn.course)
