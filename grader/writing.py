"""Writing report files so that a reader never sees half of one, and checking first that they can be written
where they belong."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from grader.exits import UsageError
from grader.report import inert
from grader.text import clean


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename; an unwritable path is a usage error.

    The parent folder must exist: a typo in a path is the instructor's to see, not a new folder to make.
    Whatever happens, no temporary file is left behind.
    """
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(clean(text))  # a student's string that reached a report must not fail its write
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        raise UsageError(f"cannot write {inert.line(path)}: {error.strerror}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def check_file(path: Path, flag: str) -> None:
    """A usage error, before any grading, unless a file can be written at `path` (its folder exists)."""
    path = Path(path)
    what = f"cannot write {flag} {inert.line(path)}"
    if path.is_dir():
        raise UsageError(f"{what}: it is a folder; name a file")
    _check_folder(path.parent, f"{what}: its folder {inert.line(path.parent)}")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{what}: permission denied")


def check_folder(path: Path, flag: str) -> None:
    """A usage error unless `path` is a writable folder, or can be made one in a folder that exists."""
    path = Path(path)
    what = f"cannot write {flag} {inert.line(path)}"
    if path.exists() or path.is_symlink():
        _check_folder(path, f"{what}: it")
    else:
        _check_folder(path.parent, f"{what}: its parent folder {inert.line(path.parent)}")


def _check_folder(folder: Path, what: str) -> None:
    if not folder.is_dir():
        raise UsageError(f"{what} does not exist or is not a folder (the grader makes no missing folders)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{what} is not writable (permission denied)")


def check_apart(klass: Path, out: Path) -> None:
    """The class and --out do not hold each other: a student's folder must never double as the output
    folder, where a planted result.json would be taken for the batch's own."""
    inner, outer = os.path.realpath(klass), os.path.realpath(out)
    if inner == outer or outer.startswith(inner.rstrip(os.sep) + os.sep):
        raise UsageError(f"--out {inert.line(out)} is inside the class folder {inert.line(klass)}; "
                         "write the reports to a folder outside it")
    if inner.startswith(outer.rstrip(os.sep) + os.sep):
        raise UsageError(f"the class folder {inert.line(klass)} is inside --out {inert.line(out)}; "
                         "write the reports to a folder of their own")


def append(path: Path, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
    except OSError as error:
        raise UsageError(f"cannot append to {path}: {error.strerror}") from None
