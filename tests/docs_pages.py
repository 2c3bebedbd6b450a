"""The documentation's pages as text, for the tests that hold them to the program."""

import re
from pathlib import Path

from markdown.extensions.toc import slugify

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def pages() -> dict[str, str]:
    """Every page of the site, by its path under docs/ (``reference/keys.md``)."""
    return {
        p.relative_to(DOCS).as_posix(): text(p)
        for p in sorted(DOCS.rglob("*.md"))
        if "gen" not in p.relative_to(DOCS).parts
    }


def written_pages() -> dict[str, str]:
    """The pages written by hand (not generated, not an include of a file at the top)."""
    return {
        name: body
        for name, body in pages().items()
        if not name.startswith("reference/") and not body.startswith("--8<--")
    }


def page(name: str) -> str:
    return text(DOCS / name)


def section(body: str, title: str, level: int = 2) -> str:
    marks = "#" * level
    match = re.search(
        rf"^{marks} {re.escape(title)}\n(.*?)(?=^#{{1,{level}}} |\Z)", body, re.M | re.S
    )
    assert match, f"no '{marks} {title}' section"
    return match.group(1)


def anchors(body: str) -> set[str]:
    """The anchors of a page's headings, as mkdocs makes them."""
    found = set()
    inside = False
    for line in body.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif not inside and (match := re.match(r"^#+ (.*)$", line)):
            found.add(slugify(re.sub(r"`", "", match.group(1)), "-"))
    return found


def shown_runs(body: str) -> list[tuple[str, list[str]]]:
    """Every ``$ stepcnn …`` line of a page's code blocks with the lines shown under it
    (up to the next ``$`` line or the block's end)."""
    runs: list[tuple[str, list[str]]] = []
    inside = False
    current: list[str] | None = None
    for line in body.splitlines():
        if line.startswith("```"):
            inside, current = not inside, None
        elif inside and line.startswith("$ "):
            current = []
            runs.append((line[2:], current))
        elif inside and current is not None:
            current.append(line)
    return runs
