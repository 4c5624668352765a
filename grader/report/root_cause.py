"""What to fix first: the problem that blocks the most points, for the reports to open with.

A syntax or load error comes first (the definitions it cost block every check
that needs them), then a function that hung or crashed, then the first
function whose own check fails, in the lesson's order (the checks' order).
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.report import inert
from grader.report.points import shown
from grader.results import Status, SubmissionResult

@dataclass(frozen=True)
class Cause:
    title: str  #: one line: "backprop.py, line 183: SyntaxError: expected ':'"
    lines: tuple[str, ...]  #: inert already: the student's line and a caret under it, or the first failure's detail
    lost: float  #: points lost to it, directly or through blocked checks
    about: tuple[str, ...] = ()  #: the submission's names it stands for


def status(result: SubmissionResult) -> str:
    """"syntax error", "load error", "timeout" or "graded"."""
    kinds = {p.get("kind") for p in result.problems}
    if "syntax_error" in kinds:
        return "syntax error"
    if "load_error" in kinds and result.score < result.max_score:  # a data file that failed to load may cost nothing
        return "load error"
    if "timeout" in kinds:
        return "timeout"
    return "graded"


def causes(result: SubmissionResult) -> list[Cause]:
    """Problems first, in file order, then the first failing function; each with the points it costs."""
    blocked: dict[str, float] = {}
    for c in result.checks:
        if c.status is Status.BLOCKED and c.blocked_by:
            blocked[c.blocked_by] = blocked.get(c.blocked_by, 0.0) + c.max_score - c.score
    out = []
    for p in result.problems:
        names = tuple(str(n) for n in p.get("defines") or ())
        lost = sum(v for k, v in blocked.items() if any(k == n or k.startswith(n + ".") for n in names)) + sum(
            c.max_score - c.score for c in result.checks if c.where in names and c.status is not Status.BLOCKED)
        out.append(Cause(_title(p), _caret(p), lost, names))
    named = {n for cause in out for n in cause.about}
    failing = [c for c in result.checks if c.status not in (Status.PASSED, Status.BLOCKED, Status.GRADER_ERROR)
               and c.where not in named]
    if failing:
        first = failing[0]
        lost = sum(c.max_score - c.score for c in result.checks if c.where == first.where and c.status
                   is not Status.BLOCKED) + blocked.get(first.where or "", 0.0)
        summary = first.feedback.summary
        out.append(Cause(summary if summary.startswith(f"{first.where}") else f"{first.where}: {summary}",
                         tuple(inert.line(d) for d in first.feedback.details[:2]), lost,
                         (first.where or "",)))
    return out


def first(result: SubmissionResult) -> str:
    """The first root cause in a few words, for a class summary's grouping; "" when nothing was lost."""
    found = causes(result)
    if not found:
        return ""
    cause = found[0]
    kind = next((p.get("kind") for p in result.problems), None)
    if kind == "syntax_error":
        return f"syntax error in {', '.join(cause.about) or 'the submission'}"
    if kind:
        return f"{kind.replace('_', ' ')} in {', '.join(cause.about) or 'the submission'}"
    return f"{cause.about[0]} fails" if cause.about and cause.about[0] else "a check fails"


def lines(result: SubmissionResult) -> list[str]:
    """The terminal report's opening: what to fix first, with its cost in points."""
    found = causes(result)
    if not found or result.score == result.max_score:
        return []
    out = ["Fix first:"]
    for cause in found:
        cost = f" (costs {shown(cause.lost)} points)" if cause.lost else ""
        out += [f"  {inert.line(cause.title)}{cost}", *(f"    {l}" for l in cause.lines)]
    return [*out, ""]


def _title(problem: dict) -> str:
    if not problem.get("cell"):
        return str(problem.get("message", ""))
    line = f", line {problem['line']}" if problem.get("line") else ""
    kind = "SyntaxError: " if problem.get("kind") == "syntax_error" else ""
    lost = ", ".join(str(n) for n in problem.get("defines") or ())
    return f"{problem.get('cell', 'submission')}{line}: {kind}{problem.get('message', '')}" + (
        f"; lost: {lost}" if lost else "")


def _caret(problem: dict) -> tuple[str, ...]:
    text = str(problem.get("text") or "")
    if not text.strip():
        return ()
    offset = problem.get("offset")
    text = text.expandtabs(4)
    shown_text = " " * (len(text) - len(text.lstrip())) + inert.line(text)  # inert.line strips the indent
    if not isinstance(offset, int) or not 0 < offset <= len(shown_text) + 1:
        return (shown_text,)
    return (shown_text, " " * (offset - 1) + "^")
