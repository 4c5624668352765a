"""The gradient check and the bug diagnosis, fed hand-made gradients: no child process.

What a student sees from them: "relative error 8.57e-01", "likely bug:
missing 1/m", and whether backward's own numbers are credited at all.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader.backprop import diagnosis, tasks
from grader.backprop.gradcheck import numerical_gradient, relative_error
from grader.backprop.objectives import OBJECTIVES, PARAMS, gradients, loss

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, -0.3]])
Y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])
PARAMETERS = {**tasks.start_params(3, (2, 3, 1)), "b1": np.array([[0.1, -0.2, 0.3]]), "b2": np.array([[-0.1]])}
ALL = list(OBJECTIVES)


def test_numerical_gradient_is_the_central_difference_of_each_coordinate():
    params = {"a": np.array([[1.0, -2.0]]), "b": np.array([3.0])}

    def f(p):  # a**3 summed plus a*b: derivatives 3a^2 + b and sum(a)
        return float(np.sum(p["a"] ** 3) + np.sum(p["a"]) * p["b"][0])
    grads = numerical_gradient(f, params)
    assert np.allclose(grads["a"], [[3 + 3, 12 + 3]], atol=1e-6) and np.allclose(grads["b"], [-1.0], atol=1e-6)
    assert grads["a"].dtype == np.float64 and params["a"].tolist() == [[1.0, -2.0]]  # the input is not moved
    # Central, not one-sided: a cubic's one-sided error at epsilon 0.01 is about 3 * a * epsilon = 0.03.
    coarse = numerical_gradient(f, params, epsilon=0.01)
    assert abs(coarse["a"][0, 0] - 6) < 1e-3


@pytest.mark.parametrize("objective", ALL)
def test_the_exact_gradients_agree_with_finite_differences(objective):
    numeric = numerical_gradient(lambda p: loss(p, X, Y, objective), PARAMETERS)
    exact = gradients(PARAMETERS, X, Y, objective)
    assert all(relative_error(exact[k], numeric[k]) < 1e-7 for k in PARAMS)


def test_relative_error_is_zero_for_equal_one_for_unrelated_and_scale_free():
    a, b = np.array([3.0, 4.0]), np.array([-3.0, -4.0])
    assert relative_error(a, a) == 0 and relative_error(a, np.zeros(2)) == 1 and relative_error(a, b) == 2
    assert relative_error(a, 2 * a) == pytest.approx(0.5) and relative_error(2 * a, a) == pytest.approx(0.5)
    assert relative_error(1e-9 * a, 1e-9 * 1.1 * a) == pytest.approx(0.1 / 1.1)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0  # no division by zero


def _diagnosed(got, accepted):
    return diagnosis.diagnose([(got, PARAMETERS, X, Y)], accepted)


def student_backward(params, bug=None):
    """A backward as a student writes it (the lesson's half squared error), with one of the known bugs."""
    def s(z):
        return 1 / (1 + np.exp(-z))

    def ds(z):
        return s(z) * (1 - s(z))
    m = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = s(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    a2 = s(z2)
    dz2 = (a2 - Y) * (ds(a2) if bug in ("activation", "activation_output") else ds(z2))
    dz2 = -dz2 if bug == "sign" else dz2
    da1 = dz2 @ params["W2"].T
    dz1 = da1 if bug == "hidden_derivative" else da1 * (ds(a1) if bug in ("activation", "activation_hidden")
                                                         else ds(z1))
    per_sample = 1 if bug == "no_mean" else 1 / m ** 2 if bug == "double_mean" else 1 / m
    bias = 1 if bug in ("no_mean", "bias_sum") else per_sample
    return {"W1": per_sample * X.T @ dz1, "b1": bias * np.sum(dz1, axis=0, keepdims=True),
            "W2": per_sample * (z1 if bug == "z1_for_a1" else a1).T @ dz2,
            "b2": bias * np.sum(dz2, axis=0, keepdims=True)}


STUDENT_BUGS = ["activation", "activation_output", "activation_hidden", "hidden_derivative", "z1_for_a1",
                "sign", "no_mean", "double_mean", "bias_sum"]


@pytest.mark.parametrize("bug", STUDENT_BUGS)
def test_a_students_wrong_backward_is_named_for_its_bug(bug):
    found = _diagnosed(student_backward(PARAMETERS, bug), ["half_sse"])
    assert found is not None and found.names == (bug,) and found.objective == "half_sse"
    assert diagnosis.recognised(student_backward(PARAMETERS, bug), PARAMETERS, X, Y, ["half_sse"])
    right = student_backward(PARAMETERS)
    assert all(relative_error(right[k], gradients(PARAMETERS, X, Y, "half_sse")[k]) < 1e-12 for k in PARAMS)


def test_correct_gradients_are_right_and_one_wrong_parameter_is_no_known_mistake():
    exact = gradients(PARAMETERS, X, Y, "mse")
    assert _diagnosed(exact, ALL).right
    no_mean = student_backward(PARAMETERS, "no_mean")
    mixed = {**no_mean, "W1": gradients(PARAMETERS, X, Y, "half_sse")["W1"] * 1.5}  # W1 fits nothing
    assert _diagnosed(mixed, ALL) is None
    assert _diagnosed({k: v for k, v in no_mean.items() if k != "b2"}, ALL) is None
    assert _diagnosed({**no_mean, "b2": no_mean["b2"].T.repeat(2, 1)}, ALL) is None


def test_a_constant_factor_is_found_only_when_it_is_one():
    expected = np.array([[1.0, -2.0], [0.5, 4.0]])
    assert diagnosis.constant_factor(-3 * expected, expected) == pytest.approx(-3)
    assert diagnosis.constant_factor(expected, expected) == pytest.approx(1)
    assert diagnosis.constant_factor(np.array([[3.0]]), np.array([[1.0]])) == 3  # a squared norm of exactly 1
    assert diagnosis.constant_factor(expected + np.array([[0, 0], [0, 1e-3]]), expected) is None
    assert diagnosis.constant_factor(np.zeros((2, 2)), expected) is None  # zero times is no gradient
    assert diagnosis.constant_factor(expected, np.zeros((2, 2))) is None


def test_only_gradients_tied_to_the_graders_math_are_recognised():
    exact = gradients(PARAMETERS, X, Y, "cross_entropy")
    assert diagnosis.recognised(exact, PARAMETERS, X, Y, ["cross_entropy"])
    assert diagnosis.recognised({**exact, "W1": 7 * exact["W1"]}, PARAMETERS, X, Y, ["cross_entropy"])
    scaled_one = {k: np.ones_like(v) for k, v in exact.items()} | {"b2": -0.5 * exact["b2"]}
    assert diagnosis.recognised(scaled_one, PARAMETERS, X, Y, ["cross_entropy"])  # one parameter suffices
    zeros = {k: np.zeros_like(v) for k, v in exact.items()}
    # b2 is 1 x 1, so any nonzero b2 is "a constant multiple" of the exact one: made-up numbers leave it 0.
    made_up = {k: np.full_like(v, 0.25) for k, v in exact.items()} | {"b2": np.zeros((1, 1))}
    assert not diagnosis.recognised(zeros, PARAMETERS, X, Y, ALL)
    assert not diagnosis.recognised(made_up, PARAMETERS, X, Y, ALL)
    assert not diagnosis.recognised({}, PARAMETERS, X, Y, ALL)


def test_every_bug_has_a_label_and_unknown_names_read_as_words():
    assert diagnosis.label("no_mean") == "missing 1/m" and diagnosis.label("sigmoid_sign").startswith("sigmoid")
    assert diagnosis.label("a_new_bug") == "a new bug"
    assert len({b.name for b in diagnosis.BUGS}) == len(diagnosis.BUGS)
