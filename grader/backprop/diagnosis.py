"""Name the likely bug when gradients match no accepted objective.

A diagnosis composes a known mistake of the chain rule (mistakes.py, or none)
with an objective and, per parameter, a factor sign x m^p x 2^q: the code
`error = y - output; delta = error * a * (1 - a); dW = X.T @ delta` is exactly
-m x the gradient of half the squared error. The factor is stated against the
objective the diagnosis names, and the same composition must hold on every
test network, whose m and sizes all differ, so it cannot be a coincidence.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from grader.backprop import mistakes
from grader.backprop.gradcheck import relative_error
from grader.backprop.mistakes import EXACT, MISTAKES, Mistake
from grader.backprop.objectives import NAMED_LOSSES, PARAMS, gradients

MATCH = 1e-5


@dataclass(frozen=True)
class Factor:
    """sign x m^p x 2^q, the multiple of the gradient one parameter gets (sign 0: none of it)."""
    sign: int = 1
    p: int = 0  #: power of m: 1 is a missing 1/m, -1 a 1/m applied twice
    q: int = 0  #: power of 2

    def value(self, m: int) -> float:
        return self.sign * float(m) ** self.p * 2.0 ** self.q

    def cost(self) -> int:
        """How much this factor explains away: a simpler diagnosis is the likelier one."""
        return (self.sign != 1) + abs(self.p) + abs(self.q)

    def text(self) -> str:
        """E.g. "-m", "2m", "m/2", "1/(2m)"; "1" or "-1" for a sign alone, "0" for none."""
        if self.sign == 0:
            return "0"
        top = ("2" if self.q == 1 else "") + ("m" if self.p == 1 else "") or "1"
        bottom = ("2" if self.q == -1 else "") + ("m" if self.p == -1 else "")
        body = top if not bottom else f"{top}/{bottom}" if len(bottom) == 1 else f"{top}/({bottom})"
        return ("-" if self.sign < 0 else "") + body


ZERO = Factor(0)
FACTORS = sorted((Factor(s, p, q) for s, p, q in product((1, -1), (0, 1, -1), (0, 1, -1))), key=Factor.cost)


@dataclass(frozen=True)
class Bug:
    """A mistake, an objective and a factor per parameter, as the report names it."""
    mistake: Mistake
    objective: str
    factors: dict  #: parameter -> Factor

    @property
    def right(self) -> bool:
        """Exactly the objective's gradient: nothing to diagnose but what made the check look."""
        return self.mistake is EXACT and all(f == Factor() for f in self.factors.values())

    @property
    def names(self) -> tuple[str, ...]:
        """Stable names: CheckResult.diagnosed, the gradebook's `diagnosed` column."""
        return tuple(name for name, _, _ in self._parts())

    @property
    def message(self) -> str:
        """E.g. "missing 1/m (...); sign flipped (...): exactly -m x the gradient of half the squared error"."""
        words = [text for _, text, _ in self._parts()] or ["the gradient of a loss that is not an accepted objective"]
        return f"{'; '.join(words)}: {self.exactly()}"

    @property
    def hint(self) -> str:
        return "; ".join(dict.fromkeys(hint for _, _, hint in self._parts()))

    def exactly(self) -> str:
        """The composition as math, stated against the objective it names, per parameter where they differ."""
        groups: dict = {}
        for k in PARAMS:
            groups.setdefault(self.factors[k], []).append("d" + k)
        said = []
        for factor, params in sorted(groups.items(), key=lambda group: group[0] == ZERO):
            it = "the gradient" if not said else "it"
            times = {"1": it, "-1": f"minus {it}", "0": "zero"}.get(factor.text(), f"{factor.text()} x {it}")
            if not said:
                times += f" of {NAMED_LOSSES[self.objective].short}"
            said.append(times if len(groups) == 1 else f"{times} in {', '.join(params)}")
        m = " (m = X.shape[0])" if any(f.p for f in self.factors.values()) else ""
        return ("otherwise " if self.mistake is not EXACT else "") + f"exactly {' and '.join(said)}{m}"

    def _parts(self) -> list[tuple[str, str, str]]:
        """(name, words, hint) of the mistake and of each factor; the scale first, since a training
        check names the first (a sign an update that adds undoes is no reason a run fails)."""
        parts = []
        if self.mistake is not EXACT:
            parts.append((self.mistake.name, self.mistake.message, self.mistake.hint))

        def where(test) -> list[str]:
            return [k for k in PARAMS if test(self.factors[k])]

        summed = where(lambda f: f.p == 1)
        if summed == ["b1", "b2"]:
            parts.append(("bias_sum", "the bias gradients are summed over the samples, not averaged "
                                      "(missing 1/m in db1, db2)", "db = (1/m) * np.sum(dz, axis=0, keepdims=True)"))
        elif summed:
            parts.append(("no_mean", "missing 1/m (summed over the samples, not averaged)"
                          + _in(summed), "multiply dW1, db1, dW2 and db2 by 1/m, with m = X.shape[0]"))
        twice = where(lambda f: f.p == -1)
        if twice:
            parts.append(("double_mean", "divided by m twice" + _in(twice), "apply the 1/m factor once"))
        zero = where(lambda f: f == ZERO)
        if zero:
            parts.append(("zero_gradient", f"{', '.join('d' + k for k in zero)} all zeros (never computed?)",
                          f"compute {', '.join('d' + k for k in zero)} from dz like the others, as Exercise 1 does"))
        flipped = where(lambda f: f.sign < 0)
        if flipped:
            parts.append(("sign", "sign flipped (y - a2 where a2 - y belongs)" + _in(flipped),
                          "backward returns the gradient itself (a2 - y, not y - a2) and update_weights subtracts "
                          "it: an update that adds the negative gradient descends too, but the functions are "
                          "checked one by one"))
        doubled, halved = where(lambda f: f.q == 1), where(lambda f: f.q == -1)
        if doubled:
            parts.append(("factor_two", "an extra factor 2" + _in(doubled), "drop the extra factor 2"))
        if halved:
            parts.append(("factor_half", "an extra factor 1/2" + _in(halved), "drop the extra factor 0.5"))
        return parts


