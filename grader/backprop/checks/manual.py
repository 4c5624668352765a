"""Exercise 1: the 1-1-1 network by hand; each of the nine values scored on its own."""
from __future__ import annotations

from functools import partial

import numpy as np

from grader.backprop.checks.common import probe
from grader.backprop.objectives import sigmoid, sigmoid_derivative
from grader.judging import Check, Observations, Verdict
from grader.observations import Invalid, mapping, number
from grader.results import Feedback

EXERCISE1 = (0.5, 0.8, 0.4, 0.1, 0.6, 0.2)  # x, y_true, w1, b1, w2, b2
# In the order the chain rule computes them, with how each is computed.
STEPS = {
    "z1": "z1 = w1*x + b1",
    "a1": "a1 = sigmoid(z1)",
    "z2": "z2 = w2*a1 + b2",
    "a2": "a2 = sigmoid(z2)",
    "loss": "loss = 0.5 * (y_true - a2)**2",
    "dL_db2": "dL_db2 = dL_dz2 = -(y_true - a2) * sigmoid'(z2)",
    "dL_dw2": "dL_dw2 = dL_dz2 * a1",
    "dL_db1": "dL_db1 = dL_dz1 = dL_dz2 * w2 * sigmoid'(z1)",
    "dL_dw1": "dL_dw1 = dL_dz1 * x",
}


def expected(x, y_true, w1, b1, w2, b2) -> dict:
    z1 = w1 * x + b1
    a1 = float(sigmoid(z1))
    z2 = w2 * a1 + b2
    a2 = float(sigmoid(z2))
    dz2 = -(y_true - a2) * float(sigmoid_derivative(z2))
    dz1 = dz2 * w2 * float(sigmoid_derivative(z1))
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": 0.5 * (y_true - a2) ** 2,
            "dL_db2": dz2, "dL_dw2": dz2 * a1, "dL_db1": dz1, "dL_dw1": dz1 * x}


def hidden_cases(seed: int) -> list[tuple[float, ...]]:
    rng = np.random.default_rng(seed + 1)
    return [tuple(float(v) for v in rng.uniform(-1.5, 1.5, 6)) for _ in range(4)]


def probes(s):
    t = s["limits"]["probe_seconds"]
    return [probe("manual_backprop.exercise1", "manual_backprop", {"cases": [EXERCISE1]}, t),
            probe("manual_backprop.hidden_cases", "manual_backprop", {"cases": hidden_cases(s["checks"]["seed"])}, t)]


def judge(obs: Observations, probe_id: str, cases: list[tuple[float, ...]]) -> Verdict:
    returned = obs.value(probe_id)
    if not isinstance(returned, list) or len(returned) != len(cases):
        raise Invalid("manual_backprop returned something unexpected")
    right, wrong_lines, first_wrong = 0, [], None
    for case, result in zip(cases, returned):
        result = mapping(result, "manual_backprop's result", tuple(STEPS))
        want = expected(*case)
        for key in STEPS:
            try:
                got = number(result[key], key)
            except Invalid as invalid:
                got, ok = None, False
                wrong_lines.append(f"{key}: {invalid.feedback.summary}")
            else:
                ok = bool(np.isclose(got, want[key], rtol=1e-6, atol=1e-9))
                if not ok:
                    wrong_lines.append(f"{key} (x={case[0]:.3g}, y_true={case[1]:.3g}): "
                                       f"expected {want[key]:.6f}, got {got:.6f}")
            right += ok
            if not ok and first_wrong is None:
                first_wrong = key
    total = len(cases) * len(STEPS)
    if first_wrong is None:
        return Verdict(1, Feedback(f"all {total} values match"))
    summary = f"{total - right} of {total} values wrong; the first wrong step is {first_wrong}"
    details = [f"check this step: {STEPS[first_wrong]}", *wrong_lines[:8]]
    return Verdict(right / total, Feedback(summary, tuple(details)), {"right": right, "total": total})


def checks(s):
    p = s["points"]
    return [
        Check("manual_backprop.exercise1", "manual_backprop: Exercise 1's numbers",
              p["manual_backprop.exercise1"],
              partial(judge, probe_id="manual_backprop.exercise1", cases=[EXERCISE1]), "manual_backprop"),
        Check("manual_backprop.hidden_cases", "manual_backprop: hidden random cases",
              p["manual_backprop.hidden_cases"],
              partial(judge, probe_id="manual_backprop.hidden_cases", cases=hidden_cases(s["checks"]["seed"])),
              "manual_backprop"),
    ]
