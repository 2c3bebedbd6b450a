"""``python -m docs.gen``: write every generated page; ``--check``: name the stale ones, exit 1."""

import sys
from collections.abc import Callable
from pathlib import Path

from docs.gen import cli_page, keys_page, packages_page, scenario_page

ROOT = Path(__file__).resolve().parents[2]


def pages() -> dict[Path, Callable[[], str]]:
    """Each generated file and what makes it (from the file as it is, for CONTRIBUTING)."""
    contributing = ROOT / "CONTRIBUTING.md"
    return {
        ROOT / "docs/reference/keys.md": keys_page.page,
        ROOT / "docs/reference/scenario.md": scenario_page.page,
        ROOT / "docs/reference/cli.md": cli_page.page,
        ROOT / "docs/reference/packages.md": packages_page.page,
        contributing: lambda: packages_page.with_map(contributing.read_text(encoding="utf-8")),
    }


def stale() -> list[Path]:
    """The generated files whose text is not what the code makes now."""
    return [
        path
        for path, make in pages().items()
        if not path.exists() or path.read_text(encoding="utf-8") != make()
    ]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        old = stale()
        for path in old:
            print(f"{path.relative_to(ROOT)}: stale; run make docs-gen", file=sys.stderr)
        return 1 if old else 0
    for path, make in pages().items():
        text = make()
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
