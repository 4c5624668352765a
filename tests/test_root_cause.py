"""Root cause first: definitions run first, a syntax error costs its definition, blocked checks name their cause."""
import io
import json
import time

import nbformat
import pytest

from grader import cli
from grader.report import gradebook_csv, root_cause, terminal
from grader.report.roster import Entry
from grader.results import Status
from tests.conftest import ROOT, SUBMISSIONS
from tests.submissions import mutants

FAST = ROOT / "tests" / "fast_limits.toml"
CASES = mutants._load("root_causes.toml")
NOTEBOOK = SUBMISSIONS / "correct" / "notebook" / "backprop.ipynb"


@pytest.fixture(scope="module")
def case(tmp_path_factory, graded):
    out = tmp_path_factory.mktemp("root_causes")
    return lambda name: graded(mutants.write(CASES, name, out), FAST)


def by_name(result):
    return {c.name: c for c in result.checks}


@pytest.mark.parametrize("name", sorted(CASES))
def test_what_is_lost_is_blocked_by_its_cause_and_the_rest_is_graded(case, name):
    spec, result = CASES[name], case(name)
    assert root_cause.status(result) == spec["status"]
    assert not any(c.status is Status.GRADER_ERROR for c in result.checks)
    blocked = [c for c in result.checks if c.status is Status.BLOCKED]
    assert all(c.blocked_by == spec["blocked_by"] for c in blocked), [(c.name, c.blocked_by) for c in blocked]
    if spec["blocked_by"]:
        assert blocked, "nothing was blocked"
        assert all(spec["blocked_by"] in c.feedback.summary for c in blocked)


def test_a_syntax_error_in_a_method_costs_only_that_method_and_is_shown_first_with_a_caret(case):
    result = case("syntax_train_step")
    lost = {c.name for c in result.checks if c.status is not Status.PASSED}
    assert lost == {"network.train_step", "train.losses", "xor.trains", "spiral.trains", "hyperparameters.curves"}
    assert by_name(result)["network.backward"].status is Status.PASSED
    lines = terminal.render(result, width=100).splitlines()
    assert lines[2] == "Fix first:"
    assert lines[3].startswith("  backprop.py, line ") and "SyntaxError: expected ':'" in lines[3]
    assert "NeuralNetwork.train_step" in lines[3]
    code, caret = lines[4], lines[5]
    assert code.strip() == "def train_step(self, X, y)"
    assert caret.strip() == "^" and caret.index("^") == len(code), "the caret sits after the missing colon"
    assert lines[6] == ("    fixing it regains 26 points, in network.train_step, train.losses, xor.trains, "
                        "spiral.trains, hyperparameters.curves")


def test_the_gradebook_says_syntax_error_and_names_it(case):
    row = next(gradebook_csv.csv.DictReader(io.StringIO(gradebook_csv.render(
        [Entry("ann", case("syntax_train_step"))]))))
    assert row["status"] == "syntax error"
    assert "SyntaxError" in row["error"] and "NeuralNetwork.train_step" in row["error"]
    assert row["total"] == "74"


def test_a_function_that_reads_a_broken_one_is_blocked_by_the_broken_one(case):
    checks = by_name(case("syntax_sigmoid"))
    assert checks["network.forward"].blocked_by == "sigmoid"  # forward calls sigmoid
    assert checks["spiral.data"].status is Status.PASSED and checks["plots.loss"].status is Status.PASSED


def test_a_backward_that_never_returns_is_called_once(case):
    from grader.backprop import settings

    started = time.monotonic()
    result = case("backward_never_returns")
    probe_seconds = settings.load(FAST)["limits"]["probe_seconds"]
    # Twice a probe's deadline plus start-up, with room for a slow machine: never once per probe.
    assert result.timings["run_seconds"] < 2 * probe_seconds + 10
    assert time.monotonic() - started < 2 * probe_seconds + 15
    assert by_name(result)["network.backward"].status is Status.ERROR
    assert by_name(result)["xor.trains"].blocked_by == "NeuralNetwork.backward"
    assert terminal.render(result).splitlines()[3].startswith("  NeuralNetwork.backward never returned")


def test_a_stub_forward_costs_forward_not_backward(case):
    checks = by_name(case("stub_forward"))
    assert checks["network.forward"].status is Status.NOT_IMPLEMENTED
    assert checks["network.backward"].status is Status.PASSED, checks["network.backward"].feedback.text()


def test_endless_top_level_exploration_costs_neither_points_nor_time(case):
    result = case("endless_exploration")
    assert result.score == result.max_score
    assert result.timings["run_seconds"] < 8  # fast_limits' load_seconds: it never ran
    assert any(n.startswith("not run: 5 top-level statement(s)") for n in result.notes), result.notes


def test_a_notebook_whose_last_cell_never_ends_scores_full_marks_fast(tmp_path, graded):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("# one more experiment\nwhile True:\n    pass"))
    nbformat.write(nb, tmp_path / "mine.ipynb")
    result = graded(tmp_path / "mine.ipynb", FAST)
    assert result.score == 100
    assert result.timings["run_seconds"] < 8


def test_a_notebook_error_names_the_code_cell_its_first_line_and_the_line_inside_it(tmp_path, graded):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Day 7"), nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_markdown_cell("## Exercise 1"),
                nbformat.v4.new_code_cell("# Exercise 1\n\ndef sigmoid(x:\n    return 1 / (1 + np.exp(-x))")]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    result = graded(tmp_path / "nb.ipynb", FAST)
    problem = result.problems[0]
    assert (problem["cell"], problem["line"]) == ('code cell 2 ("# Exercise 1")', 3)
    assert terminal.render(result).splitlines()[3].startswith('  code cell 2 ("# Exercise 1"), line 3: SyntaxError')


def test_a_folder_with_backprop_py_and_a_notebook_is_refused_with_exit_2(tmp_path):
    (tmp_path / "backprop.py").write_text((ROOT / "student_template" / "backprop.py").read_text())
    (tmp_path / "backprop.ipynb").write_text(NOTEBOOK.read_text())
    out, err = io.StringIO(), io.StringIO()
    assert cli.main([str(tmp_path)], stdout=out, stderr=err) == 2
    assert "backprop.py, backprop.ipynb" in err.getvalue() and "Traceback" not in err.getvalue()


def test_problems_survive_the_json_report(case):
    from grader.results import SubmissionResult

    result = case("syntax_train_step")
    again = SubmissionResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again.problems == result.problems and by_name(again)["xor.trains"].blocked_by == "NeuralNetwork.train_step"


def test_a_check_blocked_through_another_definition_names_both():
    from grader import engine
    from grader.judging import ProbeFailed
    from grader.sandbox import Outcome

    through = Outcome("blocked", error={"type": "Blocked", "blocked_by": "sigmoid",
                                        "message": "sigmoid_derivative uses sigmoid, which has a syntax error"})
    direct = Outcome("blocked", error={"type": "Blocked", "blocked_by": "sigmoid",
                                       "message": "sigmoid has a syntax error (backprop.py, line 3)"})
    assert engine._blocked("sigmoid", ProbeFailed("p", through)).summary == (
        "blocked by sigmoid: sigmoid_derivative uses sigmoid, which has a syntax error")
    assert engine._blocked("sigmoid", ProbeFailed("p", direct)).summary == (
        "blocked by sigmoid: it has a syntax error (backprop.py, line 3)")
