"""engine.judge turns a judge's verdict, or what stopped its probe, into the check's status and points.

Hand-made observations, no child process: each case is what a student
would see for one kind of outcome (partial points, an error, a stub, a
function blocked by another one, a bug of ours).
"""
from __future__ import annotations

import pytest

from grader import engine
from grader.judging import Check, Observations, Verdict
from grader.observations import Invalid
from grader.results import Feedback, Status
from grader.sandbox import Outcome


def check(judge, where="NeuralNetwork.backward", points=24):
    return Check("network.backward", "backward", points, judge, where)


def reads(probe):
    return lambda obs: Verdict(obs.value(probe), Feedback("judged"), {"m": 1}, ("missing_1_over_m",))


@pytest.mark.parametrize("fraction, score, status", [
    (1, 24, Status.PASSED), (0.5, 12, Status.PARTIAL), (1 / 3, 8, Status.PARTIAL), (0.99999, 23.9998, Status.PARTIAL),
    (0, 0, Status.FAILED), (1.5, 24, Status.PASSED), (-1, 0, Status.FAILED)])
def test_a_verdict_earns_its_share_of_the_points_clamped(fraction, score, status):
    result = engine.judge(check(reads("p")), Observations({"p": Outcome("ok", fraction)}))
    assert (result.score, result.status, result.max_score) == (score, status, 24)
    assert result.feedback.summary == "judged" and result.measured == {"m": 1}
    assert result.diagnosed == ("missing_1_over_m",) and result.where == "NeuralNetwork.backward"
    assert result.blocked_by is None


def test_an_unusable_value_fails_the_check_with_its_feedback():
    def judge(obs):
        raise Invalid("backward returned a list", "expected: a dict of gradients")
    result = engine.judge(check(judge), Observations({}))
    assert (result.score, result.status) == (0, Status.FAILED)
    assert result.feedback == Feedback("backward returned a list", ("expected: a dict of gradients",))


def test_our_own_bug_is_a_grader_error_never_the_students():
    result = engine.judge(check(lambda obs: 1 / 0), Observations({}))
    assert (result.score, result.status) == (0, Status.GRADER_ERROR)
    assert "not your fault" in result.feedback.summary and "ZeroDivisionError" in result.feedback.text()


@pytest.mark.parametrize("outcome, status, says", [
    (Outcome("error", error={"type": "NotImplementedError", "message": "write backward",
                             "where": {"function": "backward"}}),
     Status.NOT_IMPLEMENTED, ("NeuralNetwork.backward is not implemented yet", "hint: write backward")),
    (Outcome("error", error={"type": "NotImplementedError", "message": ""}), Status.NOT_IMPLEMENTED,
     ("replace the raise NotImplementedError with your code",)),
    (Outcome("error", error={"type": "Missing", "message": "NeuralNetwork.backward is not defined"}),
     Status.NOT_IMPLEMENTED, ("NeuralNetwork.backward is not defined: define it",)),
    (Outcome("error", error={"type": "ValueError", "message": "shapes differ",
                             "where": {"line": 12, "function": "backward"}}),
     Status.ERROR, ("NeuralNetwork.backward raised ValueError: shapes differ (line 12, in backward)",
                    "fix the error")),
    (Outcome("error", error={"type": "ValueError", "message": "bad", "where": {"line": 3}}),
     Status.ERROR, ("(line 3, in top level)",)),
    (Outcome("timeout", error={"type": "Timeout", "message": "took longer than 10 s"}), Status.ERROR,
     ("NeuralNetwork.backward: took longer than 10 s", "endless loop")),
    (Outcome("not_run"), Status.ERROR, ("not run: the submission could not be loaded",)),
])
def test_what_stopped_the_probe_is_the_checks_status(outcome, status, says):
    result = engine.judge(check(reads("p")), Observations({"p": outcome}), known={"NeuralNetwork.backward"})
    assert (result.score, result.status, result.blocked_by) == (0, status, None)
    assert all(phrase in result.feedback.text() for phrase in says), result.feedback.text()


