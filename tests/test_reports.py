"""The reporters: golden files of a hand-made result, and the CLI flags that write them.

The hand-made result has one check of every status and feedback that quotes
a hostile submission (HTML, Markdown fences, workflow commands, control
characters), so each format's escaping is pinned by its golden file.
Regenerate the golden files with UPDATE_GOLDEN=1 after an intended change,
and read the diff.
"""
from __future__ import annotations

import base64
import copy
import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from grader import cli
from grader.report import (class_summary, classroom, github, gradebook_csv, gradescope, html_report, json_report,
                           junit, locate, terminal)
from grader.report.roster import Entry
from grader.results import CheckResult, Feedback, Status, SubmissionResult

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("golden_reports")
HOSTILE = 'raised ValueError: <script>alert("x")</script> | ``` 100%, a:b\n::error::injected\x00\x1b[31m'


def check(name, status, score, max_score, summary, details=(), where=None, measured=None, title=None,
          blocked_by=None):
    return CheckResult(name=name, title=title or name, max_score=max_score, score=score, status=status,
                       feedback=Feedback(summary, tuple(details)), measured=measured or {}, where=where,
                       blocked_by=blocked_by)


def sample_result(submission: str = "students/alice") -> SubmissionResult:
    """One check of each status, a fractional score among them; deterministic, so reports of it can be golden files."""
    checks = (
        check("sigmoid.values", Status.PASSED, 4, 4, "sigmoid matches 1/(1+e^-x)", where="sigmoid"),
        check("network.forward", Status.PARTIAL, 2.4, 6, "forward: a1 is right, a2 is not",
              ("expected: a2 shape (4, 1)", "got: a2 shape (4, 2)"), where="NeuralNetwork.forward"),
        check("network.backward", Status.FAILED, 0, 24, "backward: likely bug: missing 1/m",
              ("dW1: relative error 8.57e-01 (tolerance 1e-05)", "next step: multiply by 1/m"),
              where="NeuralNetwork.backward",
              measured={"relative_error": {"W1": 0.857, "b1": 0.857, "W2": 1e-9, "b2": 0.0}, "tolerance": 1e-5}),
        check("network.update_weights", Status.ERROR, 0, 6, f"NeuralNetwork.update_weights {HOSTILE}",
              ("fix the error, then rerun the grader",), where="NeuralNetwork.update_weights"),
        check("plots.loss", Status.NOT_IMPLEMENTED, 0, 2, "plot_loss is not implemented yet",
              ("hint: ax.plot, then ax.set_yscale('log')",), where="plot_loss"),
        check("xor.trains", Status.GRADER_ERROR, 0, 10, "the grader failed on this check; please report it",
              ("Traceback: ZeroDivisionError",), where="NeuralNetwork.train_step"),
        check("train.losses", Status.BLOCKED, 0, 3, "blocked by NeuralNetwork.backward: it raised ValueError",
              ("this check runs once NeuralNetwork.backward works; fix that first (it costs no time meanwhile)",),
              where="NeuralNetwork.train", blocked_by="NeuralNetwork.backward"),
    )
    return SubmissionResult(submission=submission, source_kind="python", digest="ab" * 32, checks=checks,
                            notes=("cell 3: skipped IPython line '%matplotlib inline'",),
                            output="hello <b>student</b>\n", timings={"total_seconds": 2.6},
                            grader_version="0.1.0", artifacts={})


SOURCE = '''import numpy as np

def sigmoid(x):
    return 1 / (1 + np.exp(-x))

class NeuralNetwork:
    def __init__(self):
        pass

    @staticmethod
    def forward(X):
        return X

    def backward(self, X, y):
        return {}

def plot_loss(losses, ax):
    pass
'''
LINES = locate.definition_lines(SOURCE)


