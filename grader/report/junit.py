"""JUnit XML: one testcase per check, for CI dashboards.

classname is the check's part (before the dot), name the rest, so
classname.name is the check's id. A check that lost points is a <failure>;
one where the submission or the grader crashed is an <error>.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.report import inert
from grader.report.points import exported
from grader.results import Status, SubmissionResult

# Characters XML 1.0 cannot hold at all, even escaped: inert text has none but lone surrogates.
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(text: str) -> str:
    return _ILLEGAL.sub("\ufffd", inert.text(text))


def render(result: SubmissionResult) -> str:
    failures = sum(c.status not in (Status.PASSED, Status.ERROR, Status.GRADER_ERROR) for c in result.checks)
    errors = sum(c.status in (Status.ERROR, Status.GRADER_ERROR) for c in result.checks)
    counts = {"tests": str(len(result.checks)), "failures": str(failures), "errors": str(errors),
              "skipped": "0", "time": f"{result.timings.get('total_seconds', 0):.3f}"}
    root = ET.Element("testsuites", counts)
    suite = ET.SubElement(root, "testsuite", {"name": _text(f"grader {result.submission}"), **counts})
    properties = ET.SubElement(suite, "properties")
    for key, value in (("score", exported(result.score)), ("max_score", exported(result.max_score)),
                       ("digest", result.digest), ("grader_version", result.grader_version)):
        ET.SubElement(properties, "property", name=key, value=value)
    for c in result.checks:
        part, _, rest = c.name.partition(".")
        case = ET.SubElement(suite, "testcase", classname=part, name=rest or part, time="0")
        if c.status is Status.PASSED:
            continue
        tag = "error" if c.status in (Status.ERROR, Status.GRADER_ERROR) else "failure"
        problem = ET.SubElement(case, tag, message=_text(inert.line(c.feedback.summary)), type=c.status.value)
        problem.text = _text(f"{exported(c.score)}/{exported(c.max_score)} points\n{inert.feedback(c.feedback)}")
    if result.output:
        ET.SubElement(suite, "system-out").text = _text(result.output)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
