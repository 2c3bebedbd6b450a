"""Containing the learner's code that ``stepcnn verify`` runs (standard library only: the
grader imports it, and :mod:`.verify_child` loads it by path in the learner's process).

The learner's process is started by the grader in a session of its own, with a clean
environment, a fresh temporary working directory and stdin from ``/dev/null``. There it
forks: the parent stays a small *reaper* (a child subreaper on Linux: every process the
learner's code leaves behind, ``setsid`` or not, is adopted by it and killed), the child
puts itself in its own process group, sets its resource limits (:func:`set_limits`) and,
where the kernel has Landlock, shuts itself off from the file system outside the Python
installation, the learner's folder and its temporary folder, from TCP, and from signalling
processes outside itself (:func:`restrict`) — then imports the learner's file.

What is not contained: see ``docs/verify.md`` (it is not a sandbox for hostile code).
"""

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import sysconfig
import time
from pathlib import Path

PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

# Landlock's file-system rights (linux/landlock.h), by the ABI version that brought them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
TREE = sum(1 << b for b in range(4, 13))  # remove, make dir/reg/sock/fifo/char/block/sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
"""The rights a rule on a file (not a directory) may grant."""
NET_TCP = (1 << 0) | (1 << 1)  # bind, connect (ABI 4)
SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract Unix sockets, signals (ABI 6)

READ_ONLY_ROOTS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache")
"""System folders the interpreter and extension modules load from (read and execute)."""
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/sys/devices/system/cpu")
REAP_POLL = 0.05
"""Seconds between the reaper's looks for processes the learner's code left behind."""
SWEEP_DEADLINE = 5.0


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None
    libc.syscall.restype = ctypes.c_long
    return libc


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when there is none (not Linux, too old, off)."""
    libc = _libc()
    if libc is None:
        return 0
    version = libc.syscall(
        ctypes.c_long(LANDLOCK_CREATE_RULESET),
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION),
    )
    return max(int(version), 0)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def handled_rights(abi: int) -> int:
    rights = EXECUTE | WRITE_FILE | READ_FILE | READ_DIR | TREE
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def read_roots(extra: list[str]) -> list[str]:
    """Where the learner's process may read: the Python installation (standard library,
    site-packages), the system's library folders, and ``extra`` (the learner's folder)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots |= {p for p in sysconfig.get_paths().values() if p}
    return sorted({*roots, *READ_ONLY_ROOTS, *extra})


def restrict(read: list[str], write: list[str]) -> int:
    """Landlock this process (and everything it starts): read and execute beneath ``read``,
    everything beneath ``write``, the harmless devices; no TCP (ABI 4), no signals or
    abstract sockets to processes outside (ABI 6). Returns the ABI used, 0 when there is no
    Landlock (nothing restricted). Raises OSError when Landlock is there but refuses."""
    abi = landlock_abi()
    libc = _libc()
    if abi < 1 or libc is None:
        return 0
    handled = handled_rights(abi)
    attr = _RulesetAttr(handled, NET_TCP if abi >= 4 else 0, SCOPE_ALL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(
        ctypes.c_long(LANDLOCK_CREATE_RULESET),
        ctypes.byref(attr),
        ctypes.c_size_t(size),
        ctypes.c_uint32(0),
    )
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        reading = EXECUTE | READ_FILE | READ_DIR
        rules = [(p, reading) for p in read] + [(p, handled) for p in write]
        rules += [(p, READ_FILE | READ_DIR | WRITE_FILE | TRUNCATE | IOCTL_DEV) for p in DEVICES]
        for path, rights in rules:
            _allow(libc, int(ruleset), path, rights & handled)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        done = libc.syscall(
            ctypes.c_long(LANDLOCK_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)
        )
        if done != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(int(ruleset))
    return abi


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this system (no /lib64, no /dev/random): nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        added = libc.syscall(
            ctypes.c_long(LANDLOCK_ADD_RULE),
            ctypes.c_int(ruleset),
            ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
            ctypes.byref(rule),
            ctypes.c_uint32(0),
        )
        if added != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
    finally:
        os.close(fd)


def set_limits(memory: int, cpu: int, file_bytes: int) -> None:
    """Address space (``MemoryError`` past it), CPU seconds (SIGXCPU, then SIGKILL a second
    later), the size of any file written (``OSError: File too large``), no core files, and
    a process count a little above what this user already runs (a fork bomb stops there;
    the kernel does not apply it to root). Soft and hard limits alike: no raising them."""
    import resource

    for which, value in (
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_FSIZE, file_bytes),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    processes = user_tasks()
    if processes is not None and hasattr(resource, "RLIMIT_NPROC"):
        cap = processes + 64
        hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))


def user_tasks() -> int | None:
    """Processes and threads this user runs now (what RLIMIT_NPROC counts), from /proc."""
    uid = os.getuid()
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            total += int(fields.get("Threads", "1"))
    return total


def become_subreaper() -> bool:
    """Orphaned descendants are re-parented to this process instead of init (Linux)."""
    libc = _libc()
    return libc is not None and libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def children(pid: int) -> list[int]:
    """``pid``'s children (what a subreaper adopted included)."""
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(c) for c in listed.split()]
    except OSError:
        pass
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _kill(pid: int, group: int) -> None:
    """SIGKILL ``pid``, and its process group unless that is ``group`` (the reaper's own)."""
    for kill, target in ((os.kill, pid), (os.killpg, _pgid(pid))):
        if target > 0 and target != group:
            with contextlib.suppress(OSError):
                kill(target, signal.SIGKILL)


def _pgid(pid: int) -> int:
    try:
        return os.getpgid(pid)
    except OSError:
        return -1


def reap(worker: int) -> int:
    """The reaper's life: until the worker ends (or SIGTERM ends it), kill every process
    that is left behind and adopted; then kill the worker's group and everything adopted,
    wait for all of them. Returns the worker's exit status as a shell reports it (128 +
    signal)."""
    me, group = os.getpid(), os.getpgrp()

    def stop(signum: int, frame: object) -> None:
        _kill(worker, group)

    signal.signal(signal.SIGTERM, stop)
    status: int | None = None
    while status is None:
        for pid in children(me):
            if pid != worker:
                _kill(pid, group)  # adopted: its parent is gone, so is its purpose
        while True:
            try:
                pid, raw = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid, raw = worker, 0
            if pid == 0:
                break
            if pid == worker:
                status = os.waitstatus_to_exitcode(raw)
                break
        if status is None:
            time.sleep(REAP_POLL)
    with contextlib.suppress(OSError):
        os.killpg(worker, signal.SIGKILL)  # its group: children it did not leave
    deadline = time.monotonic() + SWEEP_DEADLINE
    while time.monotonic() < deadline:
        for pid in children(me):
            _kill(pid, group)
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break  # nothing left
        time.sleep(0.01)
    return 128 - status if status < 0 else status
