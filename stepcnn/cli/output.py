"""Where a command's text goes: standard output, or a file it will not overwrite unforced."""

import sys
from pathlib import Path

from stepcnn.base.usage import UsageError


def write_text(text: str, target: Path | None, force: bool, prog: str) -> None:
    """Print ``text``, or write it to ``target`` (refusing to overwrite unless ``force``)."""
    if target is None:
        sys.stdout.write(text)
        return
    if target.is_dir():
        raise UsageError(f"{prog}: {target}: is a directory")
    if target.exists() and not force:
        raise UsageError(f"{prog}: {target}: exists; --force overwrites it")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{prog}: {target}: cannot write: {exc.strerror}") from None
    print(f"wrote {target}", file=sys.stderr)
