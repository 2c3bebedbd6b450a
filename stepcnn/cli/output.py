"""Where a command's text goes: standard output, or a file it will not overwrite unforced."""

import sys
from pathlib import Path

from stepcnn.base.usage import UsageError


def write_text(text: str, target: Path | None, force: bool, prog: str) -> None:
    """Print ``text``, or write it to ``target`` (see :mod:`stepcnn.io.files`: no overwrite
    unless ``force``, never through a symbolic link)."""
    from stepcnn.io.files import WriteRefused, write_file

    if target is None:
        sys.stdout.write(text)
        return
    try:
        write_file(target, text, force)
    except WriteRefused as exc:
        raise UsageError(f"{prog}: {exc}") from None
    print(f"wrote {target}", file=sys.stderr)
