"""Exercise 4's data: make_spiral_data's shapes, labels, geometry and noise."""
from __future__ import annotations

import numpy as np

from grader.backprop.checks.common import feedback, probe, verdict_parts
from grader.judging import Check, Observations, Verdict
from grader.observations import Invalid, array, mapping

CALLS = [{"n_samples": 300, "noise": 0.0, "seed": 1},
         {"n_samples": 201, "noise": 0.0, "seed": 2},
         {"n_samples": 400, "noise": 0.3, "seed": 3}]


def noiseless(n_samples: int) -> np.ndarray:
    n = n_samples // 2
    theta = np.linspace(0, 4 * np.pi, n)
    parts = []
    for t in (theta, theta + np.pi):
        r = t / (2 * np.pi)
        parts.append(np.column_stack([r * np.cos(t), r * np.sin(t)]))
    return np.vstack(parts)


def probes(s):
    return [probe("spiral.data", "spiral_data", {"calls": CALLS}, s["limits"]["probe_seconds"])]


def judge(obs: Observations) -> Verdict:
    results = obs.value("spiral.data")
    if len(results) != len(CALLS):  # one answer per call, always, from the probe
        raise Invalid(f"make_spiral_data answered {len(results)} calls of {len(CALLS)}")
    shape_ok, labels_ok, geometry_ok, noise_ok = True, True, True, False
    problems, measured = [], {}
    for call, result in zip(CALLS, results):
        result = mapping(result, f"make_spiral_data's answer for n_samples={call['n_samples']}", ("X", "y"))
        n = call["n_samples"] // 2
        X = array(result["X"], f"X for n_samples={call['n_samples']}", (2 * n, 2))
        y = array(result["y"], f"y for n_samples={call['n_samples']}", (2 * n, 1))
        want = np.repeat([0.0, 1.0], n).reshape(-1, 1)
        if not np.array_equal(y, want):
            labels_ok = False
            if np.array_equal(y, 1 - want):
                problems.append("labels are swapped: class 0 first (n rows of 0, then n rows of 1)")
            else:
                problems.append(f"y should hold {n} zeros (class 0 first) then {n} ones; got "
                                f"{int(np.sum(y == 0))} zeros and {int(np.sum(y == 1))} ones")
        ideal = noiseless(call["n_samples"])
        if call["noise"] == 0:
            if not np.allclose(X, ideal, atol=1e-9):
                geometry_ok = False
                if np.allclose(X[n:], X[:n], atol=1e-9):
                    problems.append("class 1 lies on class 0: its angle needs + pi (the spirals are half a "
                                    "turn apart)")
                elif np.allclose(X, np.vstack([ideal[n:], ideal[:n]]), atol=1e-9):
                    problems.append("the spirals are in the wrong order: class 0 first")
                else:
                    problems.append("with noise=0 the points are not the lesson's spiral: theta = linspace(0, "
                                    "4 pi, n), r = theta / (2 pi), class 1 half a turn (pi) further")
        else:
            spread = float(np.std(X - ideal))
            measured["noise_std"] = round(spread, 4)
            noise_ok = abs(spread - call["noise"]) < 0.2 * call["noise"]
            if not noise_ok:
                problems.append(f"with noise={call['noise']} the points should scatter around the spiral with "
                                f"standard deviation {call['noise']}; got {spread:.3g} "
                                + ("(noise ignored?)" if spread < 1e-6 else ""))
    fraction, _ = verdict_parts([(0.2, shape_ok, ""), (0.2, labels_ok, ""), (0.4, geometry_ok, ""),
                                 (0.2, noise_ok, "")])
    return Verdict(fraction, feedback("make_spiral_data: shapes, labels, spiral geometry and noise are right",
                                      list(dict.fromkeys(problems))), measured)


def checks(s):
    return [Check("spiral.data", "make_spiral_data", s["points"]["spiral.data"], judge, "make_spiral_data")]
