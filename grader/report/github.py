"""GitHub Actions views: a Markdown step summary and workflow-command annotations.

`summary` is appended to $GITHUB_STEP_SUMMARY; `annotations` is printed to
stdout, where the runner turns `::error file=...,line=...::` lines into
annotations on the student's code. Feedback can quote the submission (an
exception's message), so everything is escaped for where it lands.
"""
from __future__ import annotations

import html
import re
from typing import Mapping

from grader.report import flags, inert, root_cause
from grader.report.locate import line_of
from grader.report.points import shown
from grader.results import Status, SubmissionResult

ICON = {Status.PASSED: "✅", Status.PARTIAL: "🟡", Status.FAILED: "❌",
        Status.NOT_IMPLEMENTED: "⬜", Status.ERROR: "💥", Status.BLOCKED: "⛔", Status.GRADER_ERROR: "🐞"}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no HTML, no emphasis, no column breaks."""
    text = html.escape(inert.line(text), quote=False)
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", text)


def _fenced(text: str) -> str:
    """A code block whose fence is longer than any backtick run inside, so text cannot close it.

    Inside a fence Markdown shows HTML as text, so it needs no escaping."""
    text = inert.text(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def summary(result: SubmissionResult) -> str:
    out = [f"## Autograding: {shown(result.score)}/{shown(result.max_score)}", "",
           "| | Check | Points | Result |", "|---|---|---:|---|"]
    if result.flags:
        out[2:2] = [f"**{flags.HEADING}** ({flags.NOTICE}):", "", *(f"- {_cell(flags.line(f))}" for f in result.flags),
                    ""]
    out[2:2] = _fix_first(result)
    for c in result.checks:
        out.append(f"| {ICON[c.status]} | `{c.name}` | {shown(c.score)}/{shown(c.max_score)} "
                   f"| {_cell(c.feedback.summary)} |")
    if result.failed:
        out += ["", "### Checks that lost points", ""]
        for c in result.failed:
            out += [f"<details><summary><code>{html.escape(c.name)}</code> "
                    f"{shown(c.score)}/{shown(c.max_score)}: {_cell(c.feedback.summary)}</summary>",
                    "", _fenced(c.feedback.text()), "", "</details>", ""]
    if result.notes:
        out += ["", "### Notes", "", _fenced("\n".join(result.notes))]
    return "\n".join(out) + "\n"


def _fix_first(result: SubmissionResult) -> list[str]:
    """What the terminal report opens with, above the flags and the table."""
    if result.score == result.max_score:
        return []
    out = []
    for cause in root_cause.causes(result):
        out += [f"**Fix first:** {_cell(cause.title)}", ""]
        out += [_fenced("\n".join(cause.lines)), ""] if cause.lines else []
        out += [f"{_cell(line)}  " for line in (root_cause.regains(cause), *cause.advice) if line]
        out.append("")
    return out


def _data(text: str) -> str:
    """Escape a workflow command's message (the runner's own escaping rules)."""
    return inert.text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(result: SubmissionResult, file: str, lines: Mapping[str, int]) -> str:
    """One notice with the points, then one error per check that lost points.

    `file` is the graded file relative to the workspace; `lines` maps the
    submission's names to their lines (see locate.definition_lines).
    """
    out = [f"::notice title=Autograding complete::Points {shown(result.score)}/{shown(result.max_score)}"]
    for c in result.failed:
        where = f"file={_property(file)},line={line_of(c.where, lines)},title={_property(c.name)}"
        message = f"{c.feedback.text()}\n({shown(c.score)}/{shown(c.max_score)} points)"
        out.append(f"::error {where}::{_data(message)}")
    return "\n".join(out) + "\n"
