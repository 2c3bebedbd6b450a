"""Writing a file a command was told to write: never over an existing file unforced, never
through a symbolic link.

Every command that writes a file (``code -o``, ``exercise -o``, ``new``, ``figure -o``, the
screenshot) goes through :func:`write_file`:

- without ``force`` the whole content goes to a temporary file in the same directory, which is
  then hard-linked to the path (``os.link`` refuses any existing name; where the file system
  has no hard links, ``O_CREAT | O_EXCL | O_NOFOLLOW``): an existing file, a symbolic link (a
  dangling one included) or anything else at the path is refused, atomically, and a reader
  never sees half a file;
- with ``force`` the content goes to a temporary file in the same directory that then
  replaces the path (``os.replace``): a reader never sees half a file, and the path's old file
  is replaced, not written into. A symbolic link is refused even then (stepcnn writes only
  the names it is given, never a link's target), and so is a directory.
"""

import contextlib
import os
import stat
import tempfile
from pathlib import Path

NEW_FILE_MODE = 0o644
"""Permissions of a written file (before the umask, for a new one)."""


class WriteRefused(Exception):
    """The file was not written: one line naming the path (exists, a link, a directory, an
    operating-system error)."""


def refusal(path: Path, force: bool) -> str | None:
    """Why ``path`` may not be written (with or without ``force``), or None."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        target = os.readlink(path)
        dangling = "" if os.path.exists(path) else ", which does not exist"
        return (
            f"is a symbolic link (to {target}{dangling}); stepcnn does not write through links, "
            "even with --force: remove it or choose another name"
        )
    if stat.S_ISDIR(info.st_mode):
        return "is a directory"
    if not stat.S_ISREG(info.st_mode):
        return "exists and is not a regular file"
    if not force:
        return "exists; --force overwrites it"
    return None


def write_file(path: Path, data: str | bytes, force: bool = False) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` as described above; :class:`WriteRefused`."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    why = refusal(path, force)
    if why is not None:
        raise WriteRefused(f"{path}: {why}")
    try:
        if force and os.path.lexists(path):
            _replace(path, content)
        else:
            _create(path, content)
    except FileExistsError:  # appeared since the check (O_EXCL): say what it is now
        raise WriteRefused(f"{path}: {refusal(path, force) or 'exists'}") from None
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot write: {exc.strerror or exc}") from None


def _create(path: Path, content: bytes) -> None:
    """A new name for a whole temporary file (``os.link`` refuses an existing name, a link
    included); where the file system has no hard links, ``O_EXCL | O_NOFOLLOW``."""
    temporary = _temporary(path, content)
    try:
        os.chmod(temporary, NEW_FILE_MODE & ~_umask())
        os.link(temporary, path, follow_symlinks=False)
        return
    except FileExistsError:
        raise
    except OSError:
        pass  # no hard links here (a FAT stick, some network shares)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, NEW_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)  # ours: O_EXCL created it
        raise


def _temporary(path: Path, content: bytes) -> str:
    """A temporary file beside ``path`` holding ``content`` (removed again on failure)."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return temporary


def _umask() -> int:
    """The process's umask (read without changing it where /proc tells it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _replace(path: Path, content: bytes) -> None:
    mode = stat.S_IMODE(os.lstat(path).st_mode)  # the file it replaces keeps its permissions
    temporary = _temporary(path, content)
    try:
        os.chmod(temporary, mode)
        os.replace(temporary, path)  # a link put there meanwhile is replaced, not followed
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def free_name(directory: Path, name: str) -> Path:
    """``directory / name``, or ``stem-2.ext``, ``stem-3.ext``, … — the first that nothing
    (no file, no link) holds yet."""
    candidate = directory / name
    stem, suffix = os.path.splitext(name)
    n = 1
    while os.path.lexists(candidate):
        n += 1
        candidate = directory / f"{stem}-{n}{suffix}"
    return candidate
