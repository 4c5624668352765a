"""Find a submission on disk and turn it into the code cells a child runs.

A submission is a folder holding `backprop.py`, a folder holding exactly one
notebook, or one such file. Notebooks are read with nbformat; IPython magics
and shell escapes are never run: they are dropped here, with a note.
"""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

MODULE_NAME = "backprop.py"
MAX_SOURCE_BYTES = 5 * 1024 * 1024


class SubmissionError(Exception):
    """The path given is not a gradable submission; the message says why."""


@dataclass(frozen=True)
class Cell:
    label: str  #: where the code came from, e.g. "backprop.py" or "cell 3"
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
    """The submission file at or inside `path`."""
    if not path.exists():
        raise SubmissionError(f"no such file or folder: {path}")
    if path.is_file():
        if path.suffix not in (".py", ".ipynb"):
            raise SubmissionError(f"{path} is neither a .py file nor a notebook (.ipynb)")
        return path
    module = path / MODULE_NAME
    if module.is_file():
        return module
    notebooks = sorted(p for p in path.glob("*.ipynb") if not p.name.startswith("."))
    if len(notebooks) == 1:
        return notebooks[0]
    if len(notebooks) > 1:
        names = ", ".join(p.name for p in notebooks)
        raise SubmissionError(f"{path} holds {len(notebooks)} notebooks ({names}); keep one, or name the file to grade")
    raise SubmissionError(f"{path} holds neither {MODULE_NAME} nor a notebook (.ipynb)")


def load(path: Path) -> Source:
    """Read the submission at or inside `path` into cells."""
    file = find(path)
    if file.stat().st_size > MAX_SOURCE_BYTES:
        raise SubmissionError(f"{file} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"cannot read {file}: {error}") from None
    if file.suffix == ".ipynb":
        return _notebook(file, text)
    return Source(file, "python", (Cell(file.name, text),))


def _notebook(file: Path, text: str) -> Source:
    import nbformat  # only notebooks need it, and it is slow to import

    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several unrelated types
        raise SubmissionError(f"{file} is not a readable notebook: {error}") from None
    cells, notes = [], []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        code, skipped = strip_magics(cell.get("source", ""))
        for line in skipped:
            notes.append(f"cell {number}: skipped IPython line {line!r}")
        if code.strip():
            cells.append(Cell(f"cell {number}", code))
    return Source(file, "notebook", tuple(cells), tuple(notes))


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
    try:
        ast.parse(line)
    except SyntaxError:
        return True
    return False
