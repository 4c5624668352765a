"""How much disk and shared memory a child holds: the space rlimits do not bound.

RLIMIT_FSIZE caps one file, not how many; files in a tmpfs (/dev/shm) are
memory that RLIMIT_AS does not count; and a file held open after it was
unlinked is in no folder at all. The grader asks this a few times a second
while a child runs and stops the child past its budget.
"""
from __future__ import annotations

import os
import stat

from grader.sandbox import lifetime

SHARED_MEMORY = "/dev/shm"
MAX_ENTRIES = 10_000  #: a child that made more files than this is over budget whatever their size
OVER = 1 << 62


class Full(Exception):
    """The child holds more than its disk budget."""


def usage(scratch: str, uid: int | None) -> int:
    """Bytes allocated under `scratch`, in the sandbox uid's files in shared memory, and in the
    regular files its processes hold open (unlinked ones included); each file counted once."""
    seen: set[tuple[int, int]] = set()
    total = _walk(scratch, None, seen)
    if uid is not None:
        total += _walk(SHARED_MEMORY, uid, seen) + _open_files(uid, seen)
    return total


def _walk(folder: str, uid: int | None, seen: set) -> int:
    total, stack = 0, [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if len(seen) > MAX_ENTRIES:
                return OVER
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if uid is not None and info.st_uid != uid:
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            total += _count(info, seen)
    return total


def _open_files(uid: int, seen: set) -> int:
    """Regular files and memfds the uid's processes hold open; they are few (RLIMIT_NPROC)."""
    total = 0
    for pid in lifetime.leftovers(uid):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                info = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                total += _count(info, seen)
    return total


def _count(info: os.stat_result, seen: set) -> int:
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return 0
    seen.add(key)
    return info.st_blocks * 512
