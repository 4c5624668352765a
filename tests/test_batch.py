"""Grading a class: a full gradebook, error rows, and resuming after a kill or Ctrl-C.

One class is graded once per module, the hard way: a batch is started as a
process, killed with SIGKILL once the first student's result appears, then
run again to finish. The tests read that run. Only the batch is killed: its
graders, orphaned, end by themselves and clean up their own sandboxes.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import grader
from grader import batch, classview, cli, history
from grader.backprop import settings as settings_module
from grader.classview import code as class_code
from grader.progress import Progress
from grader.report.roster import Entry
from grader.results import CheckResult, Feedback, Status, SubmissionResult
from tests.test_reports import REPO

STUDENTS = ["alice", "bob", "broken", "carol", "dave", "empty"]


def make_class(root: Path) -> Path:
    klass = root / "class"
    (klass / "alice").mkdir(parents=True)
    shutil.copy(REPO / "reference" / "backprop.py", klass / "alice")
    shutil.copytree(REPO / "student_template", klass / "bob", ignore=shutil.ignore_patterns("*.ipynb"))
    (klass / "broken").mkdir()
    (klass / "broken" / "backprop.py").write_text("def sigmoid(x:\n    return x\n")
    shutil.copy(REPO / "reference" / "backprop.py", klass / "carol.py")
    shutil.copy(REPO / "student_template" / "backprop.ipynb", klass / "dave.ipynb")
    (klass / "empty").mkdir()
    (klass / "notes.txt").write_text("not a submission")
    (klass / ".DS_Store").mkdir()
    return klass


def start(klass: Path, out: Path, *extra: str) -> subprocess.Popen:
    # SIGINT restored: a background process may inherit it ignored, and then Ctrl-C could not be tested.
    return subprocess.Popen([sys.executable, "-m", "grader", str(klass), "--batch", "--out", str(out), *extra],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_first_result(out: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not list(out.glob(f"*/{batch.RESULT}")):
        assert process.poll() is None and time.monotonic() < deadline, "the batch ended before any result"
        time.sleep(0.05)


def run_batch(klass: Path, out: Path, *extra: str) -> tuple[int, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = cli.main([str(klass), "--batch", "--out", str(out), *extra], stdout, stderr, env={})
    return status, stdout.getvalue() + stderr.getvalue()


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    """(out, results kept from the killed run with their mtimes, the rerun's output)."""
    root = tmp_path_factory.mktemp("batch")
    klass, out = make_class(root), root / "out"
    process = start(klass, out, "-j", "2")
    try:
        wait_for_first_result(out, process)
    finally:
        process.kill()
        process.wait()
    kept = {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"*/{batch.RESULT}")}
    status, output = run_batch(klass, out, "-j", "2")
    assert status == 0, output
    return out, kept, output, klass


def gradebook(out: Path) -> dict[str, dict]:
    with open(out / "gradebook.csv", newline="") as f:
        return {row["identifier"]: row for row in csv.DictReader(f)}


def test_gradebook_has_a_row_per_student(resumed):
    out, _, _, _ = resumed
    rows = gradebook(out)
    assert sorted(rows) == STUDENTS
    assert rows["alice"]["total"] == rows["carol"]["total"] == "100"
    assert rows["bob"]["total"] == rows["dave"]["total"] == "0"
    assert rows["broken"]["total"] == "0" and rows["broken"]["status"] == "syntax error"  # graded, what parses
    assert "SyntaxError" in rows["broken"]["error"] and rows["alice"]["status"] == "graded"
    assert rows["empty"]["total"] == "" and "neither backprop.py nor a notebook" in rows["empty"]["error"]
    assert rows["alice"]["network.backward"] == "24"


