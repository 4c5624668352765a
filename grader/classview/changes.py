"""What changed since the last run: changes.csv and the summary's "Changes since the last run".

Each time the class views are written, every student's total and check
scores go into BASELINE; the next write compares against it. So a rerun
after fixing a check answers "whose grade changed, and in which checks"
(and a merge compares with the last merge into the same folder). A run
that was interrupted writes no views, and leaves the baseline as it was.

changes.csv has one row per student whose total or any check score
changed: `student,before,after,checks_changed`, checks_changed being
`check:old->new` items joined by `;`. An empty before is a student new to
the class or who could not be graded last time; an empty after is one who
cannot be graded now or is no longer in the class.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from grader.report.gradebook_csv import FORMULA_START
from grader.report.roster import Entry
from grader.writing import write_atomic

BASELINE = ".scores-last-run.json"
CSV = "changes.csv"
TABLE_ROWS = 50  #: the summary lists this many; changes.csv has them all


def _number(x: float) -> str:
    return f"{round(x, 4):g}"


def _scores(entry: Entry) -> dict | None:
    """{"total": "76", "checks": {name: "24"}}; numbers as the gradebook prints them, so noise is no change."""
    if entry.result is None:
        return None
    return {"total": _number(entry.result.score), "checks": {c.name: _number(c.score) for c in entry.result.checks}}


@dataclass(frozen=True)
class Change:
    student: str
    before: str  #: "" when there was no score
    after: str
    checks: tuple[tuple[str, str, str], ...]  #: (check, old, new) for each check whose score changed
    why: str  #: for the summary: what happened, when not just new scores

    def checks_changed(self) -> str:
        return ";".join(f"{name}:{old}->{new}" for name, old, new in self.checks)


class SinceLastRun:
    """The comparison of `entries` with the scores the views of `out` last showed."""

    def __init__(self, out: Path, entries: Sequence[Entry]):
        self.out = out
        self.now = {e.identifier: _scores(e) for e in entries}
        self.errors = {e.identifier: e.error for e in entries if e.result is None}
        try:
            self.last: dict | None = json.loads((out / BASELINE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.last = None  # the first run here, or a baseline one cannot trust: everyone counts as new
        self.changes = [c for name in sorted(set(self.now) | set(self.last or {}))
                        if (c := self._compare(name)) is not None]

    def _compare(self, name: str) -> Change | None:
        before, after = (self.last or {}).get(name), self.now.get(name)
        known = self.last is not None and name in self.last
        if known and before == after:
            return None
        if before is None and after is None:  # new, and could not be graded
            return Change(name, "", "", (), f"could not be graded: {self.errors[name]}")
        if after is None:
            why = "no longer in the class" if name not in self.now else f"could not be graded: {self.errors[name]}"
            return Change(name, before["total"], "", (), why)
        if before is None:
            return Change(name, "", after["total"], (), "could not be graded last time" if known else "new")
        old, new = before["checks"], after["checks"]
        checks = tuple((c, old.get(c, ""), new.get(c, "")) for c in [*new, *(c for c in old if c not in new)]
                       if old.get(c) != new.get(c))
        return Change(name, before["total"], after["total"], checks, "")

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["student", "before", "after", "checks_changed"])
        for c in self.changes:  # a spreadsheet would run a name starting with "=" as a formula
            writer.writerow(["'" * c.student.startswith(FORMULA_START) + c.student, c.before, c.after,
                             c.checks_changed()])
        return buffer.getvalue()

    def markdown(self) -> str:
        out = ["", "## Changes since the last run", ""]
        if self.last is None:
            return "\n".join(out + [f"No earlier run in this folder: all {len(self.now)} students are new "
                                    f"(listed in {CSV}).", ""])
        if not self.changes:
            return "\n".join(out + ["No score changed.", ""])
        out += [f"{len(self.changes)} student(s) changed; {CSV} lists them all.", "",
                "| student | before | after | what changed |", "|---|---:|---:|---|"]
        for c in self.changes[:TABLE_ROWS]:
            what = ", ".join(f"`{name}` {old or '–'} → {new or '–'}" for name, old, new in c.checks) or c.why
            out.append(f"| {_cell(c.student)} | {c.before or '–'} | {c.after or '–'} | {_cell(what)} |")
        if len(self.changes) > TABLE_ROWS:
            out.append(f"\n…and {len(self.changes) - TABLE_ROWS} more in {CSV}.")
        return "\n".join(out) + "\n"

    def remember(self) -> None:
        """Make this run the one the next compares with; called after the views are written."""
        write_atomic(self.out / BASELINE, json.dumps(self.now, sort_keys=True) + "\n")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")
