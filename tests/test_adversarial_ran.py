"""Every hostile payload runs: a case passes only if what it did shows in its result.

Definitions-first skips top-level calls, so an attack left there would be
judged without ever attacking. Each case of tests/submissions/adversarial*.toml
says what its payload leaves when it runs (`ran`); a case kept at top level
to show that it is skipped names the `twin` where the same payload runs.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import grade
from tests.submissions import mutants

FAST = Path(__file__).with_name("fast_limits.toml")
SKIPPED = "not run: "


def _trace(result) -> str:
    """Everything a payload can leave in a result: its output, the notes, the flags, every check's feedback."""
    return "\n".join([result.output, *result.notes, *(f["code"] for f in result.flags),
                      *(c.feedback.text() for c in result.checks)])


def test_every_hostile_case_says_what_its_payload_leaves():
    for name, case in mutants.HOSTILE.items():
        assert isinstance(case.get("ran"), (str, list)) and case["ran"], name
        if case["ran"] == SKIPPED:
            twin = mutants.HOSTILE.get(case.get("twin"))
            assert twin is not None and twin["ran"] != SKIPPED, f"{name}: a skipped payload needs a twin that runs"


@pytest.mark.parametrize("name", list(mutants.HOSTILE))
def test_the_payload_of_each_hostile_case_ran(hostile, name):
    case = mutants.HOSTILE[name]
    expected = case["ran"] if isinstance(case["ran"], list) else [case["ran"]]
    trace = _trace(grade(hostile(name), FAST))
    assert any(text in trace for text in expected), f"{name}: none of {expected} in its result"
