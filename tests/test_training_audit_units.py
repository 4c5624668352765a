"""The training audit (steps.py), fed hand-made training steps: which step rules explain a run.

A run is credited as gradient descent only if the grader's own math replays
it; the bug it carries (1/m missing, a hard-coded rate, b2 never updated)
is named by its rate, and hand-made weights are no rule at all.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader.backprop import objectives, steps, tasks
from grader.backprop.objectives import PARAMS, gradients

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])
START = tasks.start_params(1, (2, 4, 1))
LR = 0.5


def stepped(params, objective="cross_entropy", scale=None, lr=LR):
    g = gradients(params, X, Y, objective)
    return {k: params[k] - lr * (scale or {}).get(k, 1) * g[k] for k in PARAMS}


def first_rule(first, accepted=("cross_entropy", "mse", "half_sse")):
    found = steps.candidates(START, first, X, Y, list(accepted), LR)
    return found[0] if found else None


@pytest.mark.parametrize("objective", ["cross_entropy", "mse", "half_sse"])
def test_plain_gradient_descent_is_the_first_candidate_and_replays(objective):
    rule = first_rule(stepped(START, objective))
    assert (rule.objective, rule.bug, rule.rates) == (objective, None, (LR,) * 4) and rule.plain(LR)
    end = START
    for _ in range(20):
        end = stepped(end, objective)
    assert steps.reproduces(rule, START, end, X, Y, 20)
    assert not steps.reproduces(rule, START, end, X, Y, 19)  # one step more or less is no replay
    jumped = {**end, "W2": end["W2"] + 1e-3}
    assert not steps.reproduces(rule, START, jumped, X, Y, 20)
    assert rule.describe(LR).startswith("steps of learning_rate x the gradient: ")


def test_a_missing_1_over_m_is_a_rate_m_times_the_learning_rate():
    rule = first_rule(stepped(START, scale={k: 4 for k in PARAMS}))
    assert rule.bug in (None, "no_mean") and not rule.plain(LR)
    assert rule.describe(LR).startswith("steps of 4 x learning_rate" if rule.bug is None else "steps of ")


def test_a_parameter_never_updated_has_rate_zero_and_is_named_per_parameter():
    first = {**stepped(START), "b2": START["b2"].copy()}
    rule = first_rule(first)
    assert rule.bug is None and rule.rates == (LR, LR, LR, 0.0) and not rule.plain(LR)
    assert rule.scales(LR) == {"W1": 1, "b1": 1, "W2": 1, "b2": 0}
    assert "scaled per parameter (W1 1, b1 1, W2 1, b2 0)" in rule.describe(LR)


def test_a_hard_coded_learning_rate_is_replayed_at_its_own_rate():
    rule = first_rule(stepped(START, lr=0.1))
    assert rule.bug is None and rule.rates == pytest.approx((0.1,) * 4) and not rule.plain(LR)
    assert rule.describe(LR).startswith("steps of 0.2 x learning_rate x the gradient")


def test_a_rate_within_float32_rounding_of_the_learning_rate_is_the_learning_rate():
    rule = first_rule(stepped(START, lr=LR * (1 + 1e-6)))
    assert rule.rates == (LR,) * 4 and rule.plain(LR)


def test_a_rate_a_few_tenths_of_a_percent_off_is_its_own_rate():
    rule = first_rule(stepped(START, lr=LR * 1.003))
    assert rule.rates == pytest.approx((LR * 1.003,) * 4) and not rule.plain(LR)


def test_hand_made_weights_and_a_standstill_are_no_step_rule():
    made = {k: np.full_like(v, 0.3) for k, v in START.items()}
    assert steps.candidates(START, made, X, Y, ["cross_entropy", "mse", "half_sse"], LR) == []
    still = {k: v.copy() for k, v in START.items()}  # nothing moved: not a training step
    assert steps.candidates(START, still, X, Y, ["cross_entropy", "mse", "half_sse"], LR) == []
    # Three parameters right and one moved by a hand: no rule explains the step.
    forged = {**stepped(START), "W1": stepped(START)["W1"] + 0.01}
    assert first_rule(forged) is None


def test_only_the_accepted_objectives_explain_a_run():
    first = stepped(START, "mse")
    assert all(not r.plain(LR) for r in steps.candidates(START, first, X, Y, ["cross_entropy"], LR))
    assert first_rule(first, accepted=("mse",)).objective == "mse"


def test_a_flipped_sign_or_summed_biases_are_rates_of_the_exact_gradient_never_the_correct_steps():
    m = X.shape[0]
    for scale in ({k: -1 for k in PARAMS}, {"W1": 1, "b1": m, "W2": 1, "b2": m}):
        rule = steps.Rule("half_sse", None, tuple(LR * scale[k] for k in PARAMS))
        found = steps.candidates(START, rule.step(START, X, Y), X, Y, ["half_sse"], LR)
        assert found and found[0].bug is None and not found[0].plain(LR)
        assert found[0].rates == pytest.approx(rule.rates)


@pytest.mark.parametrize("bug", ["hidden_derivative", "activation_hidden", "z1_for_a1"])
def test_a_known_backward_mistake_is_replayed_under_its_name(bug):
    mistaken = steps.Rule("half_sse", bug, (LR,) * 4)
    first = mistaken.step(START, X, Y)
    found = steps.candidates(START, first, X, Y, ["half_sse"], LR)
    assert any(r.bug == bug and r.rates == (LR,) * 4 for r in found)
    assert not found[0].plain(LR)  # never credited as the correct steps


@pytest.mark.parametrize("bug", ["no_b1", "w2_in_backward", "derivative_of_activation", "derivative_mixed"])
def test_the_variants_outside_backward_are_replayable_too(bug):
    rule = steps.Rule("mse", bug, (LR,) * 4)
    end = rule.replay(START, X, Y, 10)
    found = steps.candidates(START, rule.step(START, X, Y), X, Y, ["mse"], LR)
    assert any(r.bug == bug for r in found) and any(steps.reproduces(r, START, end, X, Y, 10) for r in found)
    assert steps.VARIANTS[bug] in next(r for r in found if r.bug == bug).describe(LR)


def student_step_with_a_derivative_of_the_activation(params, objective, mixed=False):
    """A student's step whose sigmoid_derivative(x) computes x(1 - x), applied to z: written out here,
    not with the grader's math, so a wrong squared-error factor there cannot agree with it."""
    z1 = X @ params["W1"] + params["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ params["W2"] + params["b2"]
    a2 = 1 / (1 + np.exp(-z2))
    m = X.shape[0]
    dl_da2 = 2 * (a2 - Y) / Y.size if objective == "mse" else (a2 - Y) / m  # mean of squares, half the SSE / m
    derivative = (lambda z: z * (1 - z)) if not mixed else (lambda z: 1 / (1 + np.exp(-z)) * (1 - z))
    dz2 = dl_da2 * derivative(z2)
    dz1 = dz2 @ params["W2"].T * derivative(z1)
    g = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
    return {k: params[k] - LR * g[k] for k in PARAMS}


@pytest.mark.parametrize("objective", ["mse", "half_sse"])
@pytest.mark.parametrize("bug", ["derivative_of_activation", "derivative_mixed"])
def test_a_squared_error_step_with_a_wrong_derivative_is_named_at_the_learning_rate(objective, bug):
    first = student_step_with_a_derivative_of_the_activation(START, objective, mixed=bug == "derivative_mixed")
    found = steps.candidates(START, first, X, Y, [objective], LR)
    assert any(r.bug == bug and r.rates == (LR,) * 4 for r in found)


def student_step_stepping_w2_in_backward(params):
    """A student's backward that updates W2 and b2 itself, then takes dW1 through the new W2; update_weights
    steps W2 and b2 again. Written out here, so the audit's own version of it cannot agree by construction."""
    c = objectives.forward(params, X)
    dz2 = objectives.OBJECTIVES["cross_entropy"].dz2(c["z2"], c["a2"], Y)
    dW2, db2 = c["a1"].T @ dz2, dz2.sum(axis=0, keepdims=True)
    W2 = params["W2"] - LR * dW2
    dz1 = (dz2 @ W2.T) * c["a1"] * (1 - c["a1"])
    return {"W1": params["W1"] - LR * X.T @ dz1, "b1": params["b1"] - LR * dz1.sum(axis=0, keepdims=True),
            "W2": W2 - LR * dW2, "b2": params["b2"] - 2 * LR * db2}


def test_w2_stepped_inside_backward_is_named_and_replayed():
    ends = [START]
    for _ in range(5):
        ends.append(student_step_stepping_w2_in_backward(ends[-1]))
    found = [r for r in steps.candidates(START, ends[1], X, Y, ["cross_entropy"], LR) if r.bug == steps.W2_IN_BACKWARD]
    assert [r.rates for r in found] == [(LR,) * 4]
    assert steps.reproduces(found[0], START, ends[5], X, Y, 5)


def test_a_forward_without_b1_is_the_network_the_audit_judges():
    rule = steps.Rule("mse", steps.NO_B1, (LR,) * 4)
    moved = {**START, "b1": START["b1"] + 0.5}
    assert np.array_equal(rule.forward(START, X)["a2"], objectives.forward(START, X)["a2"])  # b1 starts at 0
    assert np.array_equal(rule.forward(moved, X)["a2"], objectives.forward(START, X)["a2"])  # and is never used
