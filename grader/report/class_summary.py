"""The class at a glance, in Markdown: score histogram, checks most often failed, misconceptions, errors."""
from __future__ import annotations

import statistics
from collections import Counter
from typing import Sequence

from grader.report import root_cause
from grader.report.misconceptions import flag_codes, group
from grader.report.points import shown
from grader.report.roster import Entry
from grader.results import Status

BINS = 10  #: histogram bars, each a tenth of the maximum score
BAR = "█"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def histogram(fractions: Sequence[float]) -> list[str]:
    """Rows "90–100% | ███ 3" from scores as fractions of the maximum; 100% goes in the top bar."""
    counts = Counter(min(int(f * BINS), BINS - 1) for f in fractions)
    width = max(counts.values(), default=0)
    rows = ["| score | students |", "|---|---|"]
    for b in reversed(range(BINS)):
        bar = BAR * round(20 * counts[b] / width) if width else ""
        rows.append(f"| {100 * b // BINS}–{100 * (b + 1) // BINS}% | {bar} {counts[b]} |")
    return rows


def render(entries: Sequence[Entry], title: str = "Class summary") -> str:
    graded = [e for e in entries if e.result is not None]
    errors = [e for e in entries if e.result is None]
    out = [f"# {title}", "", f"{len(entries)} students: {len(graded)} graded, {len(errors)} could not be graded.", ""]
    if graded:
        totals = [e.result.score for e in graded]
        top = max(e.result.max_score for e in graded) or 1
        out += [f"Mean {shown(statistics.mean(totals))}, median {shown(statistics.median(totals))}, "
                f"min {shown(min(totals))}, max {shown(max(totals))} of {shown(top)} points.", "",
                "## Scores", "", *histogram([t / top for t in totals]), ""]
        out += ["## First root causes", "", *_root_causes(graded), ""]
        out += ["## Checks most often failed", "", *_failed_checks(graded), ""]
        out += ["## Misconceptions", "", *_misconceptions(graded), ""]
        out += _flags(graded)
    if errors:
        out += ["## Could not be graded", "", "| student | reason |", "|---|---|"]
        out += [f"| {_cell(e.identifier)} | {_cell(e.error)} |" for e in sorted(errors, key=lambda e: e.identifier)]
    return "\n".join(out) + "\n"


def _root_causes(graded: Sequence[Entry]) -> list[str]:
    """Students grouped by what their report says to fix first: a syntax error, a hang, a failing function."""
    groups: dict[str, list[str]] = {}
    for entry in sorted(graded, key=lambda e: e.identifier):
        cause = root_cause.first(entry.result)
        if cause:
            groups.setdefault(cause, []).append(entry.identifier)
    if not groups:
        return ["No graded student lost a point."]
    rows = ["| fix first | students | who |", "|---|---:|---|"]
    for cause, names in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        rows.append(f"| {_cell(cause)} | {len(names)} | {_cell(', '.join(names))} |")
    return rows


def _failed_checks(graded: Sequence[Entry]) -> list[str]:
    lost, points, maximum, statuses = Counter(), Counter(), Counter(), {}
    for entry in graded:
        for c in entry.result.checks:
            points[c.name] += c.score
            maximum[c.name] += c.max_score
            if c.status is not Status.PASSED:
                lost[c.name] += 1
                statuses.setdefault(c.name, Counter())[c.status.value] += 1
    if not lost:
        return ["Every graded student passed every check."]
    rows = ["| check | students who lost points | mean score | how |", "|---|---:|---:|---|"]
    for name, count in lost.most_common():
        mean = f"{100 * points[name] / maximum[name]:.0f}%" if maximum[name] else "–"
        how = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in statuses[name].most_common())
        rows.append(f"| `{name}` | {count} of {len(graded)} | {mean} | {how} |")
    return rows


def _misconceptions(graded: Sequence[Entry]) -> list[str]:
    found = group(graded)
    if not found:
        return ["The grader named no bug it recognised."]
    rows = ["| misconception | students | who | diagnosed by |", "|---|---:|---|---|"]
    for m in found:
        rows.append(f"| {_cell(m.label)} (`{m.name}`) | {len(m.students)} | {_cell(', '.join(m.students))} "
                    f"| {', '.join(f'`{c}`' for c in m.checks)} |")
    return rows


def _flags(graded: Sequence[Entry]) -> list[str]:
    flagged = [(e.identifier, flag_codes(e)) for e in sorted(graded, key=lambda e: e.identifier) if flag_codes(e)]
    if not flagged:
        return []
    return ["## Integrity flags", "", f"{len(flagged)} submission(s) flagged for a person to review "
            "(flags never change a score):", "", "| student | flags |", "|---|---|",
            *(f"| {_cell(name)} | {_cell(', '.join(codes))} |" for name, codes in flagged), ""]
