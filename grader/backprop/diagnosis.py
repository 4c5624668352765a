"""Name the likely bug when gradients match no accepted objective.

Each known mistake is recomputed here from the same parameters; a student's
gradient that matches one of them names the bug better than any ratio can.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.backprop.gradcheck import relative_error
from grader.backprop.objectives import OBJECTIVES, PARAMS, forward, gradients, sigmoid_derivative

MATCH = 1e-5


@dataclass(frozen=True)
class Bug:
    name: str  #: stable: CheckResult.diagnosed, the gradebook's `diagnosed` column
    label: str  #: a few words, for counting students by misconception
    message: str  #: the likely bug, in the student's terms
    hint: str  #: the next step


def mistaken_gradients(params, X, y, objective: str, bug: str) -> dict:
    c = forward(params, X)
    m = X.shape[0]
    o = OBJECTIVES[objective]
    # For the squared errors dz2 carries sigmoid'(z2) too, and can take it at a2 by mistake.
    dz2 = o.dz2(c["a2"] if bug in ("activation", "activation_output") else c["z2"], c["a2"], y)
    if bug == "sign":
        dz2 = -dz2
    da1 = dz2 @ params["W2"].T
    if bug == "hidden_derivative":
        dz1 = da1
    elif bug in ("activation", "activation_hidden"):
        dz1 = da1 * sigmoid_derivative(c["a1"])
    else:
        dz1 = da1 * sigmoid_derivative(c["z1"])
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
             "W2": (c["z1"] if bug == "z1_for_a1" else c["a1"]).T @ dz2,
             "b2": dz2.sum(axis=0, keepdims=True)}
    scale = {"no_mean": {k: m for k in PARAMS}, "bias_sum": {"b1": m, "b2": m},
             "double_mean": {k: 1 / m for k in PARAMS}}.get(bug, {})
    return {k: g * scale.get(k, 1) for k, g in grads.items()}


BUGS = (
    Bug("no_mean", "missing 1/m", "missing 1/m: the gradients are summed over the samples, not averaged",
        "multiply dW1, db1, dW2 and db2 by 1/m, with m = X.shape[0]"),
    Bug("bias_sum", "missing 1/m in db1, db2",
        "the bias gradients are summed over the samples, not averaged (missing 1/m in db1, db2)",
        "db = (1/m) * np.sum(dz, axis=0, keepdims=True)"),
    Bug("double_mean", "divided by m twice", "divided by m twice", "apply the 1/m factor once"),
    Bug("activation_hidden", "σ′(a1) instead of σ′(z1)",
        "sigmoid derivative taken at the activation instead of the pre-activation "
        "(sigmoid_derivative(a1) where sigmoid_derivative(z1) belongs)",
        "sigmoid_derivative expects z; pass self.z1 (or use a1 * (1 - a1))"),
    Bug("activation_output", "σ′(a2) instead of σ′(z2)",
        "sigmoid derivative taken at the activation instead of the pre-activation "
        "(sigmoid_derivative(a2) where sigmoid_derivative(z2) belongs)",
        "sigmoid_derivative expects z; pass self.z2 (or use a2 * (1 - a2))"),
    # After the one-layer forms: under cross-entropy σ′(a2) vanishes from dz2, and σ′(a1) alone is the bug.
    Bug("activation", "σ′ taken at a1, a2 instead of z1, z2",
        "sigmoid derivative taken at the activation instead of the pre-activation "
        "(sigmoid_derivative(a1), sigmoid_derivative(a2) where z1, z2 belong)",
        "sigmoid_derivative expects z; pass self.z1 and self.z2"),
    Bug("hidden_derivative", "dz1 lacks σ′(z1)",
        "hidden-layer derivative missing: dz1 lacks the factor sigmoid'(z1)",
        "compare your dz1 with Exercise 1's dL_dz1 = dL_da1 * sigmoid'(z1)"),
    Bug("sign", "gradient sign flipped",
        "sign flipped: these are the gradients of the negative loss (dz2 = y - a2?)",
        "the gradient points uphill; use dz2 = a2 - y"),
    Bug("z1_for_a1", "dW2 uses z1 instead of a1", "dW2 uses z1 instead of a1 (the hidden activation)",
        "dW2 = (1/m) * a1.T @ dz2"),
)

# Bugs other checks recognise, named here so every misconception has one label.
OTHER_LABELS = {
    "sigmoid_sign": "sigmoid computes 1/(1+e^x)",
    "derivative_of_activation": "sigmoid_derivative(x) computes x(1 - x)",
}
LABELS = {**{bug.name: bug.label for bug in BUGS}, **OTHER_LABELS}  #: stable name -> label


def label(name: str) -> str:
    """The readable label of a diagnosed bug; a name no table knows yet reads as its words."""
    return LABELS.get(name, name.replace("_", " "))


def diagnose(got: dict, params: dict, X, y, objectives: list[str]) -> tuple[Bug, str] | None:
    """The first known mistake of some objective that reproduces every gradient."""
    for bug in BUGS:
        for objective in objectives:
            mistaken = mistaken_gradients(params, X, y, objective, bug.name)
            if all(k in got and got[k].shape == mistaken[k].shape and relative_error(got[k], mistaken[k]) < MATCH
                   for k in PARAMS):
                return bug, objective
    return None


def constant_factor(got: np.ndarray, expected: np.ndarray) -> float | None:
    """c if got == c * expected to 1e-5, else None."""
    denominator = float(np.sum(expected * expected))
    if denominator == 0:
        return None
    c = float(np.sum(got * expected) / denominator)
    if c != 0 and relative_error(got, c * expected) < MATCH:
        return c
    return None


def recognised(got: dict, params: dict, X, y, objectives: list[str]) -> bool:
    """Whether the grader can tie these gradients to its own math at `params`.

    Checks that compare backward with itself (twice the same, train_step
    stepping by it) credit only gradients recognised here: some parameter's
    gradient is an accepted objective's, or a constant multiple of it (1/m
    missing, sign flipped), or all four are a known mistake. Zeros, or any
    numbers made up to agree with each other, are none of these.
    """
    for objective in objectives:
        exact = gradients(params, X, y, objective)
        if any(k in got and got[k].shape == exact[k].shape and constant_factor(got[k], exact[k]) is not None
               for k in PARAMS):
            return True
    return diagnose(got, params, X, y, objectives) is not None