def test_each_student_has_reports(resumed):
    out, _, _, _ = resumed
    for student in ("alice", "bob", "broken", "carol", "dave"):
        assert (out / student / batch.RESULT).is_file() and (out / student / batch.REPORT).is_file()
        assert not (out / student / batch.STAGING).exists()
    assert "Total: 100/100" in (out / "alice" / batch.REPORT).read_text()
    assert (out / "empty" / batch.ERROR).is_file() and not (out / "empty" / batch.RESULT).exists()
    summary = (out / "summary.md").read_text()
    assert "6 students: 5 graded, 1 could not be graded." in summary and "## Checks most often failed" in summary


def test_rerun_after_a_kill_does_not_regrade_finished_students(resumed):
    out, kept, output, _ = resumed
    assert kept, "the killed run kept no result"
    for student, mtime in kept.items():
        assert (out / student / batch.RESULT).stat().st_mtime_ns == mtime
        assert f"{student}: " in output and "unchanged since the last run" in output
    assert f"{len(kept)} unchanged" in output and "1 errors" in output


def test_second_rerun_grades_nothing_and_a_change_regrades_one(resumed):
    out, _, _, klass = resumed
    status, output = run_batch(klass, out, "-j", "2")
    assert status == 0 and "Done: 0 graded, 5 unchanged, 1 errors." in output
    with open(klass / "carol.py", "a") as f:
        f.write("\n# one more comment\n")
    status, output = run_batch(klass, out, "-j", "2")
    assert status == 0 and "Done: 1 graded, 4 unchanged, 1 errors." in output
    assert "carol: 100/100 (" in output


