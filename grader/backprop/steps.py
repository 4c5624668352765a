"""The training steps the grader can replay, and so audit.

A training run counts as gradient descent when replaying stretches of it
with math the grader computes itself reproduces the parameters the child
recorded. A step rule is a gradient the grader computes (an accepted
objective's, one of the known mistakes diagnosis.BUGS names, or one of
VARIANTS below) and one rate per parameter: each parameter moves by -rate x
its gradient. The rates are
measured from the run's first step, so a missing 1/m (rate m x the learning
rate), a hard-coded learning rate or a parameter never updated (rate 0) are
still replayable, and the bug is charged to the check that names it while the
training check asks only whether the network learns. Hand-made weights are
no such step, so they still fail the replay.

Runs only in the grader.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.backprop import diagnosis, objectives
from grader.backprop.objectives import OBJECTIVES, PARAMS

# A replay is float64; a submission may compute in float32 or in another
# order. Over a stretch of steps that drifts by far less than this, while any
# wrong gradient or jump drifts by far more.
REPLAY_RTOL, REPLAY_ATOL = 1e-4, 1e-6
# A measured rate this close to the learning rate is the learning rate (float32 rounding, not a bug).
SAME_RATE = 1e-3


# Mistakes outside backward's formulas that still make replayable steps: with the grader's own
# math they are a gradient descent of a known kind, and the check that names them charges them.
NO_B1 = "no_b1"  #: forward leaves out b1 (network.forward names it); b1 still moves, unused
W2_IN_BACKWARD = "w2_in_backward"  #: backward steps W2 and b2 itself, then dW1 uses the stepped W2
# sigmoid_derivative mistakes (sigmoid_derivative.values names them), wherever backward takes sigma'(z).
DERIVATIVES = {"derivative_of_activation": lambda z: z * (1 - z),
               "derivative_mixed": lambda z: objectives.sigmoid(z) * (1 - z)}
# A backward that passes the output error (a2 - y), not dz2, back to the hidden layer skips sigma'(z2)
# there: with a squared-error dz2 the output layer steps on that objective and the hidden layer on
# cross-entropy. A mixed objective, per layer: each layer's step is still an accepted objective's exact
# gradient, so the replay stays exact and hand-made weights still fail it.
HIDDEN_ON = {f"hidden_on_{name}": name for name in OBJECTIVES}
VARIANTS = {NO_B1: "forward leaves out b1", W2_IN_BACKWARD: "backward steps W2 and b2 itself",
            "derivative_of_activation": "sigmoid_derivative(z) computing z(1 - z)",
            "derivative_mixed": "sigmoid_derivative(z) computing sigmoid(z)(1 - z)",
            **{bug: f"a mixed objective, the hidden layer stepping on {OBJECTIVES[name].description} "
                    "(backward passes a2 - y, not dz2, back to it)" for bug, name in HIDDEN_ON.items()}}
# dL/da2 of the squared errors, whose dz2 takes sigma'(z2) too (objectives.OBJECTIVES; cross-entropy's
# dz2 = a2 - y takes none).
SQUARED_DL_DA2 = {"mse": lambda a2, y: 2 * (a2 - y) / y.size, "half_sse": lambda a2, y: (a2 - y) / y.shape[0]}


@dataclass(frozen=True)
class Rule:
    objective: str  #: the accepted objective whose gradient (or known mistake of it) the steps follow
    bug: str | None  #: a diagnosis.BUGS or VARIANTS name, or None for the exact gradient
    rates: tuple[float, ...]  #: per parameter, in PARAMS order: the multiple of its gradient subtracted each step

    def forward(self, params: dict, X) -> dict:
        """The network the steps train, as the submission computes it."""
        return objectives.forward({**params, "b1": 0 * params["b1"]} if self.bug == NO_B1 else params, X)

    def gradients(self, params: dict, X, y) -> dict:
        if self.bug is None:
            return objectives.gradients(params, X, y, self.objective)
        if self.bug == NO_B1:  # the gradients of the network without b1, db1 included
            return objectives.gradients({**params, "b1": 0 * params["b1"]}, X, y, self.objective)
        if self.bug in DERIVATIVES:
            return _with_derivative(params, X, y, self.objective, DERIVATIVES[self.bug])
        if self.bug in HIDDEN_ON:
            out, hidden = (objectives.gradients(params, X, y, o) for o in (self.objective, HIDDEN_ON[self.bug]))
            return {"W1": hidden["W1"], "b1": hidden["b1"], "W2": out["W2"], "b2": out["b2"]}
        return diagnosis.mistaken_gradients(params, X, y, self.objective, self.bug)

    def step(self, params: dict, X, y) -> dict:
        rate = dict(zip(PARAMS, self.rates))
        if self.bug == W2_IN_BACKWARD:
            g2, hidden = _in_backward(params, X, y, self.objective, rate["W2"], rate["b2"])
            return {"W1": params["W1"] - rate["W1"] * hidden["W1"], "b1": params["b1"] - rate["b1"] * hidden["b1"],
                    "W2": params["W2"] - 2 * rate["W2"] * g2["W2"], "b2": params["b2"] - 2 * rate["b2"] * g2["b2"]}
        g = self.gradients(params, X, y)
        return {k: params[k] - rate[k] * g[k] for k in PARAMS}

    def replay(self, start: dict, X, y, steps: int) -> dict:
        current = start
        for _ in range(steps):
            current = self.step(current, X, y)
        return current

    def objectives(self) -> tuple[str, ...]:
        """The accepted objectives the steps descend: two for a mixed objective, one per layer."""
        return (self.objective, HIDDEN_ON[self.bug]) if self.bug in HIDDEN_ON else (self.objective,)

    def scales(self, learning_rate: float) -> dict:
        """Each parameter's rate as a multiple of the learning rate."""
        return {k: rate / learning_rate for k, rate in zip(PARAMS, self.rates)}

    def plain(self, learning_rate: float) -> bool:
        """Gradient descent on an accepted objective at the learning rate: what a correct network does."""
        return self.bug is None and all(rate == learning_rate for rate in self.rates)

    def describe(self, learning_rate: float) -> str:
        """The steps in the student's terms, e.g. "4 x the gradient of binary cross-entropy ..."."""
        what = OBJECTIVES[self.objective].description
        if self.bug is not None:
            what = f"{VARIANTS.get(self.bug) or diagnosis.label(self.bug)} (a known mistake), on {what}"
        scales = self.scales(learning_rate)
        values = list(scales.values())
        if np.allclose(values, values[0], rtol=1e-9, atol=0):
            rate = "" if values[0] == 1 else f"{values[0]:.4g} x "
            return f"steps of {rate}learning_rate x the gradient: {what}"
        per = ", ".join(f"{k} {v:.4g}" for k, v in scales.items())
        return f"steps of learning_rate x the gradient scaled per parameter ({per}): {what}"


