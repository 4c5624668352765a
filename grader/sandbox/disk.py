"""How much disk and shared memory a child holds: the space rlimits do not bound.

RLIMIT_FSIZE caps one file, not how many; and files in a tmpfs (/dev/shm)
are memory that RLIMIT_AS does not count. The grader asks this a few times
a second while a child runs and stops the child past its budget.
"""
from __future__ import annotations

import os

SHARED_MEMORY = "/dev/shm"
MAX_ENTRIES = 10_000  #: a child that made more files than this is over budget whatever their size


class Full(Exception):
    """The child holds more than its disk budget."""


def usage(scratch: str, uid: int | None) -> int:
    """Bytes allocated under `scratch`, plus the sandbox uid's files in shared memory."""
    total, seen, stack = 0, 0, [scratch]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                return 1 << 62
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    if uid is not None:
        try:
            with os.scandir(SHARED_MEMORY) as entries:
                for entry in entries:
                    info = entry.stat(follow_symlinks=False)
                    if info.st_uid == uid:
                        total += info.st_blocks * 512
        except OSError:
            pass
    return total
