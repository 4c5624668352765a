"""Exercise 2's backward: the numerical gradient check, scored per parameter."""
from __future__ import annotations

from functools import partial

import numpy as np

from grader.backprop import objectives
from grader.backprop.checks import cost
from grader.backprop.checks.common import objective_names, probe, random_params, shapes
from grader.backprop.diagnosis import constant_factor, diagnose
from grader.backprop.gradcheck import numerical_gradient, relative_error
from grader.backprop.objectives import OBJECTIVES, PARAMS
from grader.judging import Check, Observations, ProbeFailed, Verdict
from grader.observations import Invalid, array, mapping
from grader.results import Feedback

# (m, input, hidden, output): every size differs, and m > 1, so a swapped
# axis or a missing 1/m cannot hide.
SHAPES = [(5, 3, 4, 2), (7, 2, 5, 3), (6, 4, 3, 1)]
TOLERANCE = 1e-5  # relative error; central differences in float64 reach ~1e-9
GRADIENT_KEYS = tuple("d" + k for k in PARAMS)
# Network evaluations one backward call may make. Backpropagation makes one
# or two (the probe explains how they are counted); finite differences on
# SHAPES need one or two per parameter, 19 to 33 parameters.
MAX_EVALUATIONS = 6


def cases(s) -> list[dict]:
    out = []
    for i, (m, n, h, k) in enumerate(SHAPES):
        rng = np.random.default_rng([s["checks"]["seed"], 100 + i])
        out.append({"sizes": (n, h, k), "params": random_params(rng, (n, h, k)),
                    "X": rng.normal(0, 1, (m, n)), "y": rng.uniform(0.05, 0.95, (m, k))})
    return out


def probes(s):
    t = s["limits"]["probe_seconds"]
    return [probe(f"network.backward.{i}", "backward",
                  {**case, "cache": objectives.forward(case["params"], case["X"])}, t)
            for i, case in enumerate(cases(s))] + cost.probes(s)


def expected_gradients(case: dict, objective: str) -> dict:
    """The numerical gradient of `objective` at the grader's parameters."""
    return numerical_gradient(lambda p: objectives.loss(p, case["X"], case["y"], objective), case["params"])


def _student_gradients(value, case: dict, key: str = "returned", problems: list | None = None) -> dict:
    """The four gradients; with `problems`, a wrong one becomes NaN and its reason is kept."""
    grads = mapping(value[key], "backward's return value" if key == "returned" else "self.gradients", GRADIENT_KEYS)
    want = shapes(case["sizes"])
    out = {}
    for k in PARAMS:
        try:
            out[k] = array(grads["d" + k], "d" + k, want[k])
        except Invalid as invalid:
            if problems is None:
                raise
            details = ", ".join(" ".join(d.split()) for d in invalid.feedback.details)
            problems.append(f"{invalid.feedback.summary}" + (f": {details}" if details else ""))
            out[k] = np.full(want[k], np.nan)
    return out


def evaluations(obs: Observations) -> int:
    """The most times one backward call evaluated the network, over the cases that ran."""
    most = 0.0
    for i in range(len(SHAPES)):
        try:
            n = obs.value(f"network.backward.{i}").get("evaluations")
        except (ProbeFailed, AttributeError):
            continue
        if isinstance(n, (int, float)) and not isinstance(n, bool) and np.isfinite(n):
            most = max(most, float(n))
    return round(most)


def numerical_differentiation(obs: Observations) -> Feedback | None:
    """Why backward earns nothing when it differentiates numerically, else None."""
    n = evaluations(obs)
    if n <= MAX_EVALUATIONS:
        return None
    return Feedback(f"backward evaluated the network {n} times in one call: that is numerical "
                    "differentiation, not backpropagation",
                    ("next step: compute dz2, dW2, db2, then da1, dz1, dW1, db1 with the chain rule, from the "
                     "values forward cached (Exercise 1 does it by hand)",))


def _counted_differentiation(obs: Observations, s: dict, accepted: list[str]) -> Feedback | None:
    """The count's verdict (many network evaluations in one call), unless backward was right and quick on the
    large network: a cost no finite differences have, so the count misread loops written out by hand."""
    found = numerical_differentiation(obs)
    if found is None:
        return None
    try:
        at_scale = any(cost.problem(obs, s, o) is None for o in accepted)
    except ProbeFailed:
        at_scale = False
    return None if at_scale else found


def flags(obs: Observations, s: dict) -> list[dict]:
    found = _counted_differentiation(obs, s, objective_names(s)) or cost.too_costly(obs, s)
    if found is None:
        return []
    return [{"code": "numerical_differentiation", "message": found.summary, "about": "NeuralNetwork.backward"}]


