"""The gradebook: one row per student, one column per check.

`diagnosed` lists the bugs the grader named (stable names, `;`-separated;
grader.backprop.diagnosis.LABELS reads them) and `flags` the codes of the
integrity flags, for a person to review: neither changes a score.
`status` is "graded", or what kept part of the submission from being
graded ("syntax error", "load error", "timeout"; grader/report/root_cause.py),
with the first such problem in `error`.

A student who could not be graded (no submission, the grader failed) gets
a row with an empty total and the reason in `error`: whether that is a zero
is the instructor's call, not the grader's.
"""
from __future__ import annotations

import csv
import io
from typing import Sequence

from grader.report.misconceptions import diagnosed, flag_codes
from grader.report.points import exported
from grader.report import inert, root_cause
from grader.report.roster import Entry

# A spreadsheet runs a cell that starts with one of these as a formula, and
# identifiers and error messages come from students' file names and code.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def render(entries: Sequence[Entry]) -> str:
    checks: list[str] = []
    for entry in entries:  # every result has the same checks; the union survives a config change midway
        for c in entry.result.checks if entry.result else ():
            if c.name not in checks:
                checks.append(c.name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["identifier", "total", "max_score", *checks, "diagnosed", "flags", "status", "error"])
    for entry in sorted(entries, key=lambda e: e.identifier):
        if entry.result is None:
            writer.writerow([safe(entry.identifier), "", "", *([""] * len(checks)), "", "", "not graded",
                             safe(entry.error)])
            continue
        scores = {c.name: exported(c.score) for c in entry.result.checks}
        writer.writerow([safe(entry.identifier), exported(entry.result.score), exported(entry.result.max_score),
                         *(scores.get(name, "") for name in checks),
                         ";".join(diagnosed(entry)), safe(";".join(flag_codes(entry))), *_status(entry.result)])
    return buffer.getvalue()


def _status(result) -> list[str]:
    status = root_cause.status(result)
    if status == "graded":
        return [status, ""]
    causes = root_cause.causes(result)
    return [status, safe(inert.line(causes[0].title)[:300]) if causes else ""]
