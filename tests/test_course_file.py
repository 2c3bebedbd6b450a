"""Course files: validated as strictly as scenarios, every problem one line naming the field.

A stop or a checkpoint is pinned by the operation and the element it computes (``op``,
``index``, ``iteration``, ``layer``) or by ``step``; one that matches no step is a problem
naming the field that does not match. The expected step numbers are worked out here from the
scenario's shape (hand-computable: 9 conv2d cells, 9 mse cells, the mean, then backward).
"""

from pathlib import Path

import pytest

from stepcnn.cli import main
from stepcnn.courses.loader import load_course
from stepcnn.present.views import inline_names
from stepcnn.scenario import ScenarioError

CHAPTER = """
[[chapters]]
title = "One cell"
scenario = "hand-computable"
goals = ["compute a cell"]
intro = "A 5×5 image."
{extra}
[[chapters.checkpoints]]
op = "conv2d.forward"
index = [0, 0, 0, 1]
prompt = "The second cell?"
{checkpoint}
"""


def course_text(extra: str = "", checkpoint: str = "", top: str = "") -> str:
    return f'title = "Mine"\n{top}\n' + CHAPTER.format(extra=extra, checkpoint=checkpoint)


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_course(str(write(tmp_path, text)), inline_names())
    return caught.value.lines()


def test_a_good_course_pins_its_checkpoint_to_the_step_named_by_op_and_index(
    tmp_path: Path,
) -> None:
    course = load_course(str(write(tmp_path, course_text())), inline_names())
    (chapter,) = course.chapters
    (stop,) = chapter.stops
    assert stop.k == 1  # the conv layer's cells come first, row by row: [0,0,0,1] is the 2nd
    assert chapter.scenario.name == "hand-computable"
    assert chapter.precision == 3  # none given: the scenario's own ([display] precision = 3)
    assert stop.checkpoint is not None and stop.checkpoint.ask == "result"
    assert course.name == str((tmp_path / "mine.toml").resolve())  # progress is kept under it


def test_iteration_and_step_pin_the_same_step(tmp_path: Path) -> None:
    # One iteration of hand-computable is 76 / 2 = 38 steps; the second iteration's [0,0,0,1]
    # is step 38 + 1 = 39 from 0, which the screen calls 40.
    by_op = load_course(str(write(tmp_path, course_text(checkpoint="iteration = 2"))), [])
    text = course_text().replace('op = "conv2d.forward"\nindex = [0, 0, 0, 1]', "step = 40")
    by_step = load_course(str(write(tmp_path, text, "by-step.toml")), [])
    assert by_op.chapters[0].stops[0].k == by_step.chapters[0].stops[0].k == 39


@pytest.mark.parametrize(
    ("checkpoint", "field", "words"),
    [
        ("iteration = 3", "iteration", "trains 2 iterations, got 3"),
        ("layer = 1", "layer", "matches no step of hand-computable in layer 1"),
        ('ask = "weight"', "ask", '"weight" needs an update step'),
        ('ask = "dW"', "ask", "needs a conv2d or linear backward step"),
        ('view = "nope"', "view", "must be one of"),
        ("colour = 1", "colour", "unknown key"),
        ("step = 3", "step", "give either step or op, index, not both"),
    ],
)
def test_a_checkpoint_that_matches_no_step_names_its_field(
    tmp_path: Path, checkpoint: str, field: str, words: str
) -> None:
    lines = problems(tmp_path, course_text(checkpoint=checkpoint))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{tmp_path / 'mine.toml'}: chapters[0].checkpoints[0].{field}: ")
    assert words in lines[0]


def test_an_index_outside_the_operation_says_which_indices_it_takes(tmp_path: Path) -> None:
    text = course_text().replace("index = [0, 0, 0, 1]", "index = [0, 0, 3, 0]")
    (line,) = problems(tmp_path, text)
    assert "chapters[0].checkpoints[0].index: matches no step of hand-computable" in line
    assert "takes indices [0..0, 0..0, 0..2, 0..2], got [0, 0, 3, 0]" in line


