"""The learner's progress file and ``stepcnn learn --list`` / ``--reset``.

``$XDG_STATE_HOME/stepcnn/progress.json`` (else ``~/.local/state/…``): written whole and
atomically; a corrupt or unwritable one is one warning line, the course still runs, and the
file is never overwritten by a session that could not read it.
"""

import json
import os
from pathlib import Path

import pytest

from stepcnn.cli import main
from stepcnn.courses.progress import CourseProgress, ProgressStore, default_path


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "stepcnn" / "progress.json"


def learn(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(["learn", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def done_column(lines: list[str]) -> list[str]:
    """``not done`` / ``done`` of each ``--list`` line (number, done or not, title)."""
    return [line.split("  ")[1].strip() for line in lines]


def test_the_state_folder_follows_xdg_and_ignores_a_relative_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_path() == tmp_path / "stepcnn" / "progress.json"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for ignored in ("", "relative/state"):  # the XDG specification: only absolute paths
        monkeypatch.setenv("XDG_STATE_HOME", ignored)
        assert default_path() == tmp_path / "home" / ".local/state/stepcnn/progress.json"


def test_progress_is_written_whole_and_read_back(state: Path) -> None:
    store = ProgressStore()
    progress = store.load("filters")
    assert progress == CourseProgress()  # nothing yet
    progress.of(2).answered |= {0, 1}
    progress.of(2).passed.add(1)
    progress.of(1).done = True
    progress.chapter, progress.step = 2, 17
    assert store.save("filters", progress) == ""
    assert [p.name for p in state.parent.iterdir()] == ["progress.json"]  # no temporary left
    document = json.loads(state.read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert document["courses"]["filters"]["step"] == 17
    again = ProgressStore().load("filters")
    assert again == progress
    assert ProgressStore().load("another course") == CourseProgress()  # one entry per course


def test_a_failed_write_leaves_the_old_file_whole(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProgressStore()
    progress = store.load("filters")
    progress.chapter = 3
    store.save("filters", progress)
    before = state.read_bytes()

    def no_room(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_room)
    progress.chapter = 4
    warning = store.save("filters", progress)
    assert warning.startswith("stepcnn learn: warning: cannot write ")
    assert "No space left on device; progress is not saved" in warning
    assert state.read_bytes() == before
    assert [p.name for p in state.parent.iterdir()] == ["progress.json"]
    assert store.save("filters", progress) == ""  # said once


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "is not JSON"),
        ('{"version": 99, "courses": {}}', "is not stepcnn progress of version 1"),
        ('{"version": 1, "courses": {"filters": {"chapters": {"x": {}}}}}', "not a chapter"),
        ('{"version": 1, "courses": {"filters": {"step": -1}}}', "step must be an integer"),
    ],
)
def test_a_corrupt_file_is_one_warning_the_course_runs_and_the_file_is_kept(
    state: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str
) -> None:
    state.parent.mkdir(parents=True)
    state.write_text(content, encoding="utf-8")
    code, out, err = learn(capsys, "--list")
    assert code == 0 and len(out) == 7 and done_column(out) == ["not done"] * 7
    assert len(err) == 1 and err[0].startswith(f"stepcnn learn: warning: {state}: ")
    assert reason in err[0] and "stepcnn learn --reset replaces it" in err[0]
    assert state.read_text(encoding="utf-8") == content  # nothing else lost
    store = ProgressStore()
    progress = store.load("filters")
    progress.chapter = 2
    assert store.save("filters", progress) == ""  # already warned: not saved, not said again
    assert state.read_text(encoding="utf-8") == content


def test_an_unwritable_folder_is_one_warning_and_the_course_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    code, out, err = learn(capsys, "--list")
    assert code == 0 and len(out) == 7
    assert len(err) == 1 and err[0].startswith("stepcnn learn: warning: cannot keep progress in ")
    assert blocker.read_text(encoding="utf-8") == "a file where the folder should be"


def test_list_shows_every_chapter_and_what_is_done(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = learn(capsys, "--list")
    assert code == 0 and err == []
    assert [line.split()[0] for line in out] == [str(n) for n in range(1, 8)]
    assert done_column(out) == ["not done"] * 7  # a fresh state shows none done
    assert out[0].endswith("A filter is a small matrix that slides")
    store = ProgressStore()
    progress = store.load("filters")
    progress.of(2).done = True
    store.save("filters", progress)
    _, out, _ = learn(capsys, "--list")
    assert done_column(out) == ["not done", "done"] + ["not done"] * 5


def test_reset_forgets_this_course_only_and_replaces_a_corrupt_file(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ProgressStore()
    for name in ("filters", "another"):
        progress = store.load(name)
        progress.of(1).done = True
        store.save(name, progress)
    code, out, err = learn(capsys, "--reset", "--list")
    assert code == 0 and done_column(out) == ["not done"] * 7
    assert err == ['stepcnn learn: progress of "How a CNN\'s filters learn" cleared']
    assert ProgressStore().load("another").is_done(1)  # another course's progress stays
    state.write_text("garbage", encoding="utf-8")
    code, _, err = learn(capsys, "--reset", "--list")
    assert code == 0 and len(err) == 1 and "cleared" in err[0]
    assert json.loads(state.read_text(encoding="utf-8")) == {
        "version": 1,
        "courses": {},
    }
