"""grade(submission, assignment) -> SubmissionResult: run probes, then judge.

The engine knows no lesson: an assignment supplies the probes to run in the
child and the checks that judge their outcomes here, in the parent.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from grader import __version__, blame, definitions, integrity, sandbox, submission
from grader.judging import Check, Observations, ProbeFailed
from grader.observations import Invalid
from grader.results import CheckResult, Feedback, Status, SubmissionResult


MAX_PROBLEMS = 20  #: syntax and load errors kept in a result

class Assignment(Protocol):
    module_name: str  #: what the submission's module is called in the child
    #: the names a submission defines for it; every probe's `calls` are these or their methods ("Class.method")
    interface: tuple[str, ...]
    #: copied into the child: the first becomes its `probes` module, with run(kind, namespace, args); the
    #: rest keep their names; they import only `wire`, numpy and matplotlib, and each other
    probe_files: tuple[Path, ...]

    def probes(self) -> list[sandbox.Probe]: ...
    def checks(self) -> list[Check]: ...
    def limits(self) -> sandbox.Limits: ...
    def artifacts(self, observations: Observations) -> dict: ...
    #: integrity flags from behaviour: {"code", "message", "about": a name the submission defines}
    def flags(self, observations: Observations) -> list[dict]: ...


def grade(path: Path, assignment: Assignment) -> SubmissionResult:
    """Grade one submission. Raises submission.SubmissionError if there is none at `path`."""
    started = time.monotonic()
    source = submission.load(path)
    probes = assignment.probes()
    _check_calls(probes, assignment.interface)
    notebook = source.kind == "notebook"
    split = definitions.split([(c.label, c.code) for c in source.cells], notebook, assignment.interface)
    run = sandbox.run(definitions.runnable(split.chunks, notebook), assignment.module_name, assignment.probe_files,
                      probes, assignment.limits(), definitions.unavailable(split))
    judged = time.monotonic()
    observations = Observations(run.outcomes)
    known = definitions.qualified(split)
    calls = {p.id: p.calls for p in probes}
    judged_checks, errors = [], {}
    for check in assignment.checks():
        seen = Observations(run.outcomes)  # its own, to know which probes this check read
        result = judge(check, seen, known)
        needed = blame.needs((c for probe_id in seen.read for c in calls.get(probe_id, ())), split.uses, known)
        judged_checks.append(replace(result, needs=needed))
        if result.status is Status.ERROR and seen.read:
            errors[check.name] = (run.outcomes.get(seen.read[-1]) or sandbox.Outcome("not_run")).error or {}
    checks = tuple(blame.charge(judged_checks, errors))
    try:
        artifacts = assignment.artifacts(observations)
    except Exception:
        artifacts = {}
    flags = (*integrity.scan(source.cells, sandbox.shipped(assignment.probe_files)), *_behaviour_flags(assignment, observations, source.cells))
    notes = [*source.notes, *definitions.skipped_note(split.chunks), *run.notes,
             *(_load_error_note(e) for e in run.load_errors), _confinement_note(run.confinement)]
    problems = (*(b.to_dict() for b in split.broken), *_load_problems(run.load_errors),
                *({"kind": kind, "cell": None, "line": None, "offset": None, "message": f"{name} {why}", "text": "",
                   "defines": [name]} for name, (kind, why) in run.stopped.items()))
    if len(problems) > MAX_PROBLEMS:  # the first ones are what to fix; the rest only bloat every report
        notes.append(f"{len(problems) - MAX_PROBLEMS} more problems not listed: fix the first ones and grade again")
        problems = problems[:MAX_PROBLEMS]
    return SubmissionResult(
        submission=str(path), source_kind=source.kind, digest=source.digest, checks=checks,
        notes=tuple(notes), output=run.output,
        timings={"run_seconds": round(judged - started, 3),
                 "judge_seconds": round(time.monotonic() - judged, 3),
                 "total_seconds": round(time.monotonic() - started, 3),
                 "children": run.children},
        grader_version=__version__, artifacts=artifacts, flags=flags, confinement=run.confinement,
        problems=problems)


def _check_calls(probes: list[sandbox.Probe], interface: tuple[str, ...]) -> None:
    """Every function a probe declares is one of the interface's: a typo would block nothing."""
    for probe in probes:
        for call in probe.calls:
            if call not in interface and call.partition(".")[0] not in interface:
                raise ValueError(f"probe {probe.id} declares {call!r}, which is not in the assignment's interface")


def _load_problems(errors: list[dict]) -> list[dict]:
    """What raised while the definitions ran, as root causes a report can open with."""
    out = []
    for error in errors[:20]:
        where = error.get("where") or {}
        out.append({"kind": "load_error", "cell": str(error.get("cell", "submission"))[:200],
                    "line": where.get("line"), "offset": None,
                    "message": f"{error.get('type')}: {error.get('message')}"[:300], "text": "", "defines": []})
    return out


def _behaviour_flags(assignment: Assignment, observations: Observations, cells) -> list[dict]:
    """The assignment's flags, each placed at the definition it is about."""
    try:
        found = assignment.flags(observations)
    except Exception:  # like artifacts: a flag is for review, and its failure must not cost the grade
        return []
    return [{"code": f["code"], "message": f["message"], "where": integrity.definition(cells, f.get("about"))}
            for f in found]