def _in(params: list[str]) -> str:
    return "" if len(params) == len(PARAMS) else f" in {', '.join('d' + k for k in params)}"


# Known mistakes, for the training audit (steps.py) to replay: factors are its measured rates.
BUGS = MISTAKES


def mistaken_gradients(params, X, y, objective: str, bug: str) -> dict:
    """The gradients the mistake `bug` (a BUGS name) computes for `objective`."""
    return mistakes.gradients(params, X, y, objective, bug)


FACTOR_LABELS = {"zero_gradient": "a gradient left at zero", "sign": "gradient sign flipped",
                 "no_mean": "missing 1/m", "bias_sum": "missing 1/m in db1, db2",
                 "double_mean": "divided by m twice", "factor_two": "extra factor 2",
                 "factor_half": "extra factor 1/2"}
# Bugs other checks recognise, named here so every misconception has one label.
OTHER_LABELS = {
    "sigmoid_sign": "sigmoid computes 1/(1+e^x)",
}
LABELS = {**{m.name: m.label for m in MISTAKES}, **FACTOR_LABELS, **OTHER_LABELS}  #: stable name -> label


def label(name: str) -> str:
    """The readable label of a diagnosed bug; a name no table knows yet reads as its words."""
    return LABELS.get(name, name.replace("_", " "))


def _factor(got: np.ndarray, expected: np.ndarray, m: int) -> Factor | None:
    if np.all(got == 0) and np.any(expected != 0):
        return ZERO
    c = constant_factor(got, expected)
    if c is None:
        return None
    return next((f for f in FACTORS if np.isclose(c, f.value(m), rtol=1e-6, atol=0)), None)


def diagnose(networks: list[tuple[dict, dict, np.ndarray, np.ndarray]], objectives: list[str]) -> Bug | None:
    """The simplest composition that reproduces every gradient of every (got, params, X, y).

    Simplest: no mistake before a mistake, then the fewest factors, then an accepted objective
    (in `objectives` order) before another named loss.
    """
    found = []
    names = [*objectives, *(o for o in NAMED_LOSSES if o not in objectives)]
    for rank, objective in enumerate(names):
        for mistake in (EXACT, *MISTAKES):
            factors = _factors(networks, objective, mistake)
            if factors is not None:
                found.append(((mistake is not EXACT, sum(f.cost() for f in factors.values()), rank),
                              Bug(mistake, objective, factors)))
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _factors(networks, objective: str, mistake: Mistake) -> dict | None:
    """One Factor per parameter that holds on every network, else None."""
    factors: dict = {}
    for got, params, X, y in networks:
        expected = mistake.gradients(params, X, y, objective)
        for k in PARAMS:
            if k not in got or got[k].shape != expected[k].shape:
                return None
            f = _factor(got[k], expected[k], X.shape[0])
            if f is None or factors.setdefault(k, f) != f:
                return None
    # Zeros alone are no answer to recognise (diagnosis.recognised credits what this names).
    return None if all(f == ZERO for f in factors.values()) else factors


def constant_factor(got: np.ndarray, expected: np.ndarray) -> float | None:
    """c if got == c * expected to 1e-5, else None."""
    denominator = float(np.sum(expected * expected))
    if denominator == 0 or not np.all(np.isfinite(got)):
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
    missing, sign flipped), or all four are a known composition. Zeros, or
    any numbers made up to agree with each other, are none of these.
    """
    for objective in objectives:
        exact = gradients(params, X, y, objective)
        if any(k in got and got[k].shape == exact[k].shape and constant_factor(got[k], exact[k]) is not None
               for k in PARAMS):
            return True
    return diagnose([(got, params, X, y)], objectives) is not None
