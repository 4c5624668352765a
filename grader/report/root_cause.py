"""What to fix first, for every report to open with, and what fixing it regains.

A syntax or load error comes first (the definitions it cost block every check
that needs them), then a function that hung or crashed, then the failing
function that explains the others: each lost point is charged to what blocks
its check, else to the first function the check needs (in the checks' order,
the lesson's: dependencies first) that fails a check of its own, else to the
check's own function. The first function so charged is the one to fix first.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader import blame
from grader.report import inert
from grader.report.points import shown
from grader.results import CheckResult, Status, SubmissionResult

#: diagnoses of a function's interface (sigmoid_derivative taking the activation): its callers may be
#: written to match, so it and its calls change together
TOGETHER = frozenset({"derivative_of_activation"})


@dataclass(frozen=True)
class Cause:
    title: str  #: one line: "backprop.py, line 183: SyntaxError: expected ':'"
    lines: tuple[str, ...]  #: inert already: the student's line and a caret under it, or the first failure's detail
    lost: float  #: points lost to it, directly or through blocked or spoiled checks: what fixing it regains
    about: tuple[str, ...] = ()  #: the submission's names it stands for
    covers: tuple[str, ...] = ()  #: the checks it costs points in
    advice: tuple[str, ...] = ()  #: what else to change with it, when fixing it alone would break others


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
    """Problems first, in file order, then the failing function that explains the others; each with what
    fixing it regains."""
    lost = [c for c in result.checks if c.score < c.max_score and c.status is not Status.GRADER_ERROR]
    out, covered = [], set()
    for p in result.problems:
        names = tuple(str(n) for n in p.get("defines") or ())
        mine = [c for c in lost if c.name not in covered and (
            c.blocked_by if c.status is Status.BLOCKED else c.where) in _within(names, c)]
        covered.update(c.name for c in mine)
        out.append(Cause(_title(p), _caret(p), _points(mine), names, tuple(c.name for c in mine)))
    named = {n for cause in out for n in cause.about}
    charged: dict[str, list[CheckResult]] = {}
    for c in lost:
        if c.name not in covered and c.status is not Status.PASSED:
            root = _root(result, c)
            if root not in named:
                charged.setdefault(root, []).append(c)
    if charged:
        root, mine = next(iter(charged.items()))  # the checks' order is the lesson's: dependencies first
        own = next((c for c in mine if c.where == root and c.status is not Status.BLOCKED), mine[0])
        out.append(Cause(_check_title(root, own), tuple(inert.line(d) for d in own.feedback.details[:2]),
                         _points(mine), (root,), tuple(c.name for c in mine), _together(result, root, own)))
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


def regains(cause: Cause) -> str:
    """ "fixing it regains 25 points, in network.backward, xor.trains, spiral.trains" """
    if not cause.lost:
        return ""
    return f"fixing it regains {shown(cause.lost)} points, in {', '.join(cause.covers)}"


def lines(result: SubmissionResult) -> list[str]:
    """The terminal report's opening: what to fix first, with what fixing it regains."""
    found = causes(result)
    if not found or result.score == result.max_score:
        return []
    out = ["Fix first:"]
    for cause in found:
        out += [f"  {inert.line(cause.title)}", *(f"    {l}" for l in cause.lines),
                *(f"    {inert.line(l)}" for l in (regains(cause), *cause.advice) if l)]
    return [*out, ""]


def _within(names: tuple[str, ...], check: CheckResult) -> set[str]:
    """Of a check's function and what blocks it, those that are `names` or their methods."""
    own = {check.blocked_by or "", check.where or ""}
    return {n for n in own if any(n == name or n.startswith(name + ".") for name in names)}


def _points(checks: list[CheckResult]) -> float:
    return round(sum(c.max_score - c.score for c in checks), 6)


def _root(result: SubmissionResult, check: CheckResult) -> str:
    """The function a lost point is charged to: what blocks the check, else the function it needs that the
    others failing among its needs depend on (blame.deepest), else the check's own function."""
    if check.status is Status.BLOCKED and check.blocked_by:
        return check.blocked_by
    broken = [n for n in check.needs if any(
        c.where == n and c.score < c.max_score and c.status not in (Status.BLOCKED, Status.GRADER_ERROR)
        for c in result.checks)]
    return blame.deepest(broken, result.checks) or check.where or check.name


def _check_title(root: str, check: CheckResult) -> str:
    summary = check.feedback.summary
    if check.status is Status.BLOCKED:
        summary = summary.partition(": ")[2] or summary  # "blocked by X: X raised ..." says it of X
    short = root.rpartition(".")[2]
    if summary.startswith(root):
        return summary
    if summary.startswith(short + ":") or summary.startswith(short + " "):  # "backward: ..." is the method's
        return root + summary[len(short):]
    return f"{root}: {summary}"


def _together(result: SubmissionResult, root: str, check: CheckResult) -> tuple[str, ...]:
    """When the bug is in the function's interface and callers that match it pass: change them together."""
    if not TOGETHER & set(check.diagnosed):
        return ()
    passing = {c.where: c.needs for c in result.checks if c.status is Status.PASSED and root in c.needs
               and c.where and c.where != root}
    # Its direct callers: train_step reaches it only through backward, which is the one to change.
    callers = sorted(w for w, needs in passing.items() if not any(v in needs for v in passing if v != w))
    if not callers:
        return ()
    return (f"{', '.join(callers)} call{'s' if len(callers) == 1 else ''} it as written and pass: change {root} "
            f"and the calls to it together, or fixing {root} alone breaks them",)


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
