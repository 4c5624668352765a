"""Code written the way public tutorials write it (tests/submissions/real/cases.toml): a bug
costs points only in the checks named for it, and the report says nothing untrue of the code."""
import sys

import pytest

from grader.report import terminal
from tests.conftest import SUBMISSIONS

if sys.version_info >= (3, 11):
    import tomllib
else:  # the project supports 3.10, where tomli is a dependency
    import tomli as tomllib

REAL = SUBMISSIONS / "real"
CASES = tomllib.loads((REAL / "cases.toml").read_text(encoding="utf-8"))


def test_every_case_has_its_submission_and_every_submission_a_case():
    folders = {p.name for p in REAL.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders == set(CASES)
    assert all(CASES[name]["pattern"] for name in CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_points_are_lost_only_in_the_checks_named_for_the_pattern(graded, name):
    result = graded(REAL / name)
    lost = {c.name: c.feedback.summary for c in result.checks
            if c.score < c.max_score and c.name not in CASES[name]["may_lose"]}
    assert lost == {}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_report_says_what_is_true_of_the_code(graded, name):
    text = terminal.render(graded(REAL / name), width=400)
    assert [s for s in CASES[name]["says"] if s not in text] == []
    assert [s for s in CASES[name]["never_says"] if s in text] == []
