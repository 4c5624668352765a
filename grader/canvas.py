"""Scores as a CSV for Canvas's gradebook import (Grades, Import).

Canvas's importer wants the header `Student,ID,SIS User ID,SIS Login ID,
Section` and then one column per assignment, named `Title (assignment id)`
to fill in an existing assignment or `Title` alone to create one. A row
whose first cell is `Points Possible` gives the assignment's points. It
finds a student by ID (Canvas's user id), then the SIS ids, then the name,
and leaves a grade as it is where the cell is blank: that is what a student
gets who could not be graded, or who has no folder in the class.

The roster says which Canvas student each folder is: a CSV with those
five columns, e.g. Canvas's own gradebook export (Grades, Export), plus a
`folder` column. Without a `folder` column, folders are named by SIS Login ID.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from grader.exits import UsageError
from grader.report.points import exported
from grader.report.roster import Entry

STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
FOLDER, LOGIN = "folder", "SIS Login ID"
POINTS_POSSIBLE = "Points Possible"
DEFAULT_ASSIGNMENT = "Backpropagation"


class Roster:
    """The roster's students in its order, and which folder is whose."""

    def __init__(self, path: Path):
        try:
            with open(path, newline="", encoding="utf-8-sig") as f:  # Excel writes a byte-order mark
                reader = csv.DictReader(f)
                header = [name.strip() for name in reader.fieldnames or ()]
                rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise UsageError(f"cannot read the roster {path}: {error}") from None
        if not {"Student", "ID"} <= set(header):
            raise UsageError(f"the roster {path} needs at least the columns Student and ID (Canvas's user id), as "
                             f"in Canvas's gradebook export; its columns are: {', '.join(header) or 'none'}")
        self.key = FOLDER if FOLDER in header else LOGIN
        if self.key not in header:
            raise UsageError(f"the roster {path} needs a `{FOLDER}` column naming each student's folder (or "
                             f"folders named by `{LOGIN}`, and that column)")
        # Canvas's export has a Points Possible row and, with muted assignments, a row of "Muted" cells.
        self.rows = [r for r in rows if r.get("Student") and not r["Student"].startswith(POINTS_POSSIBLE)
                     and r.get("ID", "").lower() != "muted"]
        self.by_folder: dict[str, dict[str, str]] = {}
        repeated = set()
        for row in self.rows:
            folder = row.get(self.key, "")
            if folder in self.by_folder:
                repeated.add(folder)
            elif folder:
                self.by_folder[folder] = row
        if repeated:
            raise UsageError(f"the roster {path} gives the same {self.key} to several students: "
                             f"{', '.join(sorted(repeated))}")

    def check(self, identifiers: Sequence[str]) -> None:
        """Refuse a class with folders the roster does not name: their grades would go nowhere."""
        missing = sorted(set(identifiers) - set(self.by_folder))
        if missing:
            raise UsageError(f"the roster names no Canvas student for {len(missing)} folder(s) of the class "
                             f"(matched by its `{self.key}` column): {', '.join(missing)}")


def render(roster: Roster, entries: Sequence[Entry], assignment: str = DEFAULT_ASSIGNMENT) -> str:
    roster.check([e.identifier for e in entries])
    scores = {e.identifier: e.result for e in entries}
    possible = max((r.max_score for r in scores.values() if r is not None), default=None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*STUDENT_COLUMNS, assignment])
    writer.writerow([POINTS_POSSIBLE, "", "", "", "", "" if possible is None else exported(possible)])
    for row in roster.rows:
        result = scores.get(row.get(roster.key, ""))
        score = "" if result is None else exported(result.score)
        writer.writerow([*(row.get(c, "") for c in STUDENT_COLUMNS), score])
    return buffer.getvalue()
