"""Code that every student is given, so sharing it is no evidence of copying.

The lesson's own code and the student template (the .py and the notebook's
code cells) live here as data, so an installed grader has them without the
repository; tools/make_template.py writes the template's copies. They are read as text, never imported. A course adds its own
starter code with `extra` (the CLI's `--boilerplate PATH`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from grader import submission
from grader.exits import UsageError

HERE = Path(__file__).resolve().parent
GIVEN = ("lesson.py", "template.py", "template_notebook.py")


def sources(extra: Sequence[Path] = ()) -> list[str]:
    """The given code as texts: ours, then each extra file or folder (a .py, a notebook, or a folder of one)."""
    texts = [(HERE / name).read_text(encoding="utf-8") for name in GIVEN]
    for path in extra:
        try:
            texts += [cell.code for cell in submission.load(Path(path)).cells]
        except submission.SubmissionError as error:
            raise UsageError(f"boilerplate {path}: {error}") from None
    return texts