def sample_class() -> list[Entry]:
    alice = sample_result()
    perfect = SubmissionResult("students/bob", "python", "cd" * 32,
                               tuple(replace(c, score=c.max_score, status=Status.PASSED) for c in alice.checks))
    return [Entry("alice", alice), Entry("bob", perfect), Entry("=HYPERLINK(1)", None, "no backprop.py | here")]


VIEWS = {
    "gradescope.json": lambda: gradescope.render(sample_result(), {"network.backward": "after_due_date",
                                                                   "xor.trains": "hidden"}),
    "classroom.json": lambda: classroom.render(sample_result()),
    "junit.xml": lambda: junit.render(sample_result()),
    "github_summary.md": lambda: github.summary(sample_result()),
    "github_annotations.txt": lambda: github.annotations(sample_result(), "students/alice/backprop.py", LINES),
    "gradebook.csv": lambda: gradebook_csv.render(sample_class()),
    "class_summary.md": lambda: class_summary.render(sample_class()),
    "terminal.txt": lambda: terminal.render(sample_result(), width=100),
    "result.json": lambda: json_report.render(sample_result()),
    # Figures are matplotlib's PNGs, whose bytes vary by version: the page around them is what is pinned.
    "report.html": lambda: re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,...",
                                  html_report.render(sample_result())),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_golden(name):
    got = VIEWS[name]()
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{name} changed; rerun with UPDATE_GOLDEN=1 if intended"


def test_reporters_are_pure():
    """Every view reads the one result it is given and changes nothing in it (nor in its nested data)."""
    from grader.report import html_report, json_report

    result, klass = sample_result(), sample_class()
    def state():  # a copy: to_dict shares the result's own dicts and lists
        return copy.deepcopy((result.to_dict(), [e.result and e.result.to_dict() for e in klass]))
    before = state()
    views = [lambda: gradescope.render(result, {"xor.trains": "hidden"}), lambda: classroom.render(result),
             lambda: junit.render(result), lambda: github.summary(result), lambda: json_report.render(result),
             lambda: github.annotations(result, "students/alice/backprop.py", LINES),
             lambda: terminal.render(result, width=100), lambda: html_report.render(result),
             lambda: gradebook_csv.render(klass), lambda: class_summary.render(klass)]
    for view in views:
        assert view() == view()
        assert state() == before


def test_check_lines_use_the_terminal_width(monkeypatch):
    sample = sample_result()
    summary = "forward: " + " ".join(["a2 differs from the expected output"] * 3)  # 116 characters
    result = replace(sample, checks=(replace(sample.checks[1], feedback=Feedback(summary)),))
    monkeypatch.setenv("COLUMNS", "200")
    assert any(line.endswith(summary) for line in terminal.render(result).splitlines())
    monkeypatch.setenv("COLUMNS", "100")
    cut = [line for line in terminal.render(result).splitlines() if "network.forward" in line and line[0] != " "]
    assert len(cut[0]) == 100 and cut[0].endswith("...")


def test_every_report_writes_a_score_the_same_way():
    from grader.report import html_report

    sample = sample_result()
    half, third = replace(sample.checks[1], score=2.5), replace(sample.checks[2], score=1 / 3)
    result = replace(sample, checks=(sample.checks[0], half, third, *sample.checks[3:]))
    terminal_report, summary = terminal.render(result, width=100), github.summary(result)
    assert "  2.5/6   network.forward" in terminal_report and " 0.33/24  network.backward" in terminal_report
    assert "| 2.5/6 |" in summary and "| 0.33/24 |" in summary
    assert "2.5 / 6</td>" in html_report.render(result)
    assert "0.3333/24 points" in junit.render(result)  # a file for programs: the engine's four places
    assert "Total: 6.83/55" in terminal_report and "Autograding: 6.83/55" in summary


# --- JUnit -----------------------------------------------------------------

