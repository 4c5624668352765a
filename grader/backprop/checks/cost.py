"""backward on a large network: backpropagation is cheap at any size, numerical differentiation is not.

The in-process evaluation counter (grader/backprop/evaluations.py) is the
child's report about itself, so finite differences can always be written to
dodge it. What they cannot dodge is their cost: on P parameters they need at
least P forward passes, or P copies of the network at once, where
backpropagation needs a few matrix products. So backward also runs once on a
network of 37,384 parameters, under its own deadline and the memory
limit, which the parent enforces. Backpropagation answers in milliseconds, a
Python loop over the samples in well under a second; finite differences need
minutes or gigabytes (docs/calibration.md, "The cost of backward").
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from grader.backprop import objectives
from grader.backprop.budgets import network
from grader.backprop.checks.common import probe, shapes
from grader.backprop.gradcheck import relative_error
from grader.backprop.objectives import PARAMS
from grader.judging import Observations, ProbeFailed
from grader.observations import Invalid, array, mapping
from grader.results import Feedback

PROBE_ID = "network.backward.large"
LARGE = (256, 64, 512, 8)  #: (m, input, hidden, output)
SECONDS = 2.0  #: the reference needs ~0.02 s, a loop over samples ~0.04 s, finite differences a minute or more
TOLERANCE = 1e-5  # as the small networks' check


def case(s) -> dict:
    """Weights at 1/sqrt(fan-in), so pre-activations stay in the sigmoid's range at this width."""
    m, n, h, k = LARGE
    rng = np.random.default_rng([s["checks"]["seed"], 300])
    params = {name: rng.normal(0, 1 / np.sqrt(shape[0]) if name.startswith("W") else 0.5, shape)
              for name, shape in shapes((n, h, k)).items()}
    return {"sizes": (n, h, k), "params": params, "X": rng.normal(0, 1, (m, n)), "y": rng.uniform(0.05, 0.95, (m, k))}


def probes(s) -> list:
    return [replace(probe(PROBE_ID, "backward_at_scale", case(s), _seconds(s)), measures_cost=True)]


def _size() -> str:
    m, n, h, k = LARGE
    return f"a network of {network((n, h, k))} parameters ({m} samples, {n}-{h}-{k})"


def _seconds(s: dict) -> float:
    return min(SECONDS, s["limits"]["probe_seconds"])


def too_costly(obs: Observations, s: dict) -> Feedback | None:
    """Why backward earns nothing when the large network cost it more time or memory than it is allowed."""
    try:
        obs.value(PROBE_ID)
        return None
    except ProbeFailed as failure:
        outcome = failure.outcome
    error = outcome.error or {}
    if outcome.status == "timeout" and _waited(str(error.get("message", ""))) >= 0.99 * _seconds(s):
        spent = f"took longer than {_seconds(s):g} s"
    elif outcome.status == "error" and error.get("type") == "MemoryError":
        spent = f"ran out of the {s['limits']['memory_mb']} MB of memory a submission may use"
    else:  # the whole submission's time ran out first, say: not backward's cost
        return None
    return Feedback(f"backward {spent} on {_size()}, where backpropagation takes milliseconds: "
                    "numerical differentiation?",
                    ("backpropagation is a few matrix products at any size; finite differences need one or two "
                     "forward passes per parameter, a cost that grows with the square of the parameters",
                     "next step: compute dz2, dW2, db2, then da1, dz1, dW1, db1 with the chain rule, from the values "
                     "forward cached (Exercise 1 does it by hand)"))


def _waited(message: str) -> float:
    """The seconds a timeout's message says the grader waited ("did not finish within 2 s"), else 0."""
    words = message.split()
    try:
        return float(words[words.index("within") + 1])
    except (ValueError, IndexError):
        return 0.0


def problem(obs: Observations, s: dict, objective: str) -> Feedback | None:
    """What is wrong with backward on the large network, given that it is right on the small ones; None if nothing.

    A failure other than time or memory is the probe's to report (raised as ProbeFailed), like any error.
    """
    costly = too_costly(obs, s)
    if costly is not None:
        return costly
    value, want = obs.value(PROBE_ID), case(s)
    expected = objectives.gradients(want["params"], want["X"], want["y"], objective)
    try:
        grads = mapping(value["returned"], "backward's return value", tuple("d" + k for k in PARAMS))
        errors = {k: relative_error(array(grads["d" + k], "d" + k, shapes(want["sizes"])[k]), expected[k])
                  for k in PARAMS}
    except Invalid as invalid:
        return Feedback(f"backward is right on the small networks, but on {_size()}: {invalid.feedback.summary}")
    wrong = [f"d{k}: relative error {e:.2e} (tolerance {TOLERANCE:g})" for k, e in errors.items()
             if not e < TOLERANCE]
    if not wrong:
        return None
    return Feedback(f"backward is right on the small networks but wrong on {_size()}", tuple(wrong))
