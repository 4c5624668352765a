"""The command line: exit codes, messages, JSON output, configuration."""
import io
import json

import pytest

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
    code, out, _ = run(ROOT / "reference", "--json", tmp_path / "result.json")
    assert code == 0
    assert "Total: 100/100" in out
    data = json.loads((tmp_path / "result.json").read_text())
    assert data["score"] == data["max_score"] == 100
    assert {c["name"] for c in data["checks"]} >= {"network.backward", "xor.trains", "spiral.trains"}
    assert data["grader_version"] and data["timings"]["total_seconds"] > 0


def test_fail_under_exits_1_below_the_score_and_says_why():
    code, out, err = run(ROOT / "student_template" / "backprop.py", "--fail-under", "50")
    assert code == cli.ExitStatus.BELOW_THRESHOLD
    assert "Total: 0/100" in out
    assert err == "grader: the score, 0/100, is below --fail-under 50\n"


@pytest.mark.parametrize("threshold", ["150", "-1", "nan", "100.5"])
def test_fail_under_beyond_the_points_is_refused_before_grading(threshold, monkeypatch):
    monkeypatch.setattr(engine, "grade", lambda *a: pytest.fail("graded despite a bad --fail-under"))
    code, out, err = run(ROOT / "reference", "--fail-under", threshold)
    assert code == cli.ExitStatus.USAGE and out == ""
    assert "--fail-under must be between 0 and 100" in err and f"got {threshold}" in err


def test_bad_config_key_is_a_usage_error(tmp_path):
    config = tmp_path / "course.toml"
    config.write_text("[xor]\nepochs = 5\n")
    code, _, err = run(ROOT / "reference", "--config", config)
    assert code == 2 and "unknown setting 'xor.epochs'" in err


@pytest.mark.parametrize("toml, key, reason", [
    ("[limits]\nprobe_seconds = -5", "limits.probe_seconds", "must be above 0"),
    ("[limits]\ntotal_seconds = inf", "limits.total_seconds", "at most"),
    ("[limits]\nmemory_mb = 2", "limits.memory_mb", "at least 256"),
    ("[xor]\nhidden_size = 8.0", "xor.hidden_size", "whole number"),
    ("[xor]\nseeds = [1, -2]", "xor.seeds", "at least 0"),
    ("[xor]\ntolerance = 0.7", "xor.tolerance", "at most 0.5"),
    ("[xor.max_epochs]\nmse = 0", "xor.max_epochs.mse", "at least 1"),
    ("[spiral]\naccuracy = nan", "spiral.accuracy", "got nan"),
    ("[spiral]\nseeds = [\"one\"]", "spiral.seeds", "must be a number"),
    ('[points]\n"xor.trains" = -1', "points.xor.trains", "at least 0"),
])
def test_a_setting_out_of_range_is_a_usage_error_naming_it(tmp_path, monkeypatch, toml, key, reason):
    monkeypatch.setattr(engine, "grade", lambda *a: pytest.fail("graded with a bad setting"))
    config = tmp_path / "course.toml"
    config.write_text(toml + "\n")
    code, out, err = run(ROOT / "reference", "--config", config)
    assert code == cli.ExitStatus.USAGE and out == "" and "Traceback" not in err
    assert f"'{key}' " in err and reason in err, err


def test_every_number_setting_has_a_range_and_the_defaults_are_in_it():
    from grader.backprop import settings

    numbers = {key for _, key, value in settings.leaves(settings.DEFAULTS)
               if isinstance(value, (int, float)) and not isinstance(value, bool)}
    assert numbers == set(settings.RANGES)
    assert all(settings.RANGES[key].problem(value) is None for _, key, value in settings.leaves(settings.DEFAULTS)
               if key in settings.RANGES)


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


def test_a_reader_that_leaves_early_is_no_error(tmp_path):
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "grader", str(ROOT / "student_template" / "backprop.py")],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head -0` would: every write the grader makes meets a closed pipe
    stderr = process.stderr.read().decode()
    assert process.wait() == 0 and "Traceback" not in stderr, stderr
