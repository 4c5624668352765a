"""Grading a class in shards on several machines, and merging them into one class.

One small class is graded once on "one machine" and once as three shards,
each a process of its own numbered the way its job engine numbers it:
a Slurm array task (offset, stepped ids), a Kubernetes Indexed Job
(0-based index) and a GitHub Actions matrix entry (--shard K/N). The merge
must give the one-machine gradebook and summary.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import batch, cli, shards
from grader.exits import UsageError
from tests.test_reports import REPO

FAST = REPO / "tests" / "fast_limits.toml"
# Names picked so that each of 3 shards gets some: cy, fay in 1; eli, hal in 2; ada, ben in 3.
ENGINES = {  # shard: (environment, extra arguments)
    2: ({"SLURM_ARRAY_TASK_ID": "15", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_MAX": "20",
         "SLURM_ARRAY_TASK_STEP": "5", "SLURM_ARRAY_TASK_COUNT": "3"}, []),
    1: ({"JOB_COMPLETION_INDEX": "0"}, ["--shard-count", "3"]),
    3: ({}, ["--shard", "3/3"]),
}


def make_class(root: Path) -> Path:
    klass = root / "class"
    klass.mkdir()
    reference = (REPO / "reference" / "backprop.py").read_text()
    (klass / "cy").mkdir()
    (klass / "cy" / "backprop.py").write_text(reference)
    (klass / "eli").mkdir()
    (klass / "eli" / "backprop.py").write_text(reference.replace("(1 / m) * ", ""))  # sums, not means
    (klass / "fay").mkdir()  # nothing handed in
    shutil.copytree(REPO / "student_template", klass / "hal", ignore=shutil.ignore_patterns("*.ipynb"))
    (klass / "ada.py").write_text(reference)
    (klass / "ben.py").write_text("def sigmoid(x:\n")
    return klass


def grade(klass: Path, out: Path, env: dict, *extra: str) -> subprocess.Popen:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "JOB_COMPLETION"))}
    return subprocess.Popen([sys.executable, "-m", "grader", str(klass), "--batch", "--out", str(out), "-j", "1",
                             "--config", str(FAST), *extra], cwd=REPO, env={**clean, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run(*argv: str) -> tuple[int, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout, stderr, env={})
    return status, stdout.getvalue() + stderr.getvalue()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(class, one-machine output, {shard: (folder, its output)}, merged output)."""
    root = tmp_path_factory.mktemp("shards")
    klass = make_class(root)
    processes = {k: grade(klass, root / f"shard-{k}", env, *extra) for k, (env, extra) in ENGINES.items()}
    status, single = run(str(klass), "--batch", "--out", str(root / "single"), "-j", "1", "--config", str(FAST))
    assert status == 0, single
    outputs = {}
    for k, process in processes.items():
        outputs[k] = (root / f"shard-{k}", process.communicate(timeout=300)[0])
        assert process.returncode == 0, outputs[k][1]
    status, merged = run("merge", str(root / "merged"), *(str(outputs[k][0]) for k in (3, 1, 2)))
    assert status == 0, merged
    return klass, root / "single", outputs, root / "merged"


