"""The command line: exit codes, messages, JSON output, configuration."""
import io
import json


from grader import cli, engine
from tests.conftest import ROOT


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_missing_submission_is_a_one_line_usage_error(tmp_path):
    code, out, err = run(tmp_path / "does-not-exist")
    assert code == cli.ExitStatus.USAGE
    assert err.count("\n") == 1 and "no such file or folder" in err
    assert "Traceback" not in err + out


def test_folder_without_submission_says_what_is_missing(tmp_path):
    code, _, err = run(tmp_path)
    assert code == 2 and "neither backprop.py nor a notebook" in err


def test_folder_with_two_notebooks_is_ambiguous(tmp_path):
    for name in ("a.ipynb", "b.ipynb"):
        (tmp_path / name).write_text("{}")
    code, _, err = run(tmp_path)
    assert code == 2 and "2 notebooks" in err


def test_unreadable_notebook_is_a_usage_error(tmp_path):
    (tmp_path / "work.ipynb").write_text("not json")
    code, _, err = run(tmp_path)
    assert code == 2 and "not a readable notebook" in err


def test_reference_scores_full_marks_and_writes_json(tmp_path):
    code, out, _ = run(ROOT / "reference", "--json", tmp_path / "out" / "result.json")
    assert code == 0
    assert "Total: 100/100" in out
    data = json.loads((tmp_path / "out" / "result.json").read_text())
    assert data["score"] == data["max_score"] == 100
    assert {c["name"] for c in data["checks"]} >= {"network.backward", "xor.trains", "spiral.trains"}
    assert data["grader_version"] and data["timings"]["total_seconds"] > 0


def test_fail_under_exits_1_below_the_score():
    code, out, _ = run(ROOT / "student_template", "--fail-under", "50")
    assert code == cli.ExitStatus.BELOW_THRESHOLD
    assert "Total: 0/100" in out


def test_bad_config_key_is_a_usage_error(tmp_path):
    config = tmp_path / "course.toml"
    config.write_text("[xor]\nepochs = 5\n")
    code, _, err = run(ROOT / "reference", "--config", config)
    assert code == 2 and "unknown setting 'xor.epochs'" in err


def test_config_overrides_points_and_narrows_objectives(tmp_path, graded):
    config = tmp_path / "course.toml"
    config.write_text('[points]\n"network.backward" = 40\n[objectives]\naccepted = ["mse"]\n')
    result = graded(ROOT / "reference", config)
    backward = next(c for c in result.checks if c.name == "network.backward")
    assert backward.max_score == 40
    assert backward.score < 40 and "mean squared error" in backward.feedback.text()


def test_internal_error_exits_3_and_asks_for_a_report(monkeypatch):
    def broken(*args):
        raise RuntimeError("boom")
    monkeypatch.setattr(engine, "grade", broken)
    code, _, err = run(ROOT / "reference")
    assert code == cli.ExitStatus.INTERNAL_ERROR
    assert "please report" in err.lower()


def test_unwritable_json_path_is_a_usage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(ROOT / "reference", "--json", blocker / "result.json")
    assert code == 2 and "cannot write" in err
