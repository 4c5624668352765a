"""Writing report files so that a reader never sees half of one."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from grader.exits import UsageError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename; an unwritable path is a usage error."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None


def append(path: Path, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
    except OSError as error:
        raise UsageError(f"cannot append to {path}: {error.strerror}") from None