def test_junit_parses_and_counts():
    root = ET.fromstring(junit.render(sample_result()).encode())
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("7", "4", "2")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases][:3] == [
        ("sigmoid", "values"), ("network", "forward"), ("network", "backward")]
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    failure = cases[2].find("failure")
    assert failure.get("message") == "backward: likely bug: missing 1/m"
    assert "relative error 8.57e-01" in failure.text and "0/24 points" in failure.text
    assert cases[3].find("error") is not None and "<script>" in cases[3].find("error").get("message")
    assert cases[6].find("failure").get("type") == "blocked" and "0/3 points" in cases[6].find("failure").text
    assert suite.find("system-out").text == "hello <b>student</b>\n"


# --- GitHub ----------------------------------------------------------------

def test_definition_lines_read_the_source_as_text():
    assert LINES == {"sigmoid": 3, "NeuralNetwork": 6, "NeuralNetwork.__init__": 7, "NeuralNetwork.forward": 11,
                     "NeuralNetwork.backward": 14, "plot_loss": 17}
    assert locate.line_of("NeuralNetwork.backward", LINES) == 14
    assert locate.line_of("NeuralNetwork.train_step", LINES) == 6  # missing method: its class
    assert locate.line_of("make_spiral_data", LINES) == 1
    assert locate.line_of(None, LINES) == 1
    assert locate.definition_lines("def broken(:\n") == {}
    assert locate.definition_lines("import os\nos._exit(1)\ndef f(): pass\n") == {"f": 3}  # never run


def test_submission_lines_point_a_notebook_at_line_1(tmp_path):
    (tmp_path / "work.ipynb").write_text("{}")
    file, lines = locate.submission_lines(tmp_path, cwd=tmp_path.parent)
    assert (file, lines) == (f"{tmp_path.name}/work.ipynb", {})


def test_annotations_one_line_per_failed_check():
    text = github.annotations(sample_result(), "a,b:c/backprop.py", LINES)
    lines = text.splitlines()
    assert lines[0] == "::notice title=Autograding complete::Points 6.4/55"
    errors = lines[1:]
    assert len(errors) == 6 and all(e.startswith("::error file=a%2Cb%3Ac/backprop.py,line=") for e in errors)
    assert ",line=14,title=network.backward::" in errors[1]
    assert "::injected" not in text.replace("%0A::error::injected", "")  # the newline is escaped: no new command
    assert "100%25" in errors[2]


def test_summary_escapes_what_the_submission_wrote():
    text = github.summary(sample_result())
    assert "\n````text\n" in text  # the fence outgrows the ``` in the feedback
    outside_fences = re.sub(r"\n````text\n.*?\n````\n", "", text, flags=re.S)
    assert "<script>" not in outside_fences and "&lt;script&gt;" in outside_fences
    assert "\x00" not in text and "\x1b" not in text
    assert "| ✅ | `sigmoid.values` | 4/4 |" in text


# --- Classroom and Gradescope ----------------------------------------------

def test_classroom_statuses_and_points():
    data = json.loads(classroom.render(sample_result()))
    assert data["version"] == 1 and data["status"] == "error" and data["max_score"] == 55
    assert [t["status"] for t in data["tests"]] == ["pass", "fail", "fail", "error", "fail", "error", "fail"]
    assert [t["score"] for t in data["tests"]] == [4, 2.4, 0, 0, 0, 0, 0]
    encoded = base64.b64encode(classroom.render(sample_result()).encode())  # what the workflow hands over
    assert json.loads(base64.b64decode(encoded))["tests"][0]["name"] == "sigmoid.values"


def test_gradescope_follows_the_spec_and_the_visibility_given():
    data = json.loads(gradescope.render(sample_result(), {"xor.trains": "hidden"}))
    assert data["score"] == 6.4 and isinstance(data["score"], float) and data["execution_time"] == 3
    assert data["visibility"] == "visible" and data["stdout_visibility"] == "hidden"
    assert [t["status"] for t in data["tests"]] == ["passed"] + ["failed"] * 6
    assert {t["name"]: t["visibility"] for t in data["tests"]}["xor.trains"] == "hidden"
    assert all(set(t) == {"name", "score", "max_score", "status", "output", "visibility"} for t in data["tests"])
    assert "ZeroDivisionError" not in data["output"]  # per-test feedback stays in its (maybe hidden) test
    assert "hello" not in data["output"]  # printed output could show a hidden test's inputs
    assert "hello <b>student</b>" in json.loads(gradescope.render(sample_result()))["output"]