def judge_backward(obs: Observations, cases: list[dict], accepted: list[str], s: dict) -> Verdict:
    numerical = _counted_differentiation(obs, s, accepted)
    if numerical is not None:
        return Verdict(0, numerical, {"evaluations": evaluations(obs)})
    got, stored_problems, failures, shape_problems = [], [], [], []
    for i, case in enumerate(cases):
        try:
            value = obs.value(f"network.backward.{i}")
            grads = _student_gradients(value, case, problems=shape_problems)
        except (ProbeFailed, Invalid) as problem:
            got.append(None)
            failures.append((i, problem))
            continue
        got.append(grads)
        try:
            stored = _student_gradients(value, case, "stored")
            if any(not np.array_equal(stored[k], grads[k], equal_nan=True) for k in PARAMS):
                stored_problems.append(i)
        except Invalid:
            stored_problems.append(i)
    if all(g is None for g in got):
        raise failures[0][1]
    expected = [{o: expected_gradients(case, o) for o in accepted} for case in cases]
    errors = [{o: {k: relative_error(g[k], e[o][k]) for k in PARAMS} for o in accepted} if g else None
              for g, e in zip(got, expected)]
    # The objective that explains the most (case, parameter) pairs.
    best = max(accepted, key=lambda o: sum(err[o][k] < TOLERANCE for err in errors if err for k in PARAMS))
    per_param = {k: sum(1 for err in errors if err and err[best][k] < TOLERANCE) / len(cases) for k in PARAMS}
    fraction = sum(per_param.values()) / len(PARAMS)
    worst = {k: max((err[best][k] for err in errors if err), default=1.0) for k in PARAMS}
    measured = {"objective": best, "relative_error": worst, "tolerance": TOLERANCE}
    shape_text = ", ".join(f"m={m} {n}-{h}-{k}" for m, n, h, k in SHAPES)
    if fraction == 1:
        large = cost.problem(obs, s, best)  # right on small networks: and at a cost that backpropagation has?
        if large is not None:
            return Verdict(0, large, measured)
        details = ()
        if stored_problems:
            details = ("note: self.gradients should hold the same dict backward returns; update_weights reads it",)
        return Verdict(1, Feedback(f"gradients match {OBJECTIVES[best].description} "
                                   f"(relative error {max(worst.values()):.1e} on {shape_text})", details), measured)
    details = [f"d{k}: relative error {worst[k]:.2e} (tolerance {TOLERANCE:g})" if np.isfinite(worst[k])
               else f"d{k}: wrong shape" for k in PARAMS]
    for i, problem in failures:
        message = problem.feedback.summary if isinstance(problem, Invalid) else _probe_text(problem)
        details.insert(0, f"network {SHAPES[i]}: {message}")
    if shape_problems:
        summary, more = f"backward: {shape_problems[0]}", list(dict.fromkeys(shape_problems[1:]))
        # Numbers in the wrong shape (a db of shape (n,), a dW transposed) are still diagnosed.
        found = _diagnose([_reshaped(obs, i, case) for i, case in enumerate(cases)], cases, accepted)
        diagnosed = found.names if found else ()
        if found and found.right and found.objective in accepted:
            more.insert(0, f"read in the parameters' shapes, the values are right: {found.exactly()}")
        elif found:
            more.insert(0, f"read in the parameters' shapes, the values are: {found.message}")
    else:
        summary, more, diagnosed = _diagnosis(got, cases, expected, accepted, best, per_param)
    return Verdict(fraction, Feedback(summary, tuple(more + details)), measured, diagnosed)


def _probe_text(failure: ProbeFailed) -> str:
    error = failure.outcome.error or {}
    return f"{error.get('type', failure.outcome.status)}: {error.get('message', '')}"[:200]


def _reshaped(obs: Observations, index: int, case: dict) -> dict | None:
    """The four gradients of network `index` in their parameters' shapes, where each holds that many numbers."""
    try:
        value = obs.value(f"network.backward.{index}")
        grads = mapping(value["returned"], "backward's return value", GRADIENT_KEYS)
        want = shapes(case["sizes"])
        out = {k: array(grads["d" + k], "d" + k) for k in PARAMS}
    except (ProbeFailed, Invalid):
        return None
    if any(out[k].size != int(np.prod(want[k])) for k in PARAMS):
        return None
    # A transposed gradient is read transposed back (no parameter of SHAPES is square), a flat one reshaped.
    return {k: out[k].T if out[k].shape == want[k][::-1] else out[k].reshape(want[k]) for k in PARAMS}


