"""The learner's progress: ``$XDG_STATE_HOME/stepcnn/progress.json`` (default
``~/.local/state/stepcnn/progress.json``), one entry per course.

Per course: the chapters done, the checkpoints answered and passed (by their place among the
chapter's checkpoints, from 0), and where the learner stopped (a chapter number and a step
from 0). Written whole and atomically (a temporary file, then ``os.replace``), versioned.

A file that cannot be read as progress (not JSON, another version, wrong types) is left as it
is — never overwritten — and the session runs on fresh progress kept in memory only, with one
warning; ``reset`` (``stepcnn learn --reset``) replaces it. A folder that cannot be written:
one warning, the course runs, nothing is saved.
"""

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stepcnn.scenario.fields import is_index_list

VERSION = 1
MAX_BYTES = 4 * 2**20


def default_path() -> Path:
    """``$XDG_STATE_HOME/stepcnn/progress.json``; a relative or empty XDG_STATE_HOME is
    ignored, as the XDG specification says."""
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if state and Path(state).is_absolute() else Path.home() / ".local/state"
    return base / "stepcnn" / "progress.json"


@dataclass
class ChapterProgress:
    answered: set[int] = field(default_factory=set)
    passed: set[int] = field(default_factory=set)
    done: bool = False


@dataclass
class CourseProgress:
    chapters: dict[int, ChapterProgress] = field(default_factory=dict)  # by chapter number
    chapter: int | None = None  # where the learner stopped (a chapter number, from 1)
    step: int | None = None  # and the step there (from 0)

    def of(self, number: int) -> ChapterProgress:
        return self.chapters.setdefault(number, ChapterProgress())

    def is_done(self, number: int) -> bool:
        found = self.chapters.get(number)
        return found is not None and found.done


class BadProgress(ValueError):
    """The file's content is not progress this version can read."""


def _numbers(value: Any, what: str) -> set[int]:
    if not is_index_list(value):
        raise BadProgress(f"{what} must be a list of non-negative integers")
    return set(value)


def _position(value: Any, what: str, least: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise BadProgress(f"{what} must be an integer of at least {least}")
    return value


def course_from_json(data: Any, name: str) -> CourseProgress:
    if not isinstance(data, dict):
        raise BadProgress(f'courses["{name}"] must be an object')
    chapters = data.get("chapters", {})
    if not isinstance(chapters, dict):
        raise BadProgress(f'courses["{name}"].chapters must be an object')
    progress = CourseProgress()
    for key, value in chapters.items():
        if not key.isdigit() or int(key) < 1 or not isinstance(value, dict):
            raise BadProgress(f'courses["{name}"].chapters: "{key}" is not a chapter number')
        done = value.get("done", False)
        if not isinstance(done, bool):
            raise BadProgress(f"chapter {key}: done must be true or false")
        progress.chapters[int(key)] = ChapterProgress(
            _numbers(value.get("answered", []), f"chapter {key}: answered"),
            _numbers(value.get("passed", []), f"chapter {key}: passed"),
            done,
        )
    progress.chapter = _position(data.get("chapter"), "chapter", 1)
    progress.step = _position(data.get("step"), "step", 0)
    return progress


def course_to_json(progress: CourseProgress) -> dict[str, Any]:
    return {
        "chapters": {
            str(n): {
                "done": c.done,
                "answered": sorted(c.answered),
                "passed": sorted(c.passed),
            }
            for n, c in sorted(progress.chapters.items())
        },
        "chapter": progress.chapter,
        "step": progress.step,
    }


class ProgressStore:
    """The progress file: read once, written whole after every change."""

    def __init__(self, path: Path | None = None, *, memory: bool = False) -> None:
        self.path = path or default_path()
        self.memory = memory  # nothing is read or written
        self.document: dict[str, Any] = {"version": VERSION, "courses": {}}
        self.writable = not memory
        self.unreadable = False  # the file holds something that is not progress: left alone
        self.warning = ""  # the one warning line of this session (empty: none)

    @staticmethod
    def in_memory() -> "ProgressStore":
        """Progress that lasts as long as the session: nothing read, nothing written (a
        browser tab of ``stepcnn serve --course``)."""
        return ProgressStore(memory=True)

    def _warn(self, text: str) -> str:
        self.writable = False
        if not self.warning:
            self.warning = f"stepcnn learn: warning: {text}"
        return self.warning

    def load(self, name: str) -> CourseProgress:
        """The progress of course ``name`` (fresh when there is none, or it cannot be read:
        then ``warning`` says why, and nothing will be written)."""
        if self.memory:
            return CourseProgress()
        try:
            raw = self._read()
        except (OSError, BadProgress, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.unreadable = True
            self._warn(
                f"{self.path}: {reason}; the course starts afresh and this session's progress "
                "is not saved (the file is left as it is; stepcnn learn --reset replaces it)"
            )
            return CourseProgress()
        if raw is None:
            self._check_folder()
            return CourseProgress()
        self.document = raw
        self._check_folder()
        found = raw["courses"].get(name)
        if found is None:
            return CourseProgress()
        try:
            return course_from_json(found, name)
        except BadProgress as exc:
            self.unreadable = True
            self._warn(
                f"{self.path}: {exc}; the course starts afresh and this session's progress is "
                "not saved (the file is left as it is; stepcnn learn --reset replaces it)"
            )
            return CourseProgress()

    def _read(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        if not self.path.is_file():
            raise BadProgress("is not a regular file")
        with self.path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise BadProgress("is larger than 4 MiB: not progress")
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadProgress(f"is not JSON ({exc})") from None
        if not isinstance(document, dict) or document.get("version") != VERSION:
            found = document.get("version") if isinstance(document, dict) else None
            raise BadProgress(f"is not stepcnn progress of version {VERSION} (version: {found})")
        if not isinstance(document.get("courses"), dict):
            raise BadProgress("has no courses object")
        return document

    def _check_folder(self) -> None:
        """Warn now, before the course starts, when the progress cannot be saved."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._warn(
                f"cannot keep progress in {folder}: {exc.strerror or exc}; progress is not saved"
            )
            return
        if not os.access(folder, os.W_OK) or (
            self.path.exists() and not os.access(self.path, os.W_OK)
        ):
            self._warn(f"cannot write {self.path}: permission denied; progress is not saved")

    def save(self, name: str, progress: CourseProgress) -> str:
        """Write the file with ``progress`` for course ``name``; the warning (once, the first
        time saving fails) or ""."""
        if not self.writable:
            return ""
        self.document.setdefault("courses", {})[name] = course_to_json(progress)
        return self._write()

    def reset(self, name: str) -> str:
        """Forget course ``name``'s progress (a file that could not be read is replaced)."""
        if self.memory:
            return ""
        if self.unreadable:
            self.document = {"version": VERSION, "courses": {}}
            self.writable, self.unreadable, self.warning = True, False, ""
            self._check_folder()
        self.document.setdefault("courses", {}).pop(name, None)
        return self._write() if self.writable else self.warning

    def _write(self) -> str:
        """Write the file whole; the warning (once) if it cannot be written, else ""."""
        try:
            self._replace()
        except OSError as exc:
            return self._warn(
                f"cannot write {self.path}: {exc.strerror or exc}; progress is not saved"
            )
        return ""

    def _replace(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.document, indent=1, sort_keys=True) + "\n"
        handle, temporary = tempfile.mkstemp(
            prefix=".progress-", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
