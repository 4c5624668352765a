"""Submissions graded end to end: correct ones in every style score 100,
each known bug loses points in the check that should catch it, with a hint
that names it."""
import pytest

from grader.results import Status
from tests.conftest import ROOT, SUBMISSIONS
from tests.submissions.mutants import BUGS, CORRECT as VARIANTS
CORRECT = sorted(p.name for p in (SUBMISSIONS / "correct").iterdir() if p.is_dir())


def check(result, name):
    return next(c for c in result.checks if c.name == name)


@pytest.mark.parametrize("name", ["reference", *CORRECT])
def test_correct_submission_scores_full_marks(graded, name):
    path = ROOT / "reference" if name == "reference" else SUBMISSIONS / "correct" / name
    result = graded(path)
    lost = {c.name: c.feedback.summary for c in result.checks if c.status is not Status.PASSED}
    assert lost == {}
    assert result.score == result.max_score == 100


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_correct_variant_of_the_reference_scores_full_marks(graded, variant, name):
    result = graded(variant(name))
    assert {c.name: c.feedback.summary for c in result.checks if c.status is not Status.PASSED} == {}


def test_each_accepted_objective_is_recognised(graded):
    objective = {name: check(graded(SUBMISSIONS / "correct" / name), "network.backward").measured["objective"]
                 for name in ("lesson_ce", "mse_chain_rule", "half_se")}
    assert objective == {"lesson_ce": "cross_entropy", "mse_chain_rule": "mse", "half_se": "half_sse"}


def test_template_scores_zero_with_a_not_implemented_message_per_check(graded):
    result = graded(ROOT / "student_template")
    assert result.score == 0
    assert {c.status for c in result.checks} == {Status.NOT_IMPLEMENTED}
    assert all("not implemented" in c.feedback.summary for c in result.checks)


@pytest.mark.parametrize("name", sorted(BUGS))
def test_bug_loses_points_in_its_check_with_a_hint(graded, bug, name):
    spec = BUGS[name]
    result = graded(bug(name))
    caught = check(result, spec["check"])
    assert caught.score < caught.max_score, f"{spec['check']} did not catch: {spec['description']}"
    assert spec["phrase"].lower() in caught.feedback.text().lower()
    assert result.score < 100
    assert not any(c.status is Status.GRADER_ERROR for c in result.checks)


def test_template_notebook_scores_zero_without_crashing(graded):
    result = graded(ROOT / "student_template" / "backprop.ipynb")
    assert result.source_kind == "notebook" and result.score == 0
    assert {c.status for c in result.checks} == {Status.NOT_IMPLEMENTED}


def test_reference_as_a_notebook_with_its_exercise_runs_scores_full_marks(tmp_path, graded):
    from tests.test_template import make_template

    notebook = tmp_path / "solution.ipynb"
    notebook.write_text(make_template.make_notebook((ROOT / "reference" / "backprop.py").read_text()))
    result = graded(notebook)
    assert result.score == 100
    assert "Spiral accuracy" in result.output  # the exercise cells ran at top level



def test_tomllib_is_imported_only_where_python_has_it():
    """The project supports Python 3.10, which has tomli (a dependency there) but no tomllib."""
    import ast

    unguarded = []
    for path in [*ROOT.glob("grader/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("tools/*.py"),
                 *ROOT.glob("benchmarks/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "version_info" in ast.unparse(node.test) for n in ast.walk(node)}
        unguarded += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, ast.Import) and any(a.name == "tomllib" for a in node.names)
                      and id(node) not in guarded]
    assert unguarded == []