def _diagnose(got, cases, accepted):
    """The composition (diagnosis.diagnose) true on every network backward answered."""
    networks = [(g, c["params"], c["X"], c["y"]) for g, c in zip(got, cases) if g is not None]
    return diagnose(networks, accepted) if networks else None


def _diagnosis(got, cases, expected, accepted, best, per_param) -> tuple[str, list[str], tuple[str, ...]]:
    """Name the bug: a known composition, a constant factor, or the layer that is wrong."""
    found = _diagnose(got, cases, accepted)
    if found and not (found.right and found.objective in accepted):  # right to 1e-5, not to the check's tolerance
        more = [f"next step: {found.hint}"]
        if found.objective not in accepted:
            more.append(f"accepted objectives: {', '.join(OBJECTIVES[o].description for o in accepted)} "
                        "(README, 'Accepted objectives')")
        return f"backward: likely bug: {found.message}", more, found.names
    index = next((i for i, g in enumerate(got) if g is not None and any(
        relative_error(g[k], expected[i][best][k]) >= TOLERANCE for k in PARAMS)), None)
    if index is None:  # what it answered is right: the networks it failed on cost the points
        return "backward: the gradients are right on the networks it answered, but it failed on the others", [], ()
    g = got[index]
    factors = {k: constant_factor(g[k], expected[index][best][k]) for k in PARAMS}
    wrong = [k for k in PARAMS if per_param[k] < 1]
    short = OBJECTIVES[best].short
    lines = [f"d{k} is {factors[k]:.4g} x the gradient of {short} on network {SHAPES[index]}"
             for k in wrong if factors[k] is not None]
    if set(wrong) <= {"W1", "b1"}:
        summary = ("backward: the output layer (dW2, db2) is right but the hidden layer (dW1, db1) is wrong: "
                   "check da1 = dz2 @ W2.T and dz1 = da1 * sigmoid'(z1)")
    elif set(wrong) <= {"W2", "b2"}:
        summary = "backward: the hidden layer is right but dW2/db2 are wrong: dW2 = (1/m) a1.T @ dz2"
    else:
        summary = f"backward: gradients match no accepted objective ({', '.join(accepted)}), nor a known mistake"
    return summary, lines + [f"expected (closest objective): {OBJECTIVES[best].description}",
                             "next step: compare each line with Exercise 1's chain rule, one factor at a time"], ()


def judge_repeatable(obs: Observations, cases: list[dict], s: dict) -> Verdict:
    """Same gradients twice, weights untouched, judged on its own: a backward that matches no objective
    (network.backward's to charge) is still repeatable. Gradients that are all zero compute nothing, so
    two of them equal prove nothing (a made-up answer agreeing with itself)."""
    numerical = _counted_differentiation(obs, s, objective_names(s)) or cost.too_costly(obs, s)
    if numerical is not None:
        return Verdict(0, numerical)
    problems = []
    for i, case in enumerate(cases):
        value = obs.value(f"network.backward.{i}")
        # A gradient of the wrong shape is network.backward's to charge: here it is NaN, compared as such.
        first = _student_gradients(value, case, problems=[])
        again = _student_gradients(value, case, "again", problems=[])
        if not any(np.any(np.isfinite(first[k]) & (first[k] != 0)) for k in PARAMS):
            problems.append("backward's gradients are all zero or of the wrong shape: repeatability is credited "
                            "once backward computes something")
            continue
        after = mapping(value["params_after"], "parameters after backward", PARAMS)
        if any(not np.array_equal(array(after[k], k), case["params"][k]) for k in PARAMS):
            problems.append("backward changed the weights: it should only compute gradients "
                            "(update_weights applies them)")
        elif any(not np.allclose(first[k], again[k], rtol=1e-12, atol=0, equal_nan=True) for k in PARAMS):
            problems.append("calling forward and backward twice gave different gradients: "
                            "does backward keep state between calls (+= into a stored gradient?)")
    problems = list(dict.fromkeys(problems))
    if problems:
        return Verdict(0, Feedback(problems[0], tuple(problems[1:])))
    return Verdict(1, Feedback("backward gives the same gradients twice and leaves the weights alone"))


def checks(s):
    p, c, accepted = s["points"], cases(s), objective_names(s)
    return [
        Check("network.backward", "backward: numerical gradient check", p["network.backward"],
              partial(judge_backward, cases=c, accepted=accepted, s=s), "NeuralNetwork.backward"),
        Check("network.backward_repeatable", "backward: repeatable, weights untouched",
              p["network.backward_repeatable"], partial(judge_repeatable, cases=c, s=s),
              "NeuralNetwork.backward"),
    ]
