"""Root cause first: an error is charged to the submission's function that raised it, not to its caller.

A probe calls the submission through the interface (train_step, say), and the
submission calls itself in turn: what raised inside backward is backward's to
fix. The child names the last line of the submission's own code that ran (its
cell, line and function); here that function is found among what the
submission defines. When it passes its own checks, it only tripped on what
another function gave it: the check is charged to the first of the functions
it needs (in the checks' order, the lesson's) that fails its own.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from grader.results import CheckResult, Feedback, Status


def raiser(error: Mapping, known: set[str], about: str) -> str | None:
    """The submission's definition whose line raised `error`, when the child could tell."""
    where = error.get("where") or {}
    qualname = str(where.get("qualname") or "").replace(".<locals>", "")
    function = str(where.get("function") or "")
    owner = about.rpartition(".")[0]
    # A nested function's error is its enclosing definition's: the innermost defined name that holds it.
    parts = qualname.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            return ".".join(parts[:end])
    return next((n for n in (f"{owner}.{function}" if owner else "", function) if n and n in known), None)


def needs(calls: Iterable[str], uses: Mapping[str, set[str]], known: set[str]) -> tuple[str, ...]:
    """What a check's probes call, and the functions those read in turn (forward reads sigmoid), first seen first."""
    out, todo = [], list(calls)
    while todo:
        name = todo.pop(0)
        if name in out or name not in known and name.partition(".")[0] not in known:
            continue
        out.append(name)
        todo.extend(sorted(n for n in uses.get(name, ()) if n in uses))
    return tuple(out)


def deepest(candidates: Iterable[str], checks: Iterable[CheckResult]) -> str | None:
    """Of functions that fail, the one the others depend on: none of the others is among what its own
    checks need; ties go to the checks' order."""
    checks = list(checks)
    order: dict[str, int] = {}
    for c in checks:
        order.setdefault(c.where or "", len(order))
    names = sorted(set(candidates), key=lambda n: order.get(n, len(order)))
    for name in names:
        below = {n for c in checks if c.where == name for n in c.needs} - {name}
        if not below & set(names):
            return name
    return names[0] if names else None


def where(error: Mapping) -> str:
    """ "code cell 5 ("class NeuralNetwork:"), line 28" or "backprop.py, line 28": the line that raised."""
    at = error.get("where") or {}
    if not at.get("line"):
        return ""
    return f"{at['file']}, line {at['line']}" if at.get("file") else f"line {at['line']}"


def charge(checks: list[CheckResult], errors: Mapping[str, Mapping]) -> list[CheckResult]:
    """Each check that errored in another function, blocked by that function or by the broken one that fed it.

    `errors`: {check name: the error its probe reported}, for the checks whose status is ERROR. Repeated
    until nothing changes: a function whose checks are all blocked is not broken itself.
    """
    out = list(checks)
    for _ in range(len(out)):
        again = [_charged(c, out, errors.get(c.name) or {}) for c in checks]
        if again == out:
            break
        out = again
    return out


def _charged(check: CheckResult, checks: list[CheckResult], error: Mapping) -> CheckResult:
    raised, mine = check.raised_in, check.where or ""
    if check.status is not Status.ERROR or not raised or raised == mine or mine.startswith(raised + "."):
        return check

    def broken(name: str) -> bool:
        own = [c for c in checks if c.where == name]
        return not own or any(c.status not in (Status.PASSED, Status.BLOCKED) for c in own)

    said = f"{raised} raised {error.get('type', 'an error')}: {error.get('message', '')}"[:240]
    at = where(error)
    said += f" ({at})" if at else ""
    if broken(raised):
        culprit, why = raised, said
    else:
        defined = {c.where for c in checks}
        culprit = deepest((n for n in check.needs if n not in (mine, raised) and n in defined and broken(n)),
                          checks)
        if culprit is None:  # its own caller's doing: the check stays an error of its own, with the true line
            return check
        why = f"it fails its own check, and {said.replace(' raised ', ', which passes its own, raised ', 1)}"
    return replace(check, status=Status.BLOCKED, blocked_by=culprit, feedback=Feedback(
        f"blocked by {culprit}: {why}"[:300],
        (f"this check runs once {culprit} works; fix that first (it costs no time meanwhile)",)))
