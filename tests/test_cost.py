"""backward is judged by what it costs on a large network, which no in-process count can hide.

The judge's rules are tested on hand-made outcomes (no timing); the graded
cases check that honest slow code still earns everything and that finite
differences the counter misses earn nothing, with a message that says why.
"""
from pathlib import Path

import numpy as np
import pytest

from grader import wire
from grader.backprop import objectives, settings
from grader.backprop.checks import cost, gradients
from grader.judging import Observations, ProbeFailed
from grader.results import Status
from grader.sandbox.model import Outcome, reason
from tests.conftest import grade

FAST = Path(__file__).with_name("fast_limits.toml")
S = settings.load(None)
ACCEPTED = list(S["objectives"]["accepted"])


def _right(case: dict, objective: str = "cross_entropy") -> dict:
    grads = objectives.gradients(case["params"], case["X"], case["y"], objective)
    g = {"d" + k: v for k, v in grads.items()}
    return {"returned": g, "stored": g, "again": g, "params_after": case["params"], "evaluations": 1}


def _observed(large: Outcome) -> Observations:
    """Right answers on the small networks, and `large` on the large one."""
    outcomes = {f"network.backward.{i}": Outcome("ok", wire.encode(_right(c))) for i, c in enumerate(gradients.cases(S))}
    return Observations({**outcomes, cost.PROBE_ID: large})


def _judged(large: Outcome):
    obs = _observed(large)
    return (gradients.judge_backward(obs, gradients.cases(S), ACCEPTED, S),
            gradients.judge_repeatable(obs, gradients.cases(S), S))


def test_right_gradients_on_the_large_network_earn_everything():
    backward, repeatable = _judged(Outcome("ok", wire.encode({"returned": _right(cost.case(S))["returned"]})))
    assert backward.fraction == 1 and repeatable.fraction == 1


def test_running_out_of_time_on_the_large_network_earns_backward_nothing_and_says_why():
    backward, repeatable = _judged(Outcome("timeout", error=reason("did not finish within 2 s")))
    assert backward.fraction == 0 and repeatable.fraction == 0
    summary = backward.feedback.summary
    assert summary.startswith("backward took longer than 2 s on a network of 37384 parameters")
    assert summary.endswith("where backpropagation takes milliseconds: numerical differentiation?")
    assert repeatable.feedback.summary == summary


def test_a_timeout_of_the_whole_submission_is_not_called_backward_s_cost():
    with pytest.raises(ProbeFailed):  # reported as the time it is, like any probe that did not run
        _judged(Outcome("timeout", error=reason("the whole submission used its 40 s")))


def test_running_out_of_memory_on_the_large_network_names_the_limit():
    memory = Outcome("error", error={"type": "MemoryError", "message": "Unable to allocate 5.2 GiB", "where": None})
    backward, _ = _judged(memory)
    assert backward.fraction == 0
    assert backward.feedback.summary.startswith(
        f"backward ran out of the {S['limits']['memory_mb']} MB of memory a submission may use on a network of")
    assert gradients.flags(_observed(memory), S)[0]["code"] == "numerical_differentiation"


def test_gradients_right_only_on_the_small_networks_earn_nothing():
    wrong = {k: np.zeros_like(v) for k, v in _right(cost.case(S))["returned"].items()}
    backward, _ = _judged(Outcome("ok", wire.encode({"returned": wrong})))
    assert backward.fraction == 0 and "right on the small networks but wrong on a network" in backward.feedback.summary


def test_an_honest_loop_over_samples_still_earns_everything(variant):
    result = grade(variant("loop_over_samples"), FAST)
    assert result.score == 100, [c.feedback.summary for c in result.failed]
    assert result.flags == ()


@pytest.mark.parametrize("name", ["vectorised_finite_differences", "finite_differences_with_globals_of_their_own"])
def test_finite_differences_the_counter_misses_cost_too_much_and_earn_nothing(hostile, name):
    result = grade(hostile(name), FAST)
    checks = {c.name: c for c in result.checks}
    for check in ("network.backward", "network.backward_repeatable"):
        assert checks[check].score == 0 and checks[check].status is Status.FAILED
        assert "on a network of 37384 parameters" in checks[check].feedback.summary
        assert "numerical differentiation?" in checks[check].feedback.summary
    assert [f["code"] for f in result.flags] == ["numerical_differentiation"]
    # Running out of time on the large network is backward's verdict, not a hang that stops backward elsewhere
    # (the training checks run; finite differences there may still run out of time of their own).
    assert not [c.name for c in result.checks if c.status is Status.GRADER_ERROR]
    assert not [p for p in result.problems if cost.PROBE_ID in p["message"]]
    assert checks["network.train_step"].status is not Status.BLOCKED


def test_the_honest_answer_on_the_large_network_fits_its_byte_budget():
    from grader.backprop import Backprop

    probe = next(p for p in Backprop(FAST).probes() if p.id == cost.PROBE_ID)
    answer = wire.dumps({"event": "result", "id": probe.id, "value": {"returned": _right(cost.case(S))["returned"]}})
    assert len(answer) <= probe.max_bytes < 4 * len(answer)
    assert probe.measures_cost and probe.timeout == cost.SECONDS
