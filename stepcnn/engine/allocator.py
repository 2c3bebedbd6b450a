"""The C allocator's policy for large arrays: keep freed memory for the next iteration.

Every training iteration allocates the same large arrays again (patch matrices, gradients).
By default glibc's ``malloc`` hands large freed blocks back to the system and maps them anew
on the next request, and each fresh 4 KiB page then costs a page fault — a few microseconds
each on a virtual machine, hundreds of them per iteration. Two ``mallopt`` settings keep that
memory instead: blocks up to ``MMAP_THRESHOLD`` come from the heap, and the heap is trimmed
only once ``TRIM_THRESHOLD`` of it lies free at its top. The settings apply to the whole
process; without glibc (macOS, musl) nothing changes.
"""

M_TRIM_THRESHOLD = -1  # mallopt parameter numbers, from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 16 * 2**20
"""Arrays up to this many bytes come from the heap (larger ones are mapped on their own)."""
TRIM_THRESHOLD = 32 * 2**20
"""Free memory kept at the top of the heap before it is handed back."""

_done: list[bool] = []


def keep_freed_memory() -> bool:
    """Set the allocator policy above (once per process); ``True`` where glibc took it."""
    if not _done:
        _done.append(_set_thresholds())
    return _done[0]


def _set_thresholds() -> bool:
    import ctypes  # only here: not needed to import the engine

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