def judge(check: Check, observations: Observations, known: set[str] = frozenset()) -> CheckResult:
    """One check's result. A judge's own exception is ours, never the student's.

    `known`: the names the submission defines ("f", "Class", "Class.method"),
    to tell a check's own failure from one in a function it relies on.
    """
    try:
        verdict = check.judge(observations)
    except ProbeFailed as failure:
        culprit = _culprit(check, failure, known)
        if culprit:
            return _result(check, 0.0, Status.BLOCKED, _blocked(culprit, failure), blocked_by=culprit)
        status, feedback = _from_outcome(check, failure)
        raised = blame.raiser(failure.outcome.error or {}, known, check.where or "") \
            if failure.outcome.status == "error" else None
        return replace(_result(check, 0.0, status, feedback), raised_in=raised)
    except Invalid as invalid:
        return _result(check, 0.0, Status.FAILED, invalid.feedback)
    except Exception:
        detail = traceback.format_exc(limit=-3).strip().splitlines()
        return _result(check, 0.0, Status.GRADER_ERROR,
                       Feedback("the grader failed on this check; please report it (not your fault)", tuple(detail)))
    fraction = min(max(float(verdict.fraction), 0.0), 1.0)
    status = Status.PASSED if fraction == 1 else Status.FAILED if fraction == 0 else Status.PARTIAL
    return _result(check, round(check.points * fraction, 4), status, verdict.feedback, verdict.measured,
                   verdict.diagnosed)


def _result(check: Check, score: float, status: Status, feedback: Feedback, measured=None,
            diagnosed: tuple[str, ...] = (), blocked_by: str | None = None) -> CheckResult:
    return CheckResult(name=check.name, title=check.title, max_score=check.points, score=score,
                       status=status, feedback=feedback, measured=measured or {}, where=check.where,
                       diagnosed=tuple(diagnosed), blocked_by=blocked_by)


def _culprit(check: Check, failure: ProbeFailed, known: set[str]) -> str | None:
    """The submission's function, other than the one this check is about, that stopped its probe."""
    outcome, error = failure.outcome, failure.outcome.error or {}
    if outcome.status == "blocked":  # by the sandbox: even the check about the culprit is charged to its cause
        return str(error.get("blocked_by") or "a broken definition")[:200]
    if error.get("type") == "Missing":
        culprit = str(error.get("message", "")).partition(" ")[0]
    elif error.get("type") == "NotImplementedError":
        function = str((error.get("where") or {}).get("function") or "")
        owner = (check.where or "").rpartition(".")[0]
        culprit = next((n for n in (f"{owner}.{function}" if owner else "", function) if n in known), "")
    else:
        return None
    mine = check.where or ""
    if not culprit or culprit == mine or mine.startswith(culprit + "."):
        return None
    return culprit[:200]


def _blocked(culprit: str, failure: ProbeFailed) -> Feedback:
    error = failure.outcome.error or {}
    why = error.get("message", "") if failure.outcome.status == "blocked" else {
        "Missing": "is not defined", "NotImplementedError": "is not implemented yet"}.get(error.get("type"), "")
    why = why if isinstance(why, str) else ""
    # "sigmoid has a syntax error": about the culprit itself; "sigmoid_derivative uses sigmoid, ...": another name
    said = f"it {why[len(culprit) + 1:]}" if why.startswith(culprit + " ") else why
    return Feedback(f"blocked by {culprit}: {said}"[:300],
                    (f"this check runs once {culprit} works; fix that first (it costs no time meanwhile)",))


def _from_outcome(check: Check, failure: ProbeFailed) -> tuple[Status, Feedback]:
    outcome, error = failure.outcome, failure.outcome.error or {}
    kind, message = error.get("type", ""), error.get("message", "")
    where = error.get("where") or {}
    at = f" ({blame.where(error)}, in {where.get('function') or 'top level'})" if where.get("line") else ""
    if kind == "NotImplementedError":
        hint = f"hint: {message}" if message else "replace the raise NotImplementedError with your code"
        return Status.NOT_IMPLEMENTED, Feedback(f"{check.where} is not implemented yet", (hint,))
    if kind == "Missing":
        return Status.NOT_IMPLEMENTED, Feedback(f"{message}: define it with the interface's name and arguments")
    if outcome.status == "error":
        return Status.ERROR, Feedback(f"{check.where} raised {kind}: {message}"[:300] + at,
                                      ("fix the error, then rerun the grader",))
    if outcome.status == "not_run":
        return Status.ERROR, Feedback(f"not run: {message or 'the submission could not be loaded'}")
    return Status.ERROR, Feedback(f"{check.where}: {message}"[:300],
                                  ("look for an endless loop, a huge allocation, sys.exit or os._exit",))


def _confinement_note(confinement: dict) -> str:
    layers = ", ".join(confinement.get("layers") or []) or "none"
    return f"your code ran confined ({confinement.get('mode', 'none')} mode; layers: {layers})"


def _load_error_note(error: dict) -> str:
    where = error.get("where") or {}
    line = f", line {where['line']}" if where.get("line") else ""
    return f"{error.get('cell', 'submission')}{line}: {error.get('type')}: {error.get('message')}"
