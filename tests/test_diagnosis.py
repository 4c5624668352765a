"""backward's diagnosis on crafted gradients: a known mistake x an objective x a factor per
parameter, said against the objective it names, on the three networks the check uses. Fast: no
submission, no child process."""
import numpy as np
import pytest

from grader.backprop import diagnosis, mistakes
from grader.backprop.checks.common import random_params
from grader.backprop.checks.gradients import SHAPES

ACCEPTED = ["cross_entropy", "mse", "half_sse"]


def networks():
    out = []
    for i, (m, n, h, k) in enumerate(SHAPES):
        rng = np.random.default_rng([7, i])
        out.append((random_params(rng, (n, h, k)), rng.normal(0, 1, (m, n)), rng.uniform(0.05, 0.95, (m, k))))
    return out


def crafted(mistake: str, objective: str, factor=lambda k, m: 1):
    """What a backward with `mistake` on `objective`, times factor(parameter, m), returns on each network."""
    out = []
    for params, X, y in networks():
        g = mistakes.gradients(params, X, y, objective, mistake)
        out.append(({k: v * factor(k, X.shape[0]) for k, v in g.items()}, params, X, y))
    return out


CASES = {
    # Public tutorials' commonest step: error = y - output; delta = error * a * (1 - a); W += X.T @ delta.
    "y_minus_output_no_mean": (("exact", "half_sse", lambda k, m: -m), ("no_mean", "sign"),
                               "exactly -m x the gradient of half the squared error"),
    # The same with 2 * (y - output): minus the summed squared error's gradient, said against that loss.
    "two_y_minus_output": (("exact", "sse", lambda k, m: -1), ("sign",),
                           "exactly minus the gradient of the sum of squared errors"),
    # 2 * (a2 - y) * sigma'(z2) / m with three outputs: 2 x half the squared error, not "2 x" the MSE.
    "factor_two_squared_error": (("exact", "half_sse", lambda k, m: 2), ("factor_two",),
                                 "exactly 2 x the gradient of half the squared error"),
    "half_of_mse": (("exact", "mse", lambda k, m: 0.5), ("factor_half",),
                    "exactly 1/2 x the gradient of the mean squared error"),
    "lesson_no_mean": (("exact", "cross_entropy", lambda k, m: m), ("no_mean",),
                       "exactly m x the gradient of binary cross-entropy"),
    "double_mean": (("exact", "cross_entropy", lambda k, m: 1 / m), ("double_mean",),
                    "exactly 1/m x the gradient of binary cross-entropy"),
    "bias_sum": (("exact", "cross_entropy", lambda k, m: m if k.startswith("b") else 1), ("bias_sum",),
                 "exactly the gradient of binary cross-entropy in dW1, dW2 and m x it in db1, db2"),
    # A network without biases, adapted: db1, db2 returned as zeros.
    "bias_gradients_zero": (("exact", "cross_entropy", lambda k, m: 0 if k.startswith("b") else 1),
                            ("zero_gradient",),
                            "db1, db2 all zeros (never computed?): exactly the gradient of binary cross-entropy "
                            "in dW1, dW2 and zero in db1, db2"),
    "ce_sign": (("exact", "cross_entropy", lambda k, m: -1), ("sign",),
                "exactly minus the gradient of binary cross-entropy"),
    "activation_both": (("activation", "half_sse"), ("activation",),
                        "otherwise exactly the gradient of half the squared error"),
    "activation_hidden_no_mean": (("activation_hidden", "cross_entropy", lambda k, m: m),
                                  ("activation_hidden", "no_mean"), "otherwise exactly m x the gradient"),
    "hidden_derivative": (("hidden_derivative", "cross_entropy"), ("hidden_derivative",),
                          "hidden-layer derivative missing"),
    # The mixed objective: W2 on half the squared error, W1 reached through the output error.
    "skips_output_derivative": (("hidden_skips_output_derivative", "half_sse", lambda k, m: -m),
                                ("hidden_skips_output_derivative", "no_mean", "sign"),
                                "otherwise exactly -m x the gradient of half the squared error"),
    "derivative_of_activation": (("derivative_of_activation", "half_sse"), ("derivative_of_activation",),
                                 "change sigmoid_derivative and its callers together"),
    "z1_for_a1_factor_two": (("z1_for_a1", "mse", lambda k, m: 2), ("z1_for_a1", "factor_two"),
                             "dW2 uses z1 instead of a1"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_composition_is_named_and_said_against_its_objective(name):
    made, names, phrase = CASES[name]
    found = diagnosis.diagnose(crafted(*made), ACCEPTED)
    assert found is not None and found.names == names
    assert phrase in found.message + " " + found.hint


def test_an_exact_gradient_of_a_loss_not_accepted_says_so():
    found = diagnosis.diagnose(crafted("exact", "cross_entropy"), ["mse"])
    assert found.names == ()
    assert found.message.startswith("the gradient of a loss that is not an accepted objective")
    assert "exactly the gradient of binary cross-entropy" in found.message


def test_a_factor_that_differs_between_networks_is_no_diagnosis():
    # 3 x the gradient on every network is neither m nor 2 on any of them.
    assert diagnosis.diagnose(crafted("exact", "cross_entropy", lambda k, m: 3), ACCEPTED) is None
    # m on one network and 1 on the others: no composition holds on all three.
    first_only = crafted("exact", "cross_entropy")
    got, params, X, y = first_only[0]
    first_only[0] = ({k: v * X.shape[0] for k, v in got.items()}, params, X, y)
    assert diagnosis.diagnose(first_only, ACCEPTED) is None


def test_made_up_or_zero_gradients_are_not_diagnosed():
    rng = np.random.default_rng(0)
    made_up = [({k: rng.normal(size=v.shape) for k, v in got.items()}, p, X, y)
               for got, p, X, y in crafted("exact", "mse")]
    zeros = [({k: np.zeros_like(v) for k, v in got.items()}, p, X, y) for got, p, X, y in crafted("exact", "mse")]
    assert diagnosis.diagnose(made_up, ACCEPTED) is None and diagnosis.diagnose(zeros, ACCEPTED) is None


def test_every_diagnosed_name_has_a_label():
    names = {n for made, found, _ in CASES.values() for n in found}
    assert all(diagnosis.label(n) != n.replace("_", " ") for n in names)
