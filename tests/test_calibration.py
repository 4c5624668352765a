"""The training checks' defaults are passable by correct code of every accepted objective.

The budgets themselves come from tools/calibrate.py over 1000 XOR and 200
spiral seeds (docs/calibration.md); this checks the grader's own default
seeds against them with the trusted gradients.
"""
import pytest

from grader.backprop import objectives, tasks
from grader.backprop.settings import DEFAULTS

X_SET, S_SET = DEFAULTS["xor"], DEFAULTS["spiral"]


@pytest.mark.parametrize("objective", list(objectives.OBJECTIVES))
@pytest.mark.parametrize("seed", X_SET["seeds"])
def test_xor_default_seeds_solve_within_the_budget(objective, seed):
    sizes = (2, X_SET["hidden_size"], 1)
    params, solved = tasks.start_params(seed, sizes), False
    for epoch in range(1, X_SET["max_epochs"][objective] + 1):
        params = objectives.step(params, tasks.XOR_X, tasks.XOR_Y, objective, X_SET["learning_rate"])
        if epoch % X_SET["check_every"] == 0 and tasks.xor_solved(
                objectives.forward(params, tasks.XOR_X)["a2"], X_SET["tolerance"]):
            solved = True
            break
    assert solved, f"seed {seed} did not solve XOR with {objective}"


@pytest.mark.parametrize("objective", list(objectives.OBJECTIVES))
@pytest.mark.parametrize("seed", S_SET["seeds"])
def test_spiral_default_seeds_reach_the_threshold(objective, seed):
    sizes = (2, S_SET["hidden_size"], 1)
    X, y = tasks.spiral(seed, S_SET["n_samples"], S_SET["noise"])
    params, reached = tasks.start_params(seed, sizes), False
    for epoch in range(1, S_SET["max_epochs"] + 1):
        params = objectives.step(params, X, y, objective, S_SET["learning_rate"])
        if epoch % S_SET["check_every"] == 0 and tasks.accuracy(
                objectives.forward(params, X)["a2"], y) >= S_SET["accuracy"]:
            reached = True
            break
    assert reached, f"seed {seed} did not reach {S_SET['accuracy']} with {objective}"


def test_the_trusted_gradients_match_finite_differences():
    from grader.backprop.gradcheck import numerical_gradient, relative_error
    import numpy as np

    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=(1, 4)),
              "W2": rng.normal(size=(4, 2)), "b2": rng.normal(size=(1, 2))}
    X, y = rng.normal(size=(5, 3)), rng.uniform(0.1, 0.9, (5, 2))
    for name in objectives.OBJECTIVES:
        numerical = numerical_gradient(lambda p: objectives.loss(p, X, y, name), params)
        analytic = objectives.gradients(params, X, y, name)
        assert all(relative_error(analytic[k], numerical[k]) < 1e-7 for k in params), name
