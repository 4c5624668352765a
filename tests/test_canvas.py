"""--canvas: a CSV that Canvas's gradebook import reads, from a roster that says who each folder is.

Canvas's importer wants `Student,ID,SIS User ID,SIS Login ID,Section` first,
then the assignment's column, an optional `Points Possible` row, and leaves
a blank cell's grade alone.
"""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from grader import canvas, cli
from grader.report.roster import Entry
from grader.results import CheckResult, Feedback, Status, SubmissionResult
from tests.test_reports import REPO

# As Canvas exports a gradebook (with a byte-order mark, its Points Possible row, an assignment column),
# plus the folder column an instructor adds.
EXPORT = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (11),folder\n"
          "    Points Possible,,,,,10,\n"
          "\"Lovelace, Ada\",101,s-1,ada@uni,Sec A,9,ada\n"
          "\"Babbage, Charles\",102,s-2,cb@uni,Sec B,7,charles\n"
          "\"Hopper, Grace\",103,s-3,gh@uni,Sec A,8,\n")


def result(score: float) -> SubmissionResult:
    check = CheckResult("network.backward", "backward", 100, score, Status.PARTIAL, Feedback("f"))
    return SubmissionResult("x", "python", "d", (check,))


def roster(tmp_path: Path, text: str = EXPORT) -> canvas.Roster:
    (tmp_path / "roster.csv").write_text(text, encoding="utf-8")
    return canvas.Roster(tmp_path / "roster.csv")


def test_export_has_canvas_columns_points_possible_and_scores(tmp_path):
    text = canvas.render(roster(tmp_path), [Entry("ada", result(87.5)), Entry("charles", None, "no file")],
                         "Backprop (4242)")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Backprop (4242)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "100"]
    assert rows[2:] == [["Lovelace, Ada", "101", "s-1", "ada@uni", "Sec A", "87.5"],
                        ["Babbage, Charles", "102", "s-2", "cb@uni", "Sec B", ""],  # not graded: Canvas keeps it
                        ["Hopper, Grace", "103", "s-3", "gh@uni", "Sec A", ""]]  # no folder


def test_folders_named_by_login_id_need_no_folder_column(tmp_path):
    plain = "Student,ID,SIS User ID,SIS Login ID,Section\nAda,101,,ada,A\nCharles,102,,charles,B\n"
    text = canvas.render(roster(tmp_path, plain), [Entry("charles", result(40))])
    assert text.splitlines()[3] == "Charles,102,,charles,B,40"


@pytest.mark.parametrize("text, phrase", [
    ("Name,Login\nAda,ada\n", "needs at least the columns Student and ID"),
    ("Student,ID\nAda,101\n", "needs a `folder` column"),
    ("Student,ID,folder\nAda,101,ada\nAda L.,105,ada\n", "gives the same folder to several students: ada"),
])
def test_unusable_rosters_are_refused(tmp_path, text, phrase):
    with pytest.raises(canvas.UsageError, match=phrase):
        roster(tmp_path, text)


def run(*argv: str) -> tuple[int, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout, stderr, env={})
    return status, stdout.getvalue() + stderr.getvalue()


def test_a_roster_that_leaves_students_out_is_refused_before_grading(tmp_path):
    klass = tmp_path / "class"
    for name in ("ada", "bo", "zed"):
        shutil.copytree(REPO / "student_template", klass / name, ignore=shutil.ignore_patterns("*.ipynb"))
    (tmp_path / "roster.csv").write_text(EXPORT)
    status, output = run(str(klass), "--batch", "--out", str(tmp_path / "out"), "--canvas", str(tmp_path / "c.csv"),
                         "--roster", str(tmp_path / "roster.csv"))
    assert status == 2 and "names no Canvas student for 2 folder(s) of the class" in output and ": bo, zed" in output
    assert not (tmp_path / "out").exists() and not (tmp_path / "c.csv").exists()


@pytest.mark.parametrize("extra, phrase", [
    (["--canvas", "c.csv"], "--canvas PATH and --roster CSV go together"),
    (["--roster", "r.csv"], "--canvas PATH and --roster CSV go together"),
    (["--canvas", "c.csv", "--roster", "r.csv", "--shard", "1/2"], "pass it to `python -m grader merge`"),
])
def test_canvas_options_are_checked(tmp_path, extra, phrase):
    (tmp_path / "r.csv").write_text(EXPORT)
    (tmp_path / "class").mkdir()
    status, output = run(str(tmp_path / "class"), "--batch", "--out", str(tmp_path / "out"),
                         *(str(tmp_path / a) if a.endswith(".csv") else a for a in extra))
    assert status == 2 and phrase in output


def test_merge_checks_canvas_options_too(tmp_path):
    status, output = run("merge", str(tmp_path / "out"), str(tmp_path), "--canvas", str(tmp_path / "c.csv"))
    assert status == 2 and "--canvas PATH and --roster CSV go together" in output