def test_gradescope_visibility_is_checked():
    names = [c.name for c in sample_result().checks]
    assert gradescope.check_visibility({"xor.trains": "after_published"}, names) == {"xor.trains": "after_published"}
    with pytest.raises(ValueError, match="no check named 'xor.train'"):
        gradescope.check_visibility({"xor.train": "hidden"}, names)
    with pytest.raises(ValueError, match="must be one of"):
        gradescope.check_visibility({"xor.trains": "secret"}, names)


def test_a_check_not_visible_now_quotes_nothing_from_the_submission():
    hidden = {"network.update_weights": "after_published", "network.forward": "hidden"}
    data = json.loads(gradescope.render(sample_result(), hidden))
    tests = {t["name"]: t["output"] for t in data["tests"]}
    assert "ValueError" not in tests["network.update_weights"] and "script" not in tests["network.update_weights"]
    assert "a2 shape" not in tests["network.forward"]
    assert tests["network.forward"].startswith("network.forward\npartial; no details are shown")
    assert "hello" not in data["output"] and "ValueError" not in data["output"]
    assert "<script>" in json.loads(gradescope.render(sample_result()))["tests"][3]["output"]  # visible: quoted


# --- Escape sequences --------------------------------------------------------

# Clear the screen, home the cursor, rewrite the line, set the title, ring the bell: each a way to
# make a terminal show a total the grader never wrote.
ESCAPES = ("\x1b[2J\x1b[H\rTotal: 100/100\x1b[1A\x1b[2K\x1b]0;graded\x07\x9b31m\x85\u202eok\x00\x7f"
           "\x1bc\r\nTotal: 100/100\r")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_laden() -> SubmissionResult:
    result = sample_result(submission=f"students/{ESCAPES}")
    checks = tuple(replace(c, feedback=Feedback(f"{c.feedback.summary} {ESCAPES}",
                                                (*c.feedback.details, ESCAPES))) for c in result.checks)
    return replace(result, checks=checks, notes=(f"cell 2: ValueError: {ESCAPES}",), output=ESCAPES * 3)


def text_reports(result: SubmissionResult) -> dict[str, list[str]]:
    """Every string a person reads in each text report."""
    junit_root = ET.fromstring(junit.render(result).encode())
    gs, cl = json.loads(gradescope.render(result)), json.loads(classroom.render(result))
    return {"terminal": [terminal.render(result)],
            "gradescope": [gs["output"], *(t["output"] for t in gs["tests"])],
            "classroom": [t["message"] for t in cl["tests"]],
            "junit": [*(e.text or "" for e in junit_root.iter()),
                      *(v for e in junit_root.iter() for v in e.attrib.values())],
            "github": [github.summary(result), github.annotations(result, "backprop.py", {})]}


def test_no_text_report_carries_a_control_character():
    for name, texts in text_reports(escape_laden()).items():
        for text in texts:
            assert not CONTROL.search(text), (name, text)


def test_the_terminal_total_cannot_be_imitated():
    report = terminal.render(escape_laden())
    assert [line for line in report.splitlines() if line.startswith("Total:")] == ["Total: 6.4/55    (2.6 s)"]
    quoted = report.split("Your code printed (first part only):\n")[1].splitlines()
    assert quoted and all(line.startswith("  | ") for line in quoted)
    assert "  | Total: 100/100" in quoted  # the line after each \r is quoted under the prefix