def test_an_operation_the_scenario_lacks_lists_the_ones_it_has(tmp_path: Path) -> None:
    text = course_text().replace('op = "conv2d.forward"', 'op = "relu.forward"')
    (line,) = problems(tmp_path, text)
    assert "chapters[0].checkpoints[0].op: matches no step of hand-computable" in line
    assert "conv2d.forward" in line and "mse.mean" in line


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ('goals = "one"', "goals", "must be a list of strings"),
        ("precision = 9", "precision", "must be at most 6, got 9"),
        ('scenario = "no-such"', "scenario", "does not load"),
        ("exercise = 1", "exercise", "true or false"),
    ],
)
def test_a_bad_chapter_field_is_named(tmp_path: Path, extra: str, field: str, words: str) -> None:
    text = course_text(extra=extra)
    key = extra.split(" = ")[0]
    if key in ("goals", "scenario"):  # replace the chapter's own line
        text = "\n".join(line for line in text.splitlines() if not line.startswith(f"{key} ="))
        text = text.replace('title = "One cell"', f'title = "One cell"\n{extra}')
    lines = problems(tmp_path, text)
    assert len(lines) == 1, lines
    assert f": chapters[0].{field}: " in lines[0] and words in lines[0]


def test_two_stops_on_one_step_are_refused(tmp_path: Path) -> None:
    text = course_text() + '[[chapters.stops]]\nop = "conv2d.forward"\nindex = [0, 0, 0, 1]\n'
    text += 'text = "again"\n'
    (line,) = problems(tmp_path, text)
    assert "chapters[0].checkpoints[0]: pins step 2 (conv2d.forward[0,0,0,1], iteration 1)" in line
    assert "as chapters[0].stops[0] does: one stop a step" in line


def test_a_cell_outside_the_filter_is_refused(tmp_path: Path) -> None:
    text = course_text().replace(
        'op = "conv2d.forward"\nindex = [0, 0, 0, 1]', 'op = "conv2d.backward"'
    )
    (line,) = problems(
        tmp_path,
        text.replace('prompt = "The second cell?"', 'prompt = "dW?"\nask = "dW"\ncell = [0, 3, 0]'),
    )
    assert "chapters[0].checkpoints[0].cell: must be a cell of W[f], shape 1×3×3" in line


def test_a_course_without_chapters_or_title_is_refused(tmp_path: Path) -> None:
    lines = problems(tmp_path, "chapters = []\n")
    assert any(": title: " in line for line in lines)
    assert any(": chapters: must list at least one chapter" in line for line in lines)


def test_a_broken_course_file_exits_2_with_one_line_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = write(tmp_path, course_text(checkpoint="iteration = 3"))
    assert main(["learn", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.splitlines() == [
        f"{path}: chapters[0].checkpoints[0].iteration: hand-computable trains 2 iterations, got 3"
    ]
    assert not (tmp_path / "state").exists()  # nothing written for a course that does not load


def test_not_toml_and_no_such_course_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "title = \n")
    assert main(["learn", str(path)]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1
    assert main(["learn", "filtres"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "no such course file or built-in course" in line and "filters" in line


def test_a_chapter_scenario_is_found_beside_the_course_file(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parent.parent / "scenarios" / "hand-computable.toml"
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "mine.toml").write_text(scenario.read_text(encoding="utf-8"))
    text = course_text().replace('scenario = "hand-computable"', 'scenario = "lessons/mine.toml"')
    course = load_course(str(write(tmp_path, text)), [])
    assert course.chapters[0].ref == str((tmp_path / "lessons" / "mine.toml").resolve())


def test_the_built_in_course_has_seven_chapters_in_the_learners_order() -> None:
    course = load_course(None, inline_names())
    titles = [c.title for c in course.chapters]
    assert len(titles) == 7
    words = ["slides", "Sparse connectivity", "fully connected layer", "back to the filters"]
    words += ["dW = Σ g·patch", "Many iterations", "Write it yourself"]
    assert all(w in t for w, t in zip(words, titles, strict=True)), titles
    assert sum(len(c.checkpoints) for c in course.chapters) >= 12
    assert all(c.checkpoints or c.exercise for c in course.chapters)
    assert [c.exercise for c in course.chapters] == [False] * 6 + [True]