def _with_derivative(params: dict, X, y, objective: str, derivative) -> dict:
    """Backpropagation with `derivative` wherever sigma'(z) belongs."""
    c = objectives.forward(params, X)
    if objective in SQUARED_DL_DA2:
        dz2 = SQUARED_DL_DA2[objective](c["a2"], y) * derivative(c["z2"])
    else:
        dz2 = OBJECTIVES[objective].dz2(c["z2"], c["a2"], y)
    dz1 = (dz2 @ params["W2"].T) * derivative(c["z1"])
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": c["a1"].T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}


def _in_backward(params: dict, X, y, objective: str, rate_w2: float, rate_b2: float) -> tuple[dict, dict]:
    """dW2, db2 as backward computes them, and dW1, db1 through W2 once backward has stepped it."""
    c = objectives.forward(params, X)
    dz2 = OBJECTIVES[objective].dz2(c["z2"], c["a2"], y)
    g2 = {"W2": c["a1"].T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
    dz1 = (dz2 @ (params["W2"] - rate_w2 * g2["W2"]).T) * objectives.sigmoid_derivative(c["z1"])
    return g2, {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True)}


def _rate(before: np.ndarray, after: np.ndarray, gradient: np.ndarray, learning_rate: float) -> float | None:
    """r with after == before - r * gradient, to the replay's tolerance, or None."""
    norm = float(np.sum(gradient * gradient))
    if norm == 0 or not np.isfinite(norm):
        return None
    rate = float(np.sum((before - after) * gradient) / norm)
    if not np.isfinite(rate):
        return None
    if abs(rate - learning_rate) <= SAME_RATE * abs(learning_rate):
        rate = learning_rate
    elif np.allclose(after, before, rtol=0, atol=REPLAY_ATOL):
        rate = 0.0
    if not np.allclose(before - rate * gradient, after, rtol=REPLAY_RTOL, atol=REPLAY_ATOL):
        return None
    return rate


def candidates(start: dict, first: dict, X, y, accepted, learning_rate: float) -> list[Rule]:
    """Every rule whose one step from `start` gives `first`: plain gradient descent first, then
    scaled exact gradients, then known mistakes."""
    found = []
    mixed = [bug for bug, hidden in HIDDEN_ON.items() if hidden in accepted]
    for objective in accepted:
        for bug in (None, *(b.name for b in diagnosis.BUGS), NO_B1, *DERIVATIVES,
                    *(b for b in mixed if HIDDEN_ON[b] != objective)):
            g = Rule(objective, bug, ()).gradients(start, X, y)
            rates = [_rate(start[k], first[k], g[k], learning_rate) for k in PARAMS]
            if all(r is not None for r in rates) and any(r != 0 for r in rates):
                found.append(Rule(objective, bug, tuple(rates)))
        found += _in_backward_rule(start, first, X, y, objective, learning_rate)
    return sorted(found, key=lambda r: (r.bug is not None, not r.plain(learning_rate)))


def _in_backward_rule(start: dict, first: dict, X, y, objective: str, learning_rate: float) -> list[Rule]:
    """W2_IN_BACKWARD, if it explains the first step: W2 and b2 move twice their rate, W1 and b1 once."""
    g2, _ = _in_backward(start, X, y, objective, 0, 0)
    twice = [_rate(start[k], first[k], g2[k], 2 * learning_rate) for k in ("W2", "b2")]
    if None in twice or 0 in twice:
        return []
    rate_w2, rate_b2 = (r / 2 for r in twice)
    _, hidden = _in_backward(start, X, y, objective, rate_w2, rate_b2)
    once = [_rate(start[k], first[k], hidden[k], learning_rate) for k in ("W1", "b1")]
    return [] if None in once else [Rule(objective, W2_IN_BACKWARD, (*once, rate_w2, rate_b2))]


def reproduces(rule: Rule, start: dict, end: dict, X, y, steps: int) -> bool:
    """Whether `steps` steps of `rule` from `start` give `end`, to the replay's tolerance."""
    got = rule.replay(start, X, y, steps)
    return all(np.allclose(got[k], end[k], rtol=REPLAY_RTOL, atol=REPLAY_ATOL) for k in PARAMS)
