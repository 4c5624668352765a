"""Find a submission on disk and turn it into the code cells a child runs.

A submission is one such file, or a folder holding exactly one of them:
`backprop.py` or one notebook (a folder with both is refused: the grader
would have to guess which one is the work). Notebooks are read with nbformat; IPython magics
and shell escapes are never run: they are dropped here, with a note.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from grader import parsing
from grader import text as text_module
from grader.report import inert

MODULE_NAME = "backprop.py"
MAX_SOURCE_BYTES = 5 * 1024 * 1024


class SubmissionError(Exception):
    """The path given is not a gradable submission; the message says why."""


@dataclass(frozen=True)
class Cell:
    label: str  #: where the code came from: "backprop.py", or 'code cell 3 ("def sigmoid(x):")'
    code: str
    first_line: int = 1  #: line number of the cell's first line in the file


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  #: "python" or "notebook"
    cells: tuple[Cell, ...]
    notes: tuple[str, ...] = field(default=())  #: what was skipped, and why

    @property
    def digest(self) -> str:
        """Content hash: a batch regrades a student only when this changes."""
        h = hashlib.sha256()
        for cell in self.cells:
            h.update(cell.code.encode())
            h.update(b"\0")
        return h.hexdigest()


def find(path: Path) -> Path:
    """The submission file at or inside `path`.

    Only files are graded, never links or special files: a link could lead
    to a classmate's work or a file the grader may read and the student may
    not, and opening a fifo or a device could block or act. A link is named
    in the refusal, never followed, read or quoted.
    """
    kind = _kind(path)
    if kind is None:
        raise SubmissionError(f"no such file or folder: {_shown(path)}")
    if kind == "folder":
        return _inside(path)
    if kind != "file":
        raise _refusal(path, kind)
    if path.suffix not in (".py", ".ipynb"):
        raise SubmissionError(f"{_shown(path)} is neither a .py file nor a notebook (.ipynb)")
    return path


def _inside(folder: Path) -> Path:
    module = folder / MODULE_NAME
    module_kind = _kind(module)
    if module_kind not in (None, "folder", "file"):
        raise _refusal(module, module_kind)
    try:
        names = sorted(os.listdir(folder))
    except OSError as error:
        raise SubmissionError(f"cannot read {_shown(folder)}: {error.strerror}") from None
    notebooks = []
    for name in names:
        if name.endswith(".ipynb") and not name.startswith("."):
            kind = _kind(folder / name)
            if kind not in ("file", "folder"):
                raise _refusal(folder / name, kind)
            if kind == "file":
                notebooks.append(folder / name)
    candidates = ([module] if module_kind == "file" else []) + notebooks
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        names = ", ".join(_shown(p.name) for p in candidates)
        what = "both a .py file and a notebook" if module_kind == "file" else f"{len(notebooks)} notebooks"
        raise SubmissionError(f"{_shown(folder)} holds {what} ({names}); keep one, or name the file to grade")
    raise SubmissionError(f"{_shown(folder)} holds neither {MODULE_NAME} nor a notebook (.ipynb)")


def _kind(path: Path) -> str | None:
    """"file", "folder", "link" or "special" (fifo, socket, device), from lstat; None if absent."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SubmissionError(f"cannot read {_shown(path)}: {error.strerror}") from None
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special"


def _refusal(path: Path, kind: str) -> SubmissionError:
    if kind == "link":
        return SubmissionError(f"{_shown(path)} is a symbolic link; submit the file itself, not a link")
    return SubmissionError(f"{_shown(path)} is not a regular file (a fifo, socket or device); "
                           "submit the file itself")


def _too_large(file: Path) -> SubmissionError:
    return SubmissionError(f"{_shown(file)} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB")


def _shown(path: Path | str) -> str:
    """A path as one inert line: a file name is the student's, and may hold a newline or an escape."""
    return inert.line(path)


def read(file: Path) -> str:
    """The text of a file `find` returned, opened without following a link.

    `find` checked with lstat; the file could have been swapped for a link or
    a fifo since, so the open refuses links (O_NOFOLLOW), does not block
    (O_NONBLOCK), and what was opened is checked again through its fd.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(file, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _refusal(file, "link") from None
        raise SubmissionError(f"cannot read {_shown(file)}: {error.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refusal(file, "special")
        if info.st_size > MAX_SOURCE_BYTES:
            raise _too_large(file)
        data = handle.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:  # it grew after the fstat
        raise _too_large(file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SubmissionError(f"cannot read {_shown(file)}: not UTF-8 text ({error.reason} at byte "
                              f"{error.start})") from None


def load(path: Path) -> Source:
    """Read the submission at or inside `path` into cells."""
    file = find(path)
    text = read(file)
    if file.suffix == ".ipynb":
        return _notebook(file, text)
    return Source(file, "python", (Cell(file.name, text),))


def _notebook(file: Path, text: str) -> Source:
    import nbformat  # only notebooks need it, and it is slow to import

    try:
        with warnings.catch_warnings():  # nbformat warns of what it lets through; what matters is checked below
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several unrelated types
        # The first line only, inert: nbformat's messages can run long and quote the file.
        reason = inert.line(str(error).partition("\n")[0])[:200]
        raise SubmissionError(f"{_shown(file)} is not a readable notebook: {reason}") from None
    cells, notes = [], []
    code_cells = [cell for cell in nb.cells if cell.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells, start=1):
        original = cell.get("source", "")
        if not isinstance(original, str):  # nbformat only warns; every reader below needs text
            raise SubmissionError(f"{_shown(file)} is not a readable notebook: code cell {number}'s source is "
                                  f"{_json_kind(original)}, not text")
        original = text_module.clean(original)
        label = cell_label(number, original)
        code, skipped = strip_magics(original)
        for line in skipped:
            notes.append(f"{label}: skipped IPython line {line!r}")
        if code.strip():
            cells.append(Cell(label, code))
    return Source(file, "notebook", tuple(cells), tuple(notes))


def _json_kind(value) -> str:
    """What a JSON value is, in a refusal: "null", "the number 5", "an object"."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"the number {value!r}"[:40]
    return "an object" if isinstance(value, dict) else "a list"


def cell_label(number: int, source: str) -> str:
    """A code cell as the student finds it: its place among code cells and its first line."""
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    first = inert.line(first)
    shown = first if len(first) <= 40 else first[:37] + "..."
    return f'code cell {number} ("{shown}")' if shown else f"code cell {number}"


def strip_magics(code: str) -> tuple[str, list[str]]:
    """Blank out IPython-only lines (`%magic`, `!shell`, `%%cell magic`).

    Lines are blanked rather than removed so line numbers in tracebacks still
    match the notebook.
    """
    lines = code.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return "", [lines[0].strip()]
    skipped = []
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or _is_help_query(stripped):
            skipped.append(stripped)
            lines[i] = ""
    cleaned = "\n".join(lines)
    return cleaned, skipped


def _is_help_query(line: str) -> bool:
    """`np.mean?` and `?np.mean` are IPython help, not Python."""
    if not (line.endswith("?") or line.startswith("?")) or line.startswith("#"):
        return False
    return parsing.parses(line) is None
