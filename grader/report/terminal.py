"""The terminal report: one line per check, the total, then failed checks' details.

Whatever quotes the submission is made inert (inert.py) and sits under an indent
or on a check's line, so no line the submission wrote can pass for the Total line.
"""
from __future__ import annotations

import shutil

from grader.report import flags, inert, root_cause
from grader.report.points import shown
from grader.results import Status, SubmissionResult

MARK = {Status.PASSED: "PASS", Status.PARTIAL: "PART", Status.FAILED: "FAIL",
        Status.NOT_IMPLEMENTED: "TODO", Status.ERROR: "ERR ", Status.BLOCKED: "BLKD", Status.GRADER_ERROR: "BUG "}


def render(result: SubmissionResult, width: int | None = None) -> str:
    """The report; a check's line longer than `width` (by default the terminal's: $COLUMNS, the
    terminal itself, else 100) is cut, its details below are not."""
    width = max(40, width or shutil.get_terminal_size((100, 24)).columns)
    out = [f"Grading {inert.line(result.submission)} ({result.source_kind})", "", *root_cause.lines(result)]
    if result.flags:
        out += [f"{flags.HEADING} ({flags.NOTICE}):", *(f"  {inert.line(flags.line(f))}" for f in result.flags), ""]
    name_width = max(len(c.name) for c in result.checks) if result.checks else 10
    for c in result.checks:
        score = f"{shown(c.score):>5}/{shown(c.max_score):<3}"
        line = f"{MARK[c.status]} {score} {c.name:<{name_width}}  {inert.line(c.feedback.summary)}"
        out.append(line if len(line) <= width else line[:width - 3] + "...")
    out += ["", f"Total: {shown(result.score)}/{shown(result.max_score)}    "
                f"({result.timings.get('total_seconds', 0):.1f} s)"]
    if result.failed:
        out += ["", "Details of the checks that lost points:"]
        blocked: dict[str, list[str]] = {}
        for c in result.failed:
            if c.status is Status.BLOCKED:
                blocked.setdefault(c.blocked_by or "", []).append(c.name)
                continue
            out += ["", f"--- {c.name} ({c.where}): {shown(c.score)}/{shown(c.max_score)}",
                    f"  {inert.line(c.feedback.summary)}", *(f"    {inert.line(d)}" for d in c.feedback.details)]
        for culprit, names in blocked.items():
            out += ["", f"--- blocked by {inert.line(culprit)} (they run once it works): {', '.join(names)}"]
    notes = [*result.notes] + [f"{c.name}: {d}" for c in result.checks if c.status is Status.PASSED
                                for d in c.feedback.details if d.startswith("note:")]
    if notes:
        out += ["", "Notes:", *(f"  {inert.line(n)}" for n in notes)]
    if any(c.status is Status.GRADER_ERROR for c in result.checks):
        out += ["", "The grader itself failed on a check (BUG above). This is not your fault: "
                    "please report it to your instructor with this output."]
    if result.output.strip():
        out += ["", "Your code printed (first part only):", *("  | " + l for l in inert.lines(result.output)[:40])]
    return "\n".join(out) + "\n"
