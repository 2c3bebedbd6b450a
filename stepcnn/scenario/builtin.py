"""The built-in scenario library (the top-level ``scenarios/`` folder).

In a wheel the folder is packaged as ``stepcnn/_scenarios``; in a source checkout or an
editable install it is read where it stands.
"""

import tomllib
from pathlib import Path

DEFAULT = "tour"
"""What ``stepcnn`` and ``make run`` open when no scenario is named."""

ORDER = (
    "tour",
    "hand-computable",
    "sparse-connectivity",
    "shared-weights",
    "conv-is-a-layer",
    "fc-to-filters",
    "two-conv",
    "maxpool-routing",
    "avg-vs-max",
    "edge-detector",
    "rgb-stride-padding",
    "digits",
    "lenet5",
    "diverging",
    "dead-relu",
    "batchnorm",
    "dropout",
    "adam-vs-sgd",
)
"""Library order: the learner's path. Scenarios not listed follow alphabetically."""


def folder(name: str) -> Path:
    """A folder of built-in files: ``stepcnn/_<name>`` in a wheel, else the source tree's
    top-level ``<name>/``."""
    packaged = Path(__file__).resolve().parent.parent / f"_{name}"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / name


def directory() -> Path:
    return folder("scenarios")


def paths() -> list[Path]:
    """Every built-in scenario file, in library order."""
    found = {p.stem: p for p in directory().glob("*.toml")}
    ordered = [found.pop(name) for name in ORDER if name in found]
    return ordered + [found[name] for name in sorted(found)]


def names() -> list[str]:
    return [p.stem for p in paths()]


def find(name: str) -> Path | None:
    return next((p for p in paths() if p.stem == name), None)


_TITLES: dict[Path, tuple[tuple[int, int], str]] = {}
"""Titles read, by file, with the file's (modification time in ns, size) when read."""


def title_of(path: Path) -> str:
    """The ``title`` of a built-in file, read without full validation (for listings); read
    again only once the file has changed (parsing the library's files takes ~90 ms: the
    scenario picker and the command palette list them all)."""
    try:
        seen = path.stat()
        stamp = (seen.st_mtime_ns, seen.st_size)
        known = _TITLES.get(path)
        if known is not None and known[0] == stamp:
            return known[1]
        title = tomllib.loads(path.read_text(encoding="utf-8")).get("title", "")
    except (OSError, ValueError):
        return "(unreadable)"
    _TITLES[path] = (stamp, title if isinstance(title, str) else "")
    return _TITLES[path][1]