def rows(path: Path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {row["identifier"]: row for row in csv.DictReader(f)}


def test_merged_shards_give_the_one_machine_gradebook(graded):
    _, single, _, merged = graded
    assert (merged / "gradebook.csv").read_text() == (single / "gradebook.csv").read_text()
    assert (merged / "summary.md").read_text() == (single / "summary.md").read_text()
    assert (merged / "changes.csv").read_text() == (single / "changes.csv").read_text()
    if (single / "similarity.csv").exists():  # the class views may grow; whatever they are, they agree
        assert (merged / "similarity.csv").read_text() == (single / "similarity.csv").read_text()
    book = rows(merged / "gradebook.csv")
    assert sorted(book) == ["ada", "ben", "cy", "eli", "fay", "hal"]
    assert book["cy"]["total"] == book["ada"]["total"] == "100" and float(book["eli"]["total"]) < 100
    assert book["fay"]["total"] == "" and "neither backprop.py nor a notebook" in book["fay"]["error"]


def test_each_engine_numbers_its_shard(graded):
    _, _, outputs, _ = graded
    assert "shard 2/3 from SLURM_ARRAY_TASK_ID=15" in outputs[2][1]
    assert "shard 1/3 from JOB_COMPLETION_INDEX=0" in outputs[1][1]
    assert "shard 3/3 from --shard" in outputs[3][1]
    assert {k: sorted(rows(folder / "gradebook.csv")) for k, (folder, _) in outputs.items()} == \
        {1: ["cy", "fay"], 2: ["eli", "hal"], 3: ["ada", "ben"]}


def test_merge_copies_every_students_folder(graded):
    _, _, _, merged = graded
    assert (merged / "cy" / batch.RESULT).is_file() and "Total: 100/100" in (merged / "cy" / batch.REPORT).read_text()
    assert (merged / "fay" / batch.ERROR).is_file()


def test_merge_refuses_missing_and_overlapping_shards(graded, tmp_path):
    _, _, outputs, _ = graded
    folders = {k: str(folder) for k, (folder, _) in outputs.items()}
    status, output = run("merge", str(tmp_path / "a"), folders[1], folders[3])
    assert status == 2 and "shard(s) 2/3 missing" in output
    status, output = run("merge", str(tmp_path / "b"), folders[1], folders[2], folders[3], folders[2])
    assert status == 2 and "shard 2/3 is given twice" in output
    copy = tmp_path / "copy-of-1"
    shutil.copytree(folders[1], copy)
    manifest = shards.read_manifest(copy)
    shards.write_manifest(copy, shards.Shard(2, 3, ""), manifest["title"], manifest["settings"],
                          manifest["students"])  # shard 1's students, claiming to be shard 2
    status, output = run("merge", str(tmp_path / "c"), folders[1], str(copy), folders[3])
    assert status == 2 and "the shards overlap: cy is in both" in output
    status, output = run("merge", str(tmp_path / "d"), folders[1], folders[2], str(tmp_path))
    assert status == 2 and "has no shard.json" in output
    assert not any((tmp_path / name).exists() for name in "abcd")


def test_an_interrupted_shard_cannot_be_merged_until_it_is_run_again(graded, tmp_path):
    klass, _, outputs, _ = graded
    shutil.copytree(outputs[1][0], tmp_path / "s1")
    (tmp_path / "s1" / shards.MANIFEST).unlink()  # what a batch leaves when it is stopped
    status, output = run("merge", str(tmp_path / "m"), str(tmp_path / "s1"), str(outputs[2][0]), str(outputs[3][0]))
    assert status == 2 and "not the folder of a finished `--batch --shard` run" in output
    status, output = run(str(klass), "--batch", "--out", str(tmp_path / "s1"), "--shard", "1/3", "--config", str(FAST))
    assert status == 0 and sorted(shards.read_manifest(tmp_path / "s1")["students"]) == ["cy", "fay"], output


def test_partition_depends_on_the_name_alone():
    names = [f"student{i}" for i in range(60)]
    for n in (1, 2, 3, 7):
        owners = {name: [k for k in range(1, n + 1) if shards.Shard(k, n, "").holds(name)] for name in names}
        assert all(len(k) == 1 for k in owners.values())  # every student in exactly one shard
    # Pinned: a grader that moved students between shards would split a class differently across versions.
    assert [k for k in (1, 2, 3) if shards.Shard(k, 3, "").holds("cy")] == [1]
    assert [k for k in (1, 2, 3) if shards.Shard(k, 3, "").holds("ada")] == [3]


@pytest.mark.parametrize("env, count, expected", [
    ({"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"}, None, (1, 4)),
    ({"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4",
      "SLURM_ARRAY_TASK_COUNT": "4"}, None, (4, 4)),
    ({"SLURM_ARRAY_TASK_ID": "30", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_MAX": "40",
      "SLURM_ARRAY_TASK_STEP": "10", "SLURM_ARRAY_TASK_COUNT": "4"}, None, (3, 4)),
    ({"JOB_COMPLETION_INDEX": "4"}, 5, (5, 5)),
    ({}, None, None),
], ids=["slurm-from-0", "slurm-from-1", "slurm-stepped", "kubernetes", "no-engine"])
def test_engines_number_shards_from_1(env, count, expected):
    shard = shards.choose(None, count, env)
    assert ((shard.index, shard.count) if shard else None) == expected


@pytest.mark.parametrize("given, count, env, phrase", [
    ("0/3", None, {}, "shards are numbered 1 to N"),
    ("4/3", None, {}, "shard 4 of 3 does not exist"),
    ("two", None, {}, "--shard takes K/N"),
    (None, None, {"JOB_COMPLETION_INDEX": "1"}, "pass --shard-count N"),
    (None, 3, {}, "JOB_COMPLETION_INDEX, which is not set here"),
    (None, None, {"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "9",
                  "SLURM_ARRAY_TASK_COUNT": "3"}, "is not an even range"),  # --array=1,7,9
])
def test_bad_shard_numbers_are_refused(given, count, env, phrase):
    with pytest.raises(UsageError, match=phrase):
        shards.choose(given, count, env)


def test_shard_options_need_batch():
    status, output = run(str(REPO / "reference"), "--shard", "1/2")
    assert status == 2 and "--shard apply to a class: add --batch --out DIR" in output


def test_merge_exports_the_whole_class_to_canvas(graded, tmp_path):
    _, _, outputs, _ = graded
    names = ["ada", "ben", "cy", "eli", "fay", "hal"]
    (tmp_path / "roster.csv").write_text("Student,ID,SIS User ID,SIS Login ID,Section\n" + "".join(
        f"{name.title()},{100 + i},,{name},A\n" for i, name in enumerate(names)))
    status, output = run("merge", str(tmp_path / "m"), *(str(folder) for folder, _ in outputs.values()),
                         "--canvas", str(tmp_path / "canvas.csv"), "--roster", str(tmp_path / "roster.csv"))
    assert status == 0, output
    with open(tmp_path / "canvas.csv", newline="") as f:
        scores = {row["SIS Login ID"]: row["Backpropagation"] for row in csv.DictReader(f)}
    assert scores["cy"] == scores["ada"] == "100" and scores["fay"] == "" and scores[""] == "100"  # Points Possible


@pytest.mark.parametrize("example, grade, merge", [
    ("slurm-array.sh", '--batch --out "grading/shard-$SLURM_ARRAY_TASK_ID"', "merge grading/class grading/shard-*"),
    ("kubernetes-indexed-job.yaml", '--out "/data/shard-$JOB_COMPLETION_INDEX"\n              --shard-count 4',
     "merge /data/merged /data/shard-*"),
    ("github-shards.yml", '--shard "$SHARD/${{ strategy.job-total }}"', "merge grading/class grading/shard-*"),
])
def test_each_engine_example_grades_a_shard_then_merges(example, grade, merge):
    text = (REPO / "examples" / example).read_text()
    assert grade in text and f"python -m grader {merge}" in text
    if "kubernetes" in example:  # pods numbered 0 to completions-1; --shard-count must equal completions
        assert "completionMode: Indexed" in text and "completions: 4" in text