def test_a_missing_probe_is_not_run():
    result = engine.judge(check(reads("never.sent")), Observations({"other": Outcome("ok", 1)}))
    assert result.status is Status.ERROR and result.feedback.summary.startswith("not run")


@pytest.mark.parametrize("error, known, culprit", [
    ({"type": "Missing", "message": "sigmoid is not defined"}, set(), "sigmoid"),
    ({"type": "NotImplementedError", "message": "", "where": {"function": "forward"}},
     {"NeuralNetwork.forward", "forward"}, "NeuralNetwork.forward"),  # the method of the check's own class first
    ({"type": "NotImplementedError", "message": "", "where": {"function": "sigmoid"}}, {"sigmoid"}, "sigmoid"),
])
def test_a_stub_or_missing_function_elsewhere_blocks_the_check_and_is_charged_there(error, known, culprit):
    result = engine.judge(check(reads("p")), Observations({"p": Outcome("error", error=error)}), known)
    assert (result.score, result.status, result.blocked_by) == (0, Status.BLOCKED, culprit)
    assert result.feedback.summary.startswith(f"blocked by {culprit}: ")
    assert f"runs once {culprit} works" in result.feedback.details[0]


@pytest.mark.parametrize("error, known", [
    ({"type": "Missing", "message": "NeuralNetwork.backward is not defined"}, set()),  # the check's own function
    ({"type": "Missing", "message": "NeuralNetwork is not defined"}, set()),  # its class
    ({"type": "NotImplementedError", "where": {"function": "helper"}}, set()),  # a name it does not define
    ({"type": "ValueError", "message": "sigmoid broke"}, {"sigmoid"}),  # an error is the check's own
])
def test_the_checks_own_function_is_never_its_own_blocker(error, known):
    result = engine.judge(check(reads("p")), Observations({"p": Outcome("error", error=error)}), known)
    assert result.status is not Status.BLOCKED and result.blocked_by is None


def test_a_sandbox_block_names_the_broken_definition_even_for_its_own_check():
    outcome = Outcome("blocked", error={"message": "NeuralNetwork.backward has a syntax error",
                                        "blocked_by": "NeuralNetwork.backward"})
    result = engine.judge(check(reads("p")), Observations({"p": outcome}))
    assert (result.status, result.blocked_by) == (Status.BLOCKED, "NeuralNetwork.backward")
    assert result.feedback.summary == "blocked by NeuralNetwork.backward: it has a syntax error"
    other = engine.judge(check(reads("p"), where="NeuralNetwork.train"), Observations({"p": Outcome(
        "blocked", error={"message": "train uses sigmoid, which has a syntax error", "blocked_by": "sigmoid"})}))
    assert other.feedback.summary == "blocked by sigmoid: train uses sigmoid, which has a syntax error"


def test_warnings_are_read_per_probe():
    obs = Observations({"p": Outcome("ok", 1, warnings=["RuntimeWarning: overflow"])})
    assert obs.warnings("p") == ["RuntimeWarning: overflow"] and obs.warnings("q") == []


@pytest.mark.parametrize("outcome, where", [
    (Outcome("error", error={"type": "ValueError", "message": "x" * 1000}), "NeuralNetwork.backward"),
    (Outcome("timeout", error={"message": "y" * 1000}), "NeuralNetwork.backward"),
    (Outcome("blocked", error={"message": "z" * 1000, "blocked_by": "sigmoid"}), "NeuralNetwork.backward"),
])
def test_a_long_message_is_cut_to_300_characters(outcome, where):
    result = engine.judge(check(reads("p"), where=where), Observations({"p": outcome}))
    assert len(result.feedback.summary) == 300


@pytest.mark.parametrize("outcome", [
    Outcome("blocked", error={"message": "m", "blocked_by": "f" * 1000}),
    Outcome("error", error={"type": "Missing", "message": "g" * 1000 + " is not defined"}),
])
def test_a_long_culprit_name_is_cut_to_200_characters(outcome):
    result = engine.judge(check(reads("p")), Observations({"p": outcome}))
    assert result.status is Status.BLOCKED and len(result.blocked_by) == 200
