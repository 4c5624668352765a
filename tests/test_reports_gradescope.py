"""The Gradescope bundle: run_autograder against a fake /autograder, and its failure paths."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import gradescope
from tests.test_reports import REPO


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "source"
    assert gradescope.main([str(out), "--zip", str(out.parent / "autograder.zip")]) == 0
    return out


def fake_autograder(tmp_path: Path, bundle: Path, submission: Path | None) -> Path:
    """/autograder as Gradescope lays it out: source/ (the bundle), submission/, results/."""
    root = tmp_path / "autograder"
    shutil.copytree(bundle, root / "source")
    if submission is None:
        (root / "submission").mkdir()
    else:
        shutil.copytree(submission, root / "submission")
    return root


def run_autograder(root: Path, python: str = sys.executable) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python}
    env.pop("GITHUB_ACTIONS", None)
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, timeout=300)
    return json.loads((root / "results" / "results.json").read_text())


def test_bundle_has_the_entry_points_and_the_source(bundle):
    for name in ("setup.sh", "run_autograder"):
        assert (bundle / name).stat().st_mode & stat.S_IXUSR
        assert subprocess.run(["bash", "-n", str(bundle / name)]).returncode == 0
    assert (bundle / "pyproject.toml").is_file() and (bundle / "grader" / "cli.py").is_file()
    assert not list(bundle.rglob("__pycache__")) and not (bundle / "reference").exists()
    assert 'pip install "$ROOT/source"' in (bundle / "setup.sh").read_text()
    with zipfile.ZipFile(bundle.parent / "autograder.zip") as archive:
        names = archive.namelist()
        assert "run_autograder" in names and "setup.sh" in names  # at the root, as Gradescope requires
        assert archive.getinfo("run_autograder").external_attr >> 16 & stat.S_IXUSR


def test_reference_scores_100(tmp_path, bundle):
    results = run_autograder(fake_autograder(tmp_path, bundle, REPO / "reference"))
    assert results["score"] == 100.0 and len(results["tests"]) == 19
    assert all(t["status"] == "passed" for t in results["tests"])


def test_empty_submission_scores_0_with_a_message(tmp_path, bundle):
    results = run_autograder(fake_autograder(tmp_path, bundle, None))
    assert results["score"] == 0 and results["tests"] == []
    assert "your upload holds neither backprop.py nor a notebook" in results["output"]


def test_grader_failure_still_writes_results(tmp_path, bundle):
    # A Python whose `-m grader` fails like a grader bug (exit 3) but runs scripts normally.
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\ncase " $* " in *" -m grader "*) echo "grader: internal error" >&2; exit 3;; esac\n'
                      f'exec {sys.executable} "$@"\n')
    python.chmod(0o755)
    results = run_autograder(fake_autograder(tmp_path, bundle, REPO / "reference"), str(python))
    assert results["score"] == 0 and "not your fault" in results["output"]


def test_no_python_at_all_still_writes_results(tmp_path, bundle):
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\nexit 127\n")
    python.chmod(0o755)
    results = run_autograder(fake_autograder(tmp_path, bundle, REPO / "reference"), str(python))
    assert results["score"] == 0 and "could not start" in results["output"]  # written by the shell alone


def test_setup_installs_the_grader_from_source_and_from_the_root_folder(tmp_path, bundle):
    """setup.sh as Gradescope runs it, from /autograder/source, where the bundle's ./grader folder must not
    stand in for the installed grader; then again from /. The image it builds grades the reference."""
    root = fake_autograder(tmp_path, bundle, REPO / "reference")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    env.pop("AUTOGRADER_PYTHON", None)
    for cwd in (root / "source", Path("/")):
        done = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    python = root / "venv" / "bin" / "python3"
    where = subprocess.run([str(python), "-I", "-c", "import grader; print(grader.__file__)"], cwd=root / "source",
                           capture_output=True, text=True).stdout
    assert Path(where).is_relative_to(root / "venv")
    env.pop("GITHUB_ACTIONS", None)
    subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd="/", env=env, timeout=300)
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 100.0


def test_bundle_checks_the_config_first(tmp_path):
    config = tmp_path / "course.toml"
    config.write_text('[points]\n"network.backward" = -1\n')
    assert gradescope.main([str(tmp_path / "out"), "--config", str(config)]) == 2
    config.write_text('[visibility]\n"network.backward" = "after_due_date"\n')
    assert gradescope.main([str(tmp_path / "out"), "--config", str(config)]) == 0
    assert (tmp_path / "out" / "course.toml").read_text() == config.read_text()


FORGER = '''
import os, time
ROOT = {root!r}
for path in (ROOT + "/source/course.toml", ROOT + "/source/grader/cli.py", {reference!r}):
    try:
        with open(path) as f:
            print("LEAK", f.read(40))
    except OSError:
        print("blocked", path)
if os.fork() == 0:  # outlive the grader and overwrite its verdict
    for _ in range(60):
        try:
            with open(ROOT + "/results/results.json", "w") as f:
                f.write('{{"score": 100.0, "tests": []}}')
        except OSError:
            pass
        time.sleep(0.05)
    os._exit(0)
'''


def test_the_child_reads_no_grader_config_or_reference_and_the_results_are_the_graders(bundle):
    import tempfile

    # Every user may pass through to it, unlike pytest's own tmp folders (mode 700):
    # only confinement can stop the child here.
    base = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    base.chmod(0o755)
    try:
        _attack_the_bundle(base, bundle)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _attack_the_bundle(tmp_path: Path, bundle: Path) -> None:
    import time

    submission = tmp_path / "upload"
    submission.mkdir()
    root = tmp_path / "autograder"
    template = (REPO / "student_template" / "backprop.py").read_text()
    attack = FORGER.format(root=str(root), reference=str(REPO / "reference" / "backprop.py"))
    (submission / "backprop.py").write_text(attack + template)
    fake_autograder(tmp_path, bundle, submission)
    (root / "source" / "course.toml").write_text("[checks]\nseed = 2027  # the instructor's secret seed\n")
    results = run_autograder(root)
    time.sleep(1)  # a leftover writer would have struck by now
    again = json.loads((root / "results" / "results.json").read_text())
    assert results == again
    assert results["score"] == 0.0 and len(results["tests"]) == 19
    everything = json.dumps(results)
    assert "LEAK" not in everything and "secret seed" not in everything
