"""Exercise 4's data: make_spiral_data's shapes, labels, geometry and noise."""
from __future__ import annotations

import numpy as np

from grader.backprop.checks.common import feedback, probe, verdict_parts
from grader.judging import Check, Observations, Verdict
from grader.observations import Invalid, array, mapping

# Noise is judged apart from geometry, so that a geometry mistake never reads as a noise error: twice
# the same noisy call with another seed, whose difference is the noise alone (std / sqrt 2 of it), and
# twice the same noiseless one, whose difference must be nothing.
CALLS = [{"n_samples": 300, "noise": 0.0, "seed": 1},
         {"n_samples": 201, "noise": 0.0, "seed": 2},
         {"n_samples": 400, "noise": 0.3, "seed": 3},
         {"n_samples": 400, "noise": 0.3, "seed": 4},
         {"n_samples": 300, "noise": 0.0, "seed": 5}]
NOISELESS, NOISY = (0, 4), (2, 3)  #: the pairs of calls that differ only in their seed


def readings(n_samples: int) -> list[np.ndarray]:
    """Both readings of the hint "class 1 is theta + pi": class 1's radius from the shifted angle (the
    lesson's code) or from the unshifted one (the point-symmetric pair); both are spirals half a turn apart."""
    n = n_samples // 2
    theta = np.linspace(0, 4 * np.pi, n)
    spiral = np.column_stack([np.cos(theta), np.sin(theta)])
    class0 = theta[:, None] / (2 * np.pi) * spiral
    return [np.vstack([class0, -(theta + np.pi)[:, None] / (2 * np.pi) * spiral]), np.vstack([class0, -class0])]


def probes(s):
    return [probe("spiral.data", "spiral_data", {"calls": CALLS}, s["limits"]["probe_seconds"])]


def judge(obs: Observations) -> Verdict:
    results = obs.value("spiral.data")
    if len(results) != len(CALLS):  # one answer per call, always, from the probe
        raise Invalid(f"make_spiral_data answered {len(results)} calls of {len(CALLS)}")
    shape_ok, labels_ok = True, True
    problems, Xs = [], []
    for call, result in zip(CALLS, results):
        result = mapping(result, f"make_spiral_data's answer for n_samples={call['n_samples']}", ("X", "y"))
        n = call["n_samples"] // 2
        X = array(result["X"], f"X for n_samples={call['n_samples']}", (2 * n, 2))
        y = array(result["y"], f"y for n_samples={call['n_samples']}", (2 * n, 1))
        Xs.append(X)
        want = np.repeat([0.0, 1.0], n).reshape(-1, 1)
        if not np.array_equal(y, want):
            labels_ok = False
            if np.array_equal(y, 1 - want):
                problems.append("labels are swapped: class 0 first (n rows of 0, then n rows of 1)")
            else:
                problems.append(f"y should hold {n} zeros (class 0 first) then {n} ones; got "
                                f"{int(np.sum(y == 0))} zeros and {int(np.sum(y == 1))} ones")
    still = _level(Xs, NOISELESS)  # scatter with noise=0: the noise argument is not what scales the noise
    level = _level(Xs, NOISY)
    geometry_ok = True
    for call, X in zip(CALLS, Xs):
        if call["noise"] == 0 and not _on_a_spiral(X, call["n_samples"], still):
            geometry_ok = False
            problems.append(_geometry_problem(X, call["n_samples"]))
    noise = CALLS[NOISY[0]]["noise"]
    noise_ok = still < 1e-9 and abs(level - noise) < 0.2 * noise
    if still >= 1e-9:
        problems.append(f"with noise=0 the points still scatter (standard deviation {still:.3g}): scale "
                        "the noise by the noise argument")
    elif not noise_ok:
        problems.append(f"with noise={noise} the points should scatter around your own spiral with standard "
                        f"deviation {noise}; got {level:.3g}" + (" (noise ignored?)" if level < 1e-6 else ""))
    fraction, _ = verdict_parts([(0.2, shape_ok, ""), (0.2, labels_ok, ""), (0.4, geometry_ok, ""),
                                 (0.2, noise_ok, "")])
    return Verdict(fraction, feedback("make_spiral_data: shapes, labels, spiral geometry and noise are right",
                                      list(dict.fromkeys(problems))), {"noise_std": round(level, 4)})


def _level(Xs: list[np.ndarray], pair: tuple[int, int]) -> float:
    """The noise's standard deviation, from two calls that differ only in their seed: geometry cancels."""
    return float(np.std(Xs[pair[0]] - Xs[pair[1]]) / np.sqrt(2))


def _on_a_spiral(X: np.ndarray, n_samples: int, still: float) -> bool:
    """Exactly on either reading; when noise=0 still scatters (charged to the noise), centred on one."""
    if still < 1e-9:
        return any(np.allclose(X, ideal, atol=1e-9) for ideal in readings(n_samples))
    return any(abs(float(np.mean(X - ideal))) < 0.1 * still and float(np.std(X - ideal)) < 1.2 * still
               for ideal in readings(n_samples))


def _geometry_problem(X: np.ndarray, n_samples: int) -> str:
    n = n_samples // 2
    if np.allclose(X[n:], X[:n], atol=1e-9):
        return "class 1 lies on class 0: its angle needs + pi (the spirals are half a turn apart)"
    if any(np.allclose(X, np.vstack([ideal[n:], ideal[:n]]), atol=1e-9) for ideal in readings(n_samples)):
        return "the spirals are in the wrong order: class 0 first"
    return ("with noise=0 the points are not the lesson's spiral: theta = linspace(0, 4 pi, n), r = theta / "
            "(2 pi), class 1 half a turn (pi) further (its radius from either angle)")


def checks(s):
    return [Check("spiral.data", "make_spiral_data", s["points"]["spiral.data"], judge, "make_spiral_data")]