def test_a_rerun_with_student_html_writes_the_unchanged_students_reports(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    shutil.copytree(REPO / "student_template", klass / "bob", ignore=shutil.ignore_patterns("*.ipynb"))
    status, output = run_batch(klass, out)
    assert status == 0 and not (out / "bob" / batch.HTML).exists()
    (out / "bob" / class_code.CODE).unlink()  # as a grader from before code.json left it
    graded = (out / "bob" / batch.RESULT).stat().st_mtime_ns
    status, output = run_batch(klass, out, "--student-html")
    assert status == 0 and "Done: 0 graded, 1 unchanged, 0 errors." in output
    assert (out / "bob" / batch.RESULT).stat().st_mtime_ns == graded  # not regraded
    page = (out / "bob" / batch.HTML).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Total: 0 / 100" in page
    assert class_code.load(out / "bob", json.loads((out / "bob" / batch.RESULT).read_text())["digest"])


def test_ctrl_c_keeps_finished_students(tmp_path):
    klass = tmp_path / "class"
    for name, source in (("a", "student_template"), ("b", "reference"), ("c", "reference")):
        (klass / name).mkdir(parents=True)
        shutil.copy(REPO / source / "backprop.py", klass / name)
    out = tmp_path / "out"
    process = start(klass, out, "-j", "1")
    wait_for_first_result(out, process)
    os.killpg(process.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 130, output
    # On a loaded machine a second student may finish before the signal lands.
    finished = re.search(r"Interrupted: (\d) of 3 finished", output)
    assert finished and 1 <= int(finished[1]) < 3, output
    assert sum((out / name / batch.RESULT).is_file() for name in "abc") == int(finished[1])
    assert (out / "a" / batch.RESULT).is_file() and not (out / "gradebook.csv").exists()


def test_students_are_the_folders_and_submission_files(tmp_path):
    klass = make_class(tmp_path)
    (klass / "alice.py").write_text("")  # its stem collides with the folder alice
    found = {s.identifier: s.path.name for s in batch.students(klass)}
    assert found == {"alice": "alice", "alice.py": "alice.py", "bob": "bob", "broken": "broken", "carol": "carol.py",
                     "dave": "dave.ipynb", "empty": "empty"}


def test_previous_result_needs_the_same_digest_and_settings(resumed):
    out, _, _, _ = resumed
    alice = out / "alice"
    result = batch.previous_result(alice, batch.submission.load(alice.parent.parent / "class" / "alice").digest,
                                   batch.settings_key(None))
    assert result is not None and result.score == 100
    assert batch.previous_result(alice, "0" * 64, batch.settings_key(None)) is None
    assert batch.previous_result(alice, result.digest, "another grader or config") is None


def test_the_rerun_key_follows_the_grader_code_its_defaults_and_the_configs_contents(tmp_path, monkeypatch):
    """Each input that decides a result, changed alone, changes the key: a rerun then regrades."""
    package = tmp_path / "grader"
    shutil.copytree(Path(grader.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(grader, "__file__", str(package / "__init__.py"))
    monkeypatch.setattr(settings_module, "DEFAULTS_PATH", package / "backprop" / "defaults.toml")
    config = tmp_path / "course.toml"
    config.write_text('[points]\n"sigmoid.values" = 4\n')
    keys = [batch.settings_key(config)]
    assert batch.settings_key(config) == keys[0] and batch.settings_key(None) != keys[0]

    def changed(what):
        key = batch.settings_key(config)
        assert key not in keys, f"the key ignores {what}"
        keys.append(key)

    config.write_text('[points]\n"sigmoid.values" = 10\n')  # same path, a check reweighted
    changed("the config's contents")
    defaults = package / "backprop" / "defaults.toml"
    defaults.write_text(defaults.read_text().replace("seed = 7", "seed = 8"))
    changed("the assignment's defaults")
    with open(package / "backprop" / "checks" / "gradients.py", "a") as f:  # a module two folders down
        f.write("\n# a tolerance edited\n")
    changed("the grader's code")
    monkeypatch.setattr(grader, "__version__", grader.__version__ + ".1")
    changed("the grader's version")


def test_reweighting_a_check_in_the_config_regrades_the_class(tmp_path):
    klass, out, config = tmp_path / "class", tmp_path / "out", tmp_path / "course.toml"
    shutil.copytree(REPO / "student_template", klass / "bob", ignore=shutil.ignore_patterns("*.ipynb"))
    config.write_text('[points]\n"sigmoid.values" = 4\n')
    status, output = run_batch(klass, out, "--config", str(config))
    assert status == 0 and "Done: 1 graded, 0 unchanged, 0 errors." in output
    assert gradebook(out)["bob"]["max_score"] == "100"
    config.write_text('[points]\n"sigmoid.values" = 10\n')
    status, output = run_batch(klass, out, "--config", str(config))
    assert status == 0 and "Done: 1 graded, 0 unchanged, 0 errors." in output, output
    assert gradebook(out)["bob"]["max_score"] == "106"


def test_a_previous_result_is_reused_only_for_the_same_submission_and_key(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / batch.RESULT).write_text(json.dumps(_result(a=10).to_dict()))
    (folder / batch.KEY).write_text("key")
    assert batch.previous_result(folder, "d", "key").score == 10
    assert batch.previous_result(folder, "another digest", "key") is None
    assert batch.previous_result(folder, "d", "another key") is None
    (folder / batch.RESULT).write_text("{")  # cut short by a kill
    assert batch.previous_result(folder, "d", "key") is None


def test_a_class_folder_that_is_no_folder_is_a_usage_error(tmp_path):
    (tmp_path / "class.zip").write_text("")
    with pytest.raises(batch.UsageError, match="class.zip is not a folder"):
        batch.students(tmp_path / "class.zip")


def test_a_linked_student_is_an_error_row_not_a_classmate_graded_twice(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    shutil.copytree(REPO / "student_template", klass / "alice", ignore=shutil.ignore_patterns("*.ipynb"))
    (klass / "bob").mkdir()
    (klass / "bob" / "backprop.py").symlink_to(klass / "alice" / "backprop.py")  # a classmate's file
    (klass / "carol").symlink_to(klass / "alice")  # the entry itself is a link
    (klass / "dave.py").symlink_to(klass / "alice" / "backprop.py")
    secret = tmp_path / "answers.json"
    secret.write_text('{"key": "instructor-only"}')
    (klass / "eve").mkdir()
    (klass / "eve" / "work.ipynb").symlink_to(secret)
    status, output = run_batch(klass, out, "-j", "1")
    assert status == 0, output
    rows = gradebook(out)
    assert sorted(rows) == ["alice", "bob", "carol", "dave", "eve"]
    assert rows["alice"]["total"] == "0" and rows["alice"]["error"] == ""
    for student, link in (("bob", "bob/backprop.py"), ("carol", "carol"), ("dave", "dave.py"),
                          ("eve", "eve/work.ipynb")):
        assert rows[student]["total"] == "" and f"{link} is a symbolic link" in rows[student]["error"]
        assert not (out / student / batch.RESULT).exists() and not (out / student / batch.REPORT).exists()
    written = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert "instructor-only" not in written + output


def test_a_regrade_keeps_the_earlier_result_and_says_what_changed(resumed):
    out, _, _, klass = resumed
    run_batch(klass, out, "-j", "2")  # whatever earlier tests changed is now the last run
    reference = (REPO / "reference" / "backprop.py").read_text()
    (klass / "alice" / "backprop.py").write_text(reference.replace("(1 / m) * ", ""))  # sums, not means
    status, output = run_batch(klass, out, "-j", "2")
    assert status == 0 and "Done: 1 graded, 4 unchanged, 1 errors." in output
    with open(out / "changes.csv", newline="") as f:
        changes = list(csv.DictReader(f))
    assert [(c["student"], c["before"]) for c in changes] == [("alice", "100")]
    assert float(changes[0]["after"]) < 100 and "network.backward:24->" in changes[0]["checks_changed"]
    assert f"alice: 100 -> {changes[0]['after']}  " in output  # the batch's own last lines say it too
    section = (out / "summary.md").read_text().split("## Changes since the last run")[1]
    assert "| alice | 100 |" in section and "`network.backward` 24 →" in section
    kept = list((out / "alice" / "history").glob("*.json"))
    assert len(kept) >= 1
    earlier = batch.SubmissionResult.from_dict(json.loads(max(kept).read_text()))
    assert earlier.score == 100 and earlier.digest != json.loads((out / "alice" / batch.RESULT).read_text())["digest"]


@pytest.fixture
def far_from_utc(monkeypatch):
    """A local time zone five hours east of UTC, as on a grader abroad; restored afterwards."""
    monkeypatch.setenv("TZ", "XST-05")  # a POSIX zone: needs no tz database
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_history_numbers_count_up_and_no_kept_result_is_overwritten(tmp_path, far_from_utc):
    student = tmp_path / "alice"
    student.mkdir()
    result = student / batch.RESULT
    assert history.keep(result) is None and not (student / history.HISTORY).exists()  # nothing graded yet

    def regrade(text: str, when: int = 1_700_000_000) -> Path:
        result.write_text(text)
        os.utime(result, (when, when))
        return history.keep(result)

    first = regrade("one")
    assert first.name == "001-20231114T221320Z.json" and not result.exists()  # the UTC time it was written
    second, third = regrade("two"), regrade("three")  # within one second: the number keeps them apart
    assert [p.name[:4] for p in (second, third)] == ["002-", "003-"]
    second.unlink()  # an instructor tidies up the middle of the history
    (student / history.HISTORY / "notes-for-me.json").write_text("{}")  # and leaves a file of their own
    fourth = regrade("four", 1_700_000_600)
    assert fourth.name.startswith("004-")
    assert [p.read_text() for p in history.earlier(student)] == ["one", "three", "four"]
    os.replace(fourth, fourth.with_name("999-20231114T223320Z.json"))
    assert regrade("five").name.startswith("1000-")  # past three digits: the order is by number, not text
    assert [p.read_text() for p in history.earlier(student)] == ["one", "three", "four", "five"]


def _result(**scores: float) -> SubmissionResult:
    return SubmissionResult("x", "python", "d", tuple(
        CheckResult(name, name, 10, score, Status.PASSED if score == 10 else Status.FAILED, Feedback("f"))
        for name, score in scores.items()))


def test_changes_compare_with_the_last_views_written(tmp_path):
    first = [Entry("ann", _result(a=10, b=10)), Entry("bo", _result(a=10, b=0)), Entry("cy", None, "no file"),
             Entry("di", _result(a=10, b=10))]
    classview.write(tmp_path, first, "t")
    assert (tmp_path / "changes.csv").read_text().splitlines()[1:] == ["ann,,20,", "bo,,10,", "cy,,,", "di,,20,"]
    assert "No earlier run in this folder: all 4 students are new" in (tmp_path / "summary.md").read_text()
    classview.write(tmp_path, first, "t")
    assert (tmp_path / "changes.csv").read_text() == "student,before,after,checks_changed\n"
    assert "No score changed." in (tmp_path / "summary.md").read_text()
    second = [Entry("ann", _result(a=10, b=10)), Entry("bo", _result(a=5, b=10)), Entry("cy", _result(a=0, b=0)),
              Entry("=eve", _result(a=0, b=0))]
    classview.write(tmp_path, second, "t")
    assert (tmp_path / "changes.csv").read_text().splitlines()[1:] == [
        "'=eve,,0,", "bo,10,15,a:10->5;b:0->10", "cy,,0,", "di,20,,"]
    summary = (tmp_path / "summary.md").read_text()
    assert "| di | 20 | – | no longer in the class |" in summary and "could not be graded last time" in summary


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_line_with_errors_and_time_left():
    screen, now = FakeTerminal(), [0.0]
    progress = Progress(screen, 4, live=True, clock=lambda: now[0], width=lambda: 200)
    now[0] = 10.0
    progress.finished(Entry("ann", _result(a=10)), "graded", 10.0)
    assert screen.getvalue().startswith("\r[1/4] 0 errors, ETA 30s") and "\n" not in screen.getvalue()
    progress.finished(Entry("bo", None, "no backprop.py"), "error")
    progress.finished(Entry("cy", _result(a=10)), "unchanged")
    now[0] = 100.0
    progress.close()
    text = screen.getvalue()
    assert "[2/4] bo: ERROR no backprop.py\n" in text  # an error stays on the screen, on a line of its own
    assert text.endswith("\r[3/4] 1 error, ETA 10s · last: cy: 10/10 (unchanged since the last run, not "
                         "regraded)\x1b[K\n")


def test_progress_elsewhere_is_a_plain_line_per_student():
    log = io.StringIO()
    progress = Progress(log, 2, live=False)
    progress.finished(Entry("ann", _result(a=10)), "graded", 1.25)
    progress.finished(Entry("bo\x1b[2J", None, "no backprop.py"), "error")
    progress.close()
    assert log.getvalue() == "[1/2] ann: 10/10 (1.2 s)\n[2/2] bo: ERROR no backprop.py\n"


def test_no_two_students_share_a_name_and_none_takes_a_class_file(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    klass.mkdir()
    for name in ("d.py", "d.ipynb", "d.py.py", "gradebook.csv.py"):
        shutil.copy(REPO / "student_template" / ("backprop.ipynb" if name.endswith("ipynb") else "backprop.py"),
                    klass / name)
    found = sorted(s.identifier for s in batch.students(klass))
    assert found == ["d.ipynb", "d.py", "d.py.py", "gradebook.csv"]
    status, output = run_batch(klass, out, "-j", "2")
    assert status == 0, output
    rows = gradebook(out)
    assert sorted(rows) == found
    assert "name of a file the batch writes" in rows["gradebook.csv"]["error"]
    assert (out / "gradebook.csv").is_file() and (out / "index.html").is_file()
