"""Input built to break the grader's own process: every one gets a graded result or one usage line.

Exit 3 means a bug of ours, so no submission, notebook, folder name or
instructor's slip below may cause it. Each case runs `python -m grader` as a
user would, with a real UTF-8 stdout (where a lone surrogate used to raise).
The attacks too long to spell in tests/submissions/adversarial_parser.toml are
built here.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT
from tests.submissions import mutants

FAST = Path(__file__).with_name("fast_limits.toml")
REFERENCE = (ROOT / "reference" / "backprop.py").read_text(encoding="utf-8")
DEEP_LINE = "deep = " + "1+" * 10_000 + "1\n"  # too deep for ast.parse: RecursionError


def grader(*args, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, capture_output=True,
                          encoding="utf-8", errors="replace", env={**environment, **(env or {})}, timeout=600)


def one_line_usage_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grader: error: "), done.stderr
    return lines[0]


def write(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "backprop.py").write_text(source, encoding="utf-8")
    return folder


def notebook(path: Path, *sources) -> Path:
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=cells)), encoding="utf-8")
    return path


def test_a_lone_surrogate_in_an_exception_message_is_shown_replaced(tmp_path):
    folder = write(tmp_path / "s", mutants.source(mutants.HOSTILE, "surrogate_in_exception"))
    done = grader(folder, "--config", FAST, "--json", tmp_path / "r.json", "--junit", tmp_path / "r.xml")
    assert done.returncode == 0, done.stderr
    assert "\ufffd broke \ufffd here" in done.stdout
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    backward = next(c for c in result["checks"] if c["name"] == "network.backward")
    assert backward["score"] == 0 and "\ufffd broke" in json.dumps(result, ensure_ascii=False)
    assert (tmp_path / "r.xml").is_file()


def test_a_line_too_deep_to_parse_in_github_actions_costs_only_itself(tmp_path):
    folder = write(tmp_path / "deep", REFERENCE + DEEP_LINE)
    done = grader(folder, "--config", FAST, "--json", tmp_path / "r.json", env={"GITHUB_ACTIONS": "true"})
    assert done.returncode == 0, done.stderr
    assert "Points 100/100" in done.stdout
    problem, = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["problems"]
    assert problem["message"] == "too deeply nested to compile" and problem["defines"] == ["deep"]


def test_a_flag_beside_a_line_too_deep_to_parse_is_located_and_graded(tmp_path):
    source = mutants.source(mutants.HOSTILE, "flagged_backward") + DEEP_LINE
    folder = write(tmp_path / "flagged", source)
    done = grader(folder, "--config", FAST, "--json", tmp_path / "r.json", env={"GITHUB_ACTIONS": "true"})
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert result["score"] == 100
    flag = next(f for f in result["flags"] if f["code"] == "frame_inspection")
    called = next(n for n, line in enumerate(source.splitlines(), 1) if "sys._getframe(0)" in line)
    assert flag["where"] == {"cell": "backprop.py", "line": called}
    assert "::warning" in done.stdout or "::notice" in done.stdout  # the annotations were written


def test_5_mb_of_unclosed_calls_is_graded_with_the_rest_left_out(tmp_path):
    line = "f(" * 20 + "\n"
    filler = line * ((5 * 1024 * 1024 - len(REFERENCE.encode()) - 1024) // len(line))
    folder = write(tmp_path / "unclosed", REFERENCE + filler)
    done = grader(folder, "--config", FAST, "--json", tmp_path / "r.json")
    assert done.returncode == 0, done.stderr
    assert "Total: 100/100" in done.stdout
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert result["problems"][0]["message"] == "'(' was never closed"
    assert any("more problems not listed" in note for note in result["notes"])


def test_a_help_query_of_100000_characters_is_skipped_not_a_crash(tmp_path):
    path = notebook(tmp_path / "help.ipynb", REFERENCE, "-" * 100_000 + "?")
    done = grader(path, "--config", FAST)
    assert done.returncode == 0, done.stderr
    assert "Total: 100/100" in done.stdout


@pytest.mark.parametrize("source, kind", [(5, "the number 5"), (None, "null"), ({}, "an object")])
def test_a_notebook_cell_whose_source_is_not_text_is_refused(tmp_path, source, kind):
    path = notebook(tmp_path / "odd.ipynb", "x = 1")
    data = json.loads(path.read_text())
    data["cells"][0]["source"] = source
    path.write_text(json.dumps(data))
    message = one_line_usage_error(grader(path))
    assert f"code cell 1's source is {kind}, not text" in message


def test_a_class_with_non_utf8_folder_names_gets_its_class_files(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    write(klass / "ann", REFERENCE)
    for raw in (b"caf\xe9", b"caf\xe8"):  # both read as "caf\ufffd": one gets a suffix
        folder = os.path.join(os.fsencode(klass), raw)
        os.makedirs(folder)
        shutil.copy(ROOT / "reference" / "backprop.py", os.path.join(folder, b"backprop.py"))
    for _ in range(2):  # a rerun, which used to crash the same way
        done = grader(klass, "--batch", "--out", out, "--config", FAST, "-j", "2")
        assert done.returncode == 0, done.stderr + done.stdout
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = {row["identifier"]: row for row in csv.DictReader(f)}
    assert len(rows) == 3 and "ann" in rows
    odd = sorted(name for name in rows if name != "ann")
    assert odd[0].startswith("caf\ufffd") and odd[1].startswith("caf\ufffd") and odd[0] != odd[1]
    assert all(row["total"] == "100" for row in rows.values())
    assert (out / "summary.md").is_file() and (out / "index.html").is_file()
    assert not [p for p in os.listdir(out) if p.startswith(".gradebook.csv.")]  # no temp file left


def test_out_inside_the_class_or_the_class_inside_out_is_refused(tmp_path):
    klass = write(tmp_path / "class" / "ann", REFERENCE).parent
    assert "inside the class folder" in one_line_usage_error(grader(klass, "--batch", "--out", klass / "out"))
    assert "inside the class folder" in one_line_usage_error(grader(klass, "--batch", "--out", klass))
    assert "is inside --out" in one_line_usage_error(grader(klass, "--batch", "--out", tmp_path))
    assert not (klass / "out").exists()


def test_planted_results_in_the_class_are_never_read_as_the_batchs(tmp_path):
    klass = write(tmp_path / "class" / "eve", "def sigmoid(x):\n    return x\n").parent
    (klass / "eve" / "result.json").write_text('{"score": 100}')
    (klass / "eve" / ".graded-with").write_text("anything")
    one_line_usage_error(grader(klass, "--batch", "--out", klass))


@pytest.mark.parametrize("flag", ["--json", "--junit", "--gradescope", "--html", "--classroom"])
def test_a_report_in_a_missing_folder_is_refused_before_grading(tmp_path, flag):
    target = tmp_path / "missing" / "dir" / "r.out"
    done = grader(ROOT / "reference", flag, target)
    assert "does not exist" in one_line_usage_error(done)
    assert "Total" not in done.stdout and not (tmp_path / "missing").exists()


def test_an_out_folder_that_cannot_be_made_is_refused_before_grading(tmp_path):
    klass = write(tmp_path / "class" / "ann", REFERENCE).parent
    (tmp_path / "file").write_text("")
    for out in (tmp_path / "missing" / "out", tmp_path / "file" / "out", tmp_path / "file"):
        done = grader(klass, "--batch", "--out", out)
        one_line_usage_error(done)
        assert "Grading" not in done.stdout
    assert not (tmp_path / "missing").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_out_is_a_usage_error_not_a_grader_failure(tmp_path):
    klass = write(tmp_path / "class" / "ann", REFERENCE).parent
    out = tmp_path / "out"
    out.mkdir(mode=0o555)
    assert "not writable" in one_line_usage_error(grader(klass, "--batch", "--out", out))


def test_merge_into_a_missing_parent_is_refused(tmp_path):
    shard = tmp_path / "shard"
    shard.mkdir()
    assert "does not exist" in one_line_usage_error(grader("merge", tmp_path / "no" / "out", shard))
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("terms", [990, 2000, 5000])
def test_a_padding_expression_never_hides_a_cells_flags(terms):
    """Too deep for the flags' reader (not for the parser), a cell used to be skipped unread: no flag at all."""
    from grader import integrity
    from grader.submission import Cell

    pad = "z = " + "+".join(['"a"'] * terms) + "\n"
    flags = integrity.scan([Cell("backprop.py", mutants.source(mutants.HOSTILE, "flagged_backward") + pad)])
    assert {f["code"] for f in flags} & {"frame_inspection", "unread"}
