"""Exercise 3's pictures: plot_loss and plot_decision_boundary draw on a given Axes."""
from __future__ import annotations

import numpy as np

from grader.backprop import tasks
from grader.backprop.checks.common import feedback, probe, random_params, verdict_parts
from grader.judging import Check, Observations, Verdict
from grader.observations import array

LOSSES = list(np.geomspace(0.3, 0.001, 60))
BOUNDARY_SIZES = (2, 3, 1)


def probes(s):
    t = s["limits"]["probe_seconds"]
    X, y = tasks.spiral(s["checks"]["seed"], 40, 0.1)
    return [
        probe("plots.loss", "plot_loss", {"losses": LOSSES}, t),
        probe("plots.decision_boundary", "plot_decision_boundary",
              {"sizes": BOUNDARY_SIZES, "params": random_params(np.random.default_rng(s["checks"]["seed"]),
                                                                BOUNDARY_SIZES), "X": X, "y": y}, t),
    ]


def judge_loss(obs: Observations) -> Verdict:
    facts = obs.value("plots.loss")
    lines = facts.get("lines") or []
    curve = any(n == len(LOSSES) for n in lines) and any(
        isinstance(v, float) and np.isclose(v, LOSSES[0]) for v in facts.get("line_first") or [])
    fraction, failures = verdict_parts([
        (2, curve, f"no line of the {len(LOSSES)} losses was drawn on the Axes given (use ax.plot(losses), "
                   "not plt.plot)"),
        (1.5, facts.get("yscale") == "log", f"the y axis should use a log scale (ax.set_yscale('log')); "
                                            f"got {facts.get('yscale')!r}"),
        (1.5, bool(facts.get("xlabel")) and bool(facts.get("ylabel")),
         "label both axes (ax.set_xlabel('Epoch'), ax.set_ylabel('Loss'))"),
    ])
    return Verdict(fraction, feedback("the loss curve is drawn, on a log scale, with labelled axes", failures))


def judge_boundary(obs: Observations, X: np.ndarray) -> Verdict:
    facts = obs.value("plots.decision_boundary")
    offsets = [array(o, "points drawn", finite=False) for o in facts.get("points") or []]
    drawn = np.vstack([o for o in offsets if o.ndim == 2 and o.shape[1] == 2]) if offsets else np.zeros((0, 2))
    shown = sum(bool(np.any(np.all(np.isclose(drawn, row), axis=1))) for row in X) if len(drawn) else 0
    fraction, failures = verdict_parts([
        (1, isinstance(facts.get("surfaces"), int) and facts["surfaces"] >= 1,
         "no filled picture of the network's output over a grid (ax.contourf, pcolormesh or imshow)"),
        (1, shown == len(X), f"both classes' points should be drawn (ax.scatter): {shown} of {len(X)} points "
                             "appear on the Axes given"),
    ])
    return Verdict(fraction, feedback("a filled contour of the output and both classes' points", failures))


def checks(s):
    from functools import partial
    X, _ = tasks.spiral(s["checks"]["seed"], 40, 0.1)
    p = s["points"]
    return [
        Check("plots.loss", "plot_loss", p["plots.loss"], judge_loss, "plot_loss"),
        Check("plots.decision_boundary", "plot_decision_boundary", p["plots.decision_boundary"],
              partial(judge_boundary, X=X), "plot_decision_boundary"),
    ]
