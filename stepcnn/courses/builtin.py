"""The built-in courses (the top-level ``courses/`` folder; ``stepcnn/_courses`` in a wheel)."""

import tomllib
from pathlib import Path

from stepcnn.scenario.builtin import folder

DEFAULT = "filters"
"""What ``stepcnn learn`` opens when no course is named."""


def directory() -> Path:
    return folder("courses")


def names() -> list[str]:
    return sorted(p.stem for p in directory().glob("*.toml"))


def find(name: str) -> Path | None:
    path = directory() / f"{name}.toml"
    return path if path.is_file() else None


def chapter_scenarios(name: str = DEFAULT) -> list[tuple[str, str]]:
    """``(chapter title, scenario name)`` of a built-in course, read without validation (for
    the scenario picker's groups); empty when it cannot be read."""
    path = find(name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return []
    chapters = data.get("chapters", [])
    found = []
    for chapter in chapters if isinstance(chapters, list) else []:
        if isinstance(chapter, dict):
            title, scenario = chapter.get("title"), chapter.get("scenario")
            if isinstance(title, str) and isinstance(scenario, str):
                found.append((title, scenario))
    return found
