"""Listing titles: each file read once, and again once it has changed."""

import os
from pathlib import Path

from stepcnn.scenario.builtin import title_of


def test_a_title_is_read_again_once_its_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('title = "First"\n', encoding="utf-8")
    assert title_of(path) == "First"
    assert title_of(path) == "First"  # (from memory)
    seen = path.stat()
    path.write_text('title = "Other"\n', encoding="utf-8")  # the same size, a later time
    os.utime(path, ns=(seen.st_atime_ns, seen.st_mtime_ns + 1_000_000))
    assert title_of(path) == "Other"
    path.write_text('title = "Longer now"\n', encoding="utf-8")
    assert title_of(path) == "Longer now"
    path.write_text("title = [", encoding="utf-8")
    assert title_of(path) == "(unreadable)"
    path.unlink()
    assert title_of(path) == "(unreadable)"
