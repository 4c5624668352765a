"""Gradescope's results.json (their autograder specification).

Visibility is the caller's policy, passed in: a mapping from check name to
one of VISIBILITIES. The result holds none of it. A test not visible now
quotes nothing the submission produced (an exception message, a repr of what
it returned, its output), so the feedback cannot carry a hidden test's
inputs out; the terminal report in the autograder's log, which only
instructors see, has the full feedback. Everything quoted is made inert.
"""
from __future__ import annotations

import json
from typing import Iterable, Mapping

from grader.report import flags, inert
from grader.results import CheckResult, Status, SubmissionResult

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def check_visibility(visibility: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The mapping, or ValueError naming the first unknown check or value.

    A misspelt check name would silently show a test meant to stay hidden,
    so it is an error, not ignored.
    """
    names = list(names)
    for name, value in visibility.items():
        if name not in names:
            raise ValueError(f"visibility: no check named '{name}' (checks: {', '.join(names)})")
        if value not in VISIBILITIES:
            raise ValueError(f"visibility.'{name}' must be one of {', '.join(VISIBILITIES)}, got {value!r}")
    return dict(visibility)


def _overview(result: SubmissionResult, show_output: bool) -> str:
    """The submission-wide text. No total and no per-check feedback, so hidden tests stay hidden."""
    out = [f"Graded {result.source_kind or 'nothing readable'}; each test below gives its own feedback."]
    if any(c.status is Status.GRADER_ERROR for c in result.checks):
        out.append("The grader itself failed on a test; this is not your fault. Please tell your instructor.")
    if result.flags:
        out += ["", f"{flags.HEADING} ({flags.NOTICE}):", *(f"  {inert.line(flags.line(f))}" for f in result.flags)]
    if result.notes:
        out += ["", "Notes:", *(f"  {inert.line(n)}" for n in result.notes)]
    if result.output.strip() and show_output:
        out += ["", "Your code printed (first part only):", *(f"  | {l}" for l in inert.lines(result.output)[:40])]
    elif result.output.strip():  # what it printed could show the inputs of tests not yet visible
        out += ["", "What your code printed is not shown while some tests are not visible."]
    return "\n".join(out)


def _test_output(c: CheckResult, visible: bool) -> str:
    if visible:
        return f"{c.title}\n{inert.feedback(c.feedback)}"
    # Only what the grader itself decided: the status and the names of the bugs it recognised.
    recognised = [f"recognised: {', '.join(c.diagnosed)}"] if c.diagnosed else []
    return "\n".join((c.title, f"{c.status.value.replace('_', ' ')}; no details are shown for this test "
                               "(instructors find them in the autograder output)", *recognised))


def render(result: SubmissionResult, visibility: Mapping[str, str] | None = None,
           stdout_visibility: str = "hidden") -> str:
    """results.json text. `stdout_visibility` stays hidden by default: stdout is the
    terminal report, which prints every check's feedback, hidden ones too."""
    visibility = visibility or {}
    when = {c.name: visibility.get(c.name, "visible") for c in result.checks}
    tests = [{"name": c.name, "score": float(round(c.score, 4)), "max_score": float(c.max_score),
              "status": "passed" if c.status is Status.PASSED else "failed",
              "output": _test_output(c, when[c.name] == "visible"), "visibility": when[c.name]}
             for c in result.checks]
    return json.dumps({"score": float(result.score),
                       "execution_time": int(round(result.timings.get("total_seconds", 0))),
                       "output": _overview(result, all(t["visibility"] == "visible" for t in tests)),
                       "visibility": "visible",
                       "stdout_visibility": stdout_visibility, "tests": tests}, indent=2) + "\n"
