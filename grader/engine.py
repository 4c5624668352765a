"""grade(submission, assignment) -> SubmissionResult: run probes, then judge.

The engine knows no lesson: an assignment supplies the probes to run in the
child and the checks that judge their outcomes here, in the parent.
"""
from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Protocol

from grader import __version__, integrity, sandbox, submission
from grader.judging import Check, Observations, ProbeFailed
from grader.observations import Invalid
from grader.results import CheckResult, Feedback, Status, SubmissionResult


class Assignment(Protocol):
    module_name: str  #: what the submission's module is called in the child
    probe_file: Path  #: a module with run(kind, namespace, args), copied into the child; imports only `wire`

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
    cells = [{"label": c.label, "code": c.code, "whole": source.kind == "notebook"} for c in source.cells]
    run = sandbox.run(cells, assignment.module_name, assignment.probe_file, assignment.probes(), assignment.limits())
    judged = time.monotonic()
    observations = Observations(run.outcomes)
    checks = tuple(judge(check, observations) for check in assignment.checks())
    try:
        artifacts = assignment.artifacts(observations)
    except Exception:
        artifacts = {}
    flags = (*integrity.scan(source.cells), *_behaviour_flags(assignment, observations, source.cells))
    notes = [*source.notes, *run.notes, *(_load_error_note(e) for e in run.load_errors),
             _confinement_note(run.confinement)]
    return SubmissionResult(
        submission=str(path), source_kind=source.kind, digest=source.digest, checks=checks,
        notes=tuple(notes), output=run.output,
        timings={"run_seconds": round(judged - started, 3),
                 "judge_seconds": round(time.monotonic() - judged, 3),
                 "total_seconds": round(time.monotonic() - started, 3),
                 "children": run.children},
        grader_version=__version__, artifacts=artifacts, flags=flags, confinement=run.confinement)


def _behaviour_flags(assignment: Assignment, observations: Observations, cells) -> list[dict]:
    """The assignment's flags, each placed at the definition it is about."""
    try:
        found = assignment.flags(observations)
    except Exception:  # like artifacts: a flag is for review, and its failure must not cost the grade
        return []
    return [{"code": f["code"], "message": f["message"], "where": integrity.definition(cells, f.get("about"))}
            for f in found]


def judge(check: Check, observations: Observations) -> CheckResult:
    """One check's result. A judge's own exception is ours, never the student's."""
    try:
        verdict = check.judge(observations)
    except ProbeFailed as failure:
        status, feedback = _from_outcome(check, failure)
        return _result(check, 0.0, status, feedback)
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
            diagnosed: tuple[str, ...] = ()) -> CheckResult:
    return CheckResult(name=check.name, title=check.title, max_score=check.points, score=score,
                       status=status, feedback=feedback, measured=measured or {}, where=check.where,
                       diagnosed=tuple(diagnosed))


def _from_outcome(check: Check, failure: ProbeFailed) -> tuple[Status, Feedback]:
    outcome, error = failure.outcome, failure.outcome.error or {}
    kind, message = error.get("type", ""), error.get("message", "")
    where = error.get("where") or {}
    at = f" (line {where['line']}, in {where.get('function') or 'top level'})" if where.get("line") else ""
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
