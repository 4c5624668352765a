"""The JSON GitHub Classroom's autograding-grading-reporter reads from a runner.

Assumed format (read from classroom-resources' reporter and runners, not
from a published spec): the reporter action gets `runners: NAME` and reads
the environment variable `NAME_RESULTS` (upper-cased), which holds this JSON
base64-encoded (see examples/github-workflow.yml, which encodes it):

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": float,
     "tests": [{"name", "status": "pass" | "fail" | "error", "score", "message", ...}]}

Runners also send test_code, filename, line_no and execution_time per test;
the reporter reads none of them, so they are left out. Each test here adds
its own max_score, which the reporter ignores.

The reporter sums the tests' `score` against `max_score` for the points it
sends to Classroom ("Points X/Y"), so partial credit counts there; its
console table counts only passed tests. A "fail" or "error" status fails the
reporter's step. Scores are rounded to 2 decimals.
"""
from __future__ import annotations

import json

from grader.report import inert
from grader.results import Status, SubmissionResult

VERSION = 1


def _status(status: Status) -> str:
    if status is Status.PASSED:
        return "pass"
    return "error" if status in (Status.ERROR, Status.GRADER_ERROR) else "fail"


def render(result: SubmissionResult) -> str:
    tests = [{"name": c.name, "status": _status(c.status), "score": round(c.score, 2),
              "max_score": round(c.max_score, 2), "message": inert.feedback(c.feedback)} for c in result.checks]
    if any(c.status is Status.GRADER_ERROR for c in result.checks):
        status = "error"  # our failure, not a failing submission
    else:
        status = "pass" if not result.failed else "fail"
    return json.dumps({"version": VERSION, "status": status, "max_score": round(result.max_score, 2),
                       "tests": tests}, indent=2) + "\n"
