"""Students grouped by the bug the grader diagnosed, not only by the check they failed.

"missing 1/m: 12 students" tells an instructor what to reteach; "network.backward
failed for 15" does not. The names come from CheckResult.diagnosed and the
labels from grader.backprop.diagnosis, so a view never guesses a bug from
feedback text.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from grader.backprop.diagnosis import label
from grader.report.roster import Entry


@dataclass(frozen=True)
class Misconception:
    name: str  #: the stable bug name, e.g. "no_mean"
    label: str  #: "missing 1/m"
    checks: tuple[str, ...]  #: the checks that diagnosed it, in lesson order
    students: tuple[str, ...]  #: sorted


def diagnosed(entry: Entry) -> tuple[str, ...]:
    """The student's diagnosed bug names, in check order, each once."""
    if entry.result is None:
        return ()
    return tuple(dict.fromkeys(name for c in entry.result.checks for name in c.diagnosed))


def flag_codes(entry: Entry) -> tuple[str, ...]:
    """The codes of the student's integrity flags, each once."""
    if entry.result is None:
        return ()
    return tuple(dict.fromkeys(str(f.get("code", "")) for f in entry.result.flags if isinstance(f, dict)))


def group(entries: Sequence[Entry]) -> list[Misconception]:
    """Every diagnosed bug with its students, most students first (ties in the order first met)."""
    students: dict[str, set[str]] = {}
    checks: dict[str, list[str]] = {}
    for entry in entries:
        for c in entry.result.checks if entry.result else ():
            for name in c.diagnosed:
                students.setdefault(name, set()).add(entry.identifier)
                if c.name not in checks.setdefault(name, []):
                    checks[name].append(c.name)
    order = list(students)
    return sorted((Misconception(name, label(name), tuple(checks[name]), tuple(sorted(students[name])))
                   for name in order), key=lambda m: (-len(m.students), order.index(m.name)))
