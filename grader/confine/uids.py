"""A sandbox uid of its own for each grading process, never shared with another.

Processes of one uid can signal each other and share one RLIMIT_NPROC
count, and the grader kills a child's leftovers by uid: two graders running
at once (a batch) must never hold the same one. Each takes the first free
uid of a range by locking a file for as long as it lives; the kernel drops
the lock when the process dies, however it dies.
"""
from __future__ import annotations

import fcntl
import os
import tempfile

FIRST = 64000  #: below 65534 (nobody) and within the 16-bit range plain Docker maps
COUNT = 1000


def _base() -> int:
    try:
        base = int(os.environ.get("GRADER_SANDBOX_UID", FIRST))
    except ValueError:
        base = FIRST
    return base if 0 < base < 2**32 - COUNT - 1 else FIRST


def _lock_dir() -> str:
    """A folder only root may write, so no child can take or fake a lock."""
    path = os.path.join(tempfile.gettempdir(), f"backprop-grader-uids-{os.geteuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.lstat(path)
    if info.st_uid != os.geteuid() or info.st_mode & 0o077 or not os.path.isdir(path):
        raise RuntimeError(f"{path} must be a folder of the grader's own user with mode 700")
    return path


_held: list[tuple[int, int]] = []  # (uid, fd of its lock), for this process's lifetime


def claim() -> int:
    """This process's sandbox uid, claimed once and kept until the process ends."""
    if _held:
        return _held[0][0]
    folder, base = _lock_dir(), _base()
    start = os.getpid() % COUNT  # concurrent graders start their search apart
    for offset in range(COUNT):
        uid = base + (start + offset) % COUNT
        fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _held.append((uid, fd))
        return uid
    raise RuntimeError(f"all {COUNT} sandbox uids from {base} are in use by other graders")
