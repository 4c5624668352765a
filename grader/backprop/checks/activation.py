"""Exercise 1's activation: sigmoid and its derivative."""
from __future__ import annotations

from functools import partial

import numpy as np

from grader.backprop import objectives
from grader.backprop.checks.common import probe
from grader.judging import Check, Observations, Verdict
from grader.observations import Invalid, array, compare
from grader.results import Feedback

VALUES_X = np.linspace(-8, 8, 33).reshape(3, 11)
EXTREME_X = np.array([-1000.0, -745.0, -710.0, -500.0, -40.0, 0.0, 40.0, 500.0, 710.0, 1000.0])
SCALARS = [0.0, 1.0, -2.5]


def probes(s):
    t = s["limits"]["probe_seconds"]
    return [
        probe("sigmoid.values", "sigmoid", {"array": VALUES_X, "scalars": SCALARS}, t),
        probe("sigmoid.extreme", "sigmoid", {"array": EXTREME_X, "scalars": [-1000.0, 1000.0]}, t),
        probe("sigmoid_derivative.values", "sigmoid_derivative",
              {"array": _derivative_x(s), "scalars": SCALARS}, t),
    ]


def _answer(obs: Observations, probe_id: str, name: str, scalars: int) -> dict:
    """The probe's answer (its shape is checked as it arrives), with one answer per scalar input."""
    value = obs.value(probe_id)
    if not isinstance(value["scalars"], list) or len(value["scalars"]) != scalars:
        raise Invalid(f"{name} did not answer each of the {scalars} scalar inputs")
    return value


def _values(obs: Observations, probe_id: str, x: np.ndarray, expected_fn, name: str):
    value = _answer(obs, probe_id, name, len(SCALARS))
    got = array(value["array"], f"{name} of a {x.shape} array", x.shape)
    details = compare(got, expected_fn(x), name)
    scalar_details = []
    for s, v in zip(SCALARS, value["scalars"]):
        got_s = array(v, f"{name}({s})")
        scalar_details += compare(got_s.reshape(-1)[:1], np.atleast_1d(expected_fn(np.array(s))), f"{name}({s})")
    return details, scalar_details


def judge_sigmoid(obs: Observations) -> Verdict:
    details, scalar_details = _values(obs, "sigmoid.values", VALUES_X, objectives.sigmoid, "sigmoid")
    fraction = 0.7 * (not details) + 0.3 * (not scalar_details)
    if fraction == 1:
        return Verdict(1, Feedback("sigmoid matches 1/(1+e^-x) on arrays and scalars"))
    diagnosed = ()
    if details and np.allclose(array(_answer(obs, "sigmoid.values", "sigmoid", len(SCALARS))["array"], "x"), objectives.sigmoid(-VALUES_X)):
        details.insert(0, "likely bug: sign error, this is 1/(1+e^x); the exponent is -x")
        diagnosed = ("sigmoid_sign",)
    return Verdict(fraction, Feedback("sigmoid returns wrong values", tuple(details + scalar_details)),
                   diagnosed=diagnosed)


def judge_extreme(obs: Observations) -> Verdict:
    value = _answer(obs, "sigmoid.extreme", "sigmoid", 2)
    got = array(value["array"], "sigmoid at |x| up to 1000", EXTREME_X.shape, finite=False)
    bad = ~np.isfinite(got)
    if bad.any():
        return Verdict(0, Feedback(f"sigmoid gives NaN or inf at x = {EXTREME_X[bad].tolist()}",
                                   ("expected: values between 0 and 1 for every x",
                                    "hint: 1/(1+np.exp(-x)) is finite; clip x or use a stable form")))
    details = compare(got, objectives.sigmoid(EXTREME_X), "sigmoid", rtol=1e-6, atol=1e-12)
    if details:
        return Verdict(0, Feedback("sigmoid is wrong for large |x|", tuple(details)))
    overflow = [w for w in obs.warnings("sigmoid.extreme") if "overflow" in w]
    note = ("note: np.exp overflowed for large negative x (a RuntimeWarning, harmless here); "
            "np.clip(x, -500, 500) avoids it",) if overflow else ()
    return Verdict(1, Feedback("sigmoid stays finite and correct for |x| up to 1000", note))


def judge_derivative(obs: Observations, x: np.ndarray) -> Verdict:
    value = _answer(obs, "sigmoid_derivative.values", "sigmoid_derivative", len(SCALARS))
    h = 1e-5
    numerical = lambda v: (objectives.sigmoid(v + h) - objectives.sigmoid(v - h)) / (2 * h)  # noqa: E731
    got = array(value["array"], f"sigmoid_derivative of a {x.shape} array", x.shape)
    details = compare(got, numerical(x), "sigmoid_derivative", rtol=1e-6, atol=1e-9)
    scalar_details = []
    for s, v in zip(SCALARS, value["scalars"]):
        scalar_details += compare(array(v, "x").reshape(-1)[:1], np.atleast_1d(numerical(np.array(s))),
                                  f"sigmoid_derivative({s})", rtol=1e-6, atol=1e-9)
    fraction = 0.7 * (not details) + 0.3 * (not scalar_details)
    if fraction == 1:
        return Verdict(1, Feedback("sigmoid_derivative matches a central finite difference of the sigmoid"))
    diagnosed = ()
    if np.allclose(got, x * (1 - x)):
        details.insert(0, "likely bug: computes x * (1 - x), which expects an activation; "
                          "sigmoid_derivative takes the pre-activation z: s = sigmoid(z); s * (1 - s)")
        diagnosed = ("derivative_of_activation",)
    return Verdict(fraction, Feedback("sigmoid_derivative returns wrong values", tuple(details + scalar_details)),
                   diagnosed=diagnosed)


def _derivative_x(s) -> np.ndarray:
    return np.random.default_rng(s["checks"]["seed"]).uniform(-6, 6, (4, 5))


def checks(s):
    p = s["points"]
    return [
        Check("sigmoid.values", "sigmoid on scalars and arrays", p["sigmoid.values"], judge_sigmoid, "sigmoid"),
        Check("sigmoid.extreme", "sigmoid for |x| up to 1000", p["sigmoid.extreme"], judge_extreme, "sigmoid"),
        Check("sigmoid_derivative.values", "sigmoid_derivative against finite differences",
              p["sigmoid_derivative.values"], partial(judge_derivative, x=_derivative_x(s)), "sigmoid_derivative"),
    ]
