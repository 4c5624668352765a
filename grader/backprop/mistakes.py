"""The known mistakes of backward, each its words and its math in one place.

A mistake is a change to the chain rule (sigma' at the wrong point, a factor
left out, the wrong cache); its math recomputes all four gradients from the
trusted intermediates of one forward pass, for any objective. Constant
factors (a sign, 1/m, 2) are not mistakes here: diagnosis.py composes them
with these per parameter.

Runs only in the grader.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from grader.backprop.objectives import NAMED_LOSSES, Objective, forward, sigmoid_derivative


@dataclass(frozen=True)
class Trusted:
    """One correct forward pass at the grader's parameters, and the objective to differentiate."""
    X: np.ndarray
    y: np.ndarray
    W2: np.ndarray
    cache: dict  #: z1, a1, z2, a2
    objective: Objective

    @classmethod
    def at(cls, params: dict, X, y, objective: str) -> "Trusted":
        return cls(X, y, params["W2"], forward(params, X), NAMED_LOSSES[objective])

    def __getattr__(self, name):  # t.z1, t.a1, t.z2, t.a2
        if name in ("z1", "a1", "z2", "a2"):
            return self.cache[name]
        raise AttributeError(name)

    def dz2(self, derivative_at=None) -> np.ndarray:
        return self.objective.dz2(self.z2, self.a2, self.y, derivative_at)


def backprop(t: Trusted, dz2=None, da1=None, sigma1=None, hidden=None) -> dict:
    """The four gradients, each step the right one unless given: dz2, da1 = dz2 @ W2.T, sigma'(z1) as
    sigma1, and a1 as `hidden` (the cache dW2 is taken from)."""
    dz2 = t.dz2() if dz2 is None else dz2
    dz1 = (dz2 @ t.W2.T if da1 is None else da1) * (sigmoid_derivative(t.z1) if sigma1 is None else sigma1)
    return {"W1": t.X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": (t.a1 if hidden is None else hidden).T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}


@dataclass(frozen=True)
class Mistake:
    name: str  #: stable: CheckResult.diagnosed, the gradebook's `diagnosed` column
    label: str  #: a few words, for counting students by misconception
    message: str  #: the likely bug, in the student's terms
    hint: str  #: the next step
    math: Callable[[Trusted], dict]  #: the four gradients this mistake computes

    def gradients(self, params: dict, X, y, objective: str) -> dict:
        return self.math(Trusted.at(params, X, y, objective))


def _activation_form(x):
    """sigmoid_derivative written for the activation, x(1 - x), called on z."""
    return x * (1 - x)


EXACT = Mistake("exact", "", "", "", backprop)

# Narrower first: with cross-entropy, whose dz2 takes no sigma', "activation" is "activation_hidden".
MISTAKES = (
    Mistake("activation_hidden", "σ′(a1) instead of σ′(z1)",
            "sigmoid derivative taken at the activation instead of the pre-activation "
            "(sigmoid_derivative(a1) where sigmoid_derivative(z1) belongs)",
            "sigmoid_derivative expects z; pass self.z1 (or use a1 * (1 - a1))",
            lambda t: backprop(t, sigma1=sigmoid_derivative(t.a1))),
    Mistake("activation_output", "σ′(a2) instead of σ′(z2)",
            "sigmoid derivative taken at the activation instead of the pre-activation "
            "(sigmoid_derivative(a2) where sigmoid_derivative(z2) belongs)",
            "sigmoid_derivative expects z; pass self.z2 (or use a2 * (1 - a2))",
            lambda t: backprop(t, dz2=t.dz2(t.a2))),
    Mistake("activation", "σ′ taken at a1, a2 instead of z1, z2",
            "sigmoid derivative taken at the activation instead of the pre-activation "
            "(sigmoid_derivative(a1), sigmoid_derivative(a2) where z1, z2 belong)",
            "sigmoid_derivative expects z; pass self.z1 and self.z2",
            lambda t: backprop(t, dz2=t.dz2(t.a2), sigma1=sigmoid_derivative(t.a1))),
    Mistake("hidden_derivative", "dz1 lacks σ′(z1)",
            "hidden-layer derivative missing: dz1 lacks the factor sigmoid'(z1)",
            "compare your dz1 with Exercise 1's dL_dz1 = dL_da1 * sigmoid'(z1)",
            lambda t: backprop(t, sigma1=1)),
    # Several public tutorials propagate the output error, not the output delta: W2 then follows the
    # squared error and W1 the cross-entropy.
    Mistake("hidden_skips_output_derivative", "da1 lacks σ′(z2)",
            "the hidden layer is reached through the output error, not dz2: da1 = (a2 - y) @ W2.T "
            "lacks the output's sigmoid'(z2)",
            "da1 = dz2 @ W2.T, with the same dz2 that gives dW2",
            lambda t: backprop(t, da1=t.objective.error(t.a2, t.y) @ t.W2.T)),
    # sigmoid_derivative(x) = x(1 - x) is sigma' only of an activation; here backward passes z.
    Mistake("derivative_of_activation", "sigmoid_derivative(x) computes x(1 - x)",
            "sigmoid_derivative computes x(1 - x), the derivative written for an activation, "
            "and backward passes it z1, z2",
            "either sigmoid_derivative(z) returns sigmoid(z) * (1 - sigmoid(z)), or pass it a1, a2 "
            "(change sigmoid_derivative and its callers together)",
            lambda t: backprop(t, dz2=t.objective.error(t.a2, t.y) * (_activation_form(t.z2) if t.objective.squared
                                                                      else 1),
                               sigma1=_activation_form(t.z1))),
    Mistake("z1_for_a1", "dW2 uses z1 instead of a1", "dW2 uses z1 instead of a1 (the hidden activation)",
            "dW2 = (1/m) * a1.T @ dz2", lambda t: backprop(t, hidden=t.z1)),
)

BY_NAME = {m.name: m for m in (EXACT, *MISTAKES)}


def gradients(params: dict, X, y, objective: str, name: str) -> dict:
    """The gradients `name` (a MISTAKES name, or "exact") computes for `objective`."""
    return BY_NAME[name].gradients(params, X, y, objective)