def test_a_submission_that_prints_escapes_and_a_fake_total_is_quoted_inert(hostile):
    from tests.conftest import grade

    result = grade(hostile("terminal_escapes_as_definitions"), Path(__file__).with_name("fast_limits.toml"))
    assert result.score == 98 and "Total: 100/100" in result.output and "\x1b[2J" in result.output
    plots = next(c for c in result.checks if c.name == "plots.loss")
    assert plots.status is Status.ERROR and "\x1b" in plots.feedback.summary
    for name, texts in text_reports(result).items():
        for text in texts:
            assert not CONTROL.search(text), (name, text)
    report = terminal.render(result)
    assert [line for line in report.splitlines() if line.startswith("Total:")] == [
        f"Total: 98/100    ({result.timings['total_seconds']:.1f} s)"]


# --- Gradebook -------------------------------------------------------------

def test_gradebook_rows_and_formula_guard():
    rows = list(csv.DictReader(io.StringIO(gradebook_csv.render(sample_class()))))
    assert [r["identifier"] for r in rows] == ["'=HYPERLINK(1)", "alice", "bob"]
    assert rows[0]["total"] == "" and rows[0]["error"] == "no backprop.py | here"
    assert rows[1]["total"] == "6.4" and rows[1]["network.forward"] == "2.4" and rows[2]["total"] == "55"


# --- The CLI ---------------------------------------------------------------

def run_cli(argv, env=None):
    out, err = io.StringIO(), io.StringIO()
    status = cli.main([str(a) for a in argv], out, err, env=env or {})
    return status, out.getvalue(), err.getvalue()


def test_cli_writes_every_view_of_one_grading(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    summary = tmp_path / "summary.md"
    status, out, err = run_cli(
        ["student_template/backprop.py", "--gradescope", tmp_path / "gs.json", "--classroom", tmp_path / "cl.json",
         "--junit", tmp_path / "junit.xml"], env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert status == 0, err
    gs = json.loads((tmp_path / "gs.json").read_text())
    assert gs["score"] == 0 and len(gs["tests"]) == 19
    assert json.loads((tmp_path / "cl.json").read_text())["status"] == "fail"
    assert ET.parse(tmp_path / "junit.xml").getroot().get("failures") == "19"
    assert summary.read_text().startswith("## Autograding: 0/100")
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert commands[0].startswith("::stop-commands::")  # the terminal report cannot issue commands
    assert commands[1] == f"::{commands[0].split('::')[2]}::"
    assert commands[2] == "::notice title=Autograding complete::Points 0/100"
    template_lines = locate.definition_lines((REPO / "student_template/backprop.py").read_text())
    backward = next(c for c in commands if "title=network.backward::" in c)
    assert backward.startswith(f"::error file=student_template/backprop.py,"
                               f"line={template_lines['NeuralNetwork.backward']},")
    assert len([c for c in commands if c.startswith("::error")]) == 19


def test_cli_without_github_env_prints_no_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    status, out, _ = run_cli(["student_template/backprop.py", "--junit", tmp_path / "j.xml"], env={})
    assert status == 0 and not any(line.startswith("::") for line in out.splitlines())


def test_cli_rejects_a_misspelt_visibility_before_grading(tmp_path):
    config = tmp_path / "course.toml"
    config.write_text('[visibility]\n"network.bakward" = "hidden"\n')
    status, out, err = run_cli([REPO / "reference", "--config", config, "--gradescope", tmp_path / "r.json"])
    assert status == 2 and "no check named 'network.bakward'" in err and out == ""


@pytest.mark.parametrize("argv, phrase", [
    (["--batch"], "needs --out"),
    (["--batch", "--out", "OUT", "--json", "x.json"], "--json apply to one submission"),
    (["--batch", "--out", "OUT", "-j", "0"], "at least 1"),
])
def test_cli_batch_usage_errors(tmp_path, argv, phrase):
    argv = [str(tmp_path / a) if a == "OUT" else a for a in argv]
    status, _, err = run_cli([tmp_path, *argv])
    assert status == 2 and phrase in err
