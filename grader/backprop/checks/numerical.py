"""A train_step that differentiates numerically: it steps, but by finite differences, not backpropagation.

The training probes count, on the first epoch, how often one train_step
evaluates the network (grader/backprop/evaluations.py, as for backward).
Such a step earns no training points, and is flagged for a person, unless
its backward is what differentiates numerically: that is charged to backward.
"""
from __future__ import annotations

from grader.backprop.checks.gradients import MAX_EVALUATIONS, evaluations
from grader.judging import Observations, ProbeFailed, Verdict
from grader.results import Feedback


def step_evaluations(obs: Observations, s: dict, part: str) -> int:
    """The most times one train_step evaluated the network, over the part's seeds that ran."""
    most = 0.0
    for seed in s[part]["seeds"]:
        try:
            n = obs.value(f"{part}.seed{seed}").get("evaluations")
        except (ProbeFailed, AttributeError):
            continue
        if isinstance(n, (int, float)) and not isinstance(n, bool) and n == n and abs(n) < 1e12:
            most = max(most, float(n))
    return round(most)


def numerical_steps(obs: Observations, s: dict, part: str) -> Feedback | None:
    """Why training earns nothing when train_step differentiates numerically, else None."""
    n = step_evaluations(obs, s, part)
    if n <= MAX_EVALUATIONS or evaluations(obs) > MAX_EVALUATIONS:
        return None  # a backward that differentiates numerically explains it, and is charged there
    return Feedback(f"train_step evaluated the network {n} times in one step: that is numerical "
                    "differentiation, not backpropagation",
                    ("next step: train_step should call forward, backward (the chain rule) and update_weights "
                     "once each",))


def flags(obs: Observations, s: dict) -> list[dict]:
    for part in ("xor", "spiral"):
        found = numerical_steps(obs, s, part)
        if found is not None:
            return [{"code": "numerical_differentiation", "message": found.summary,
                     "about": "NeuralNetwork.train_step"}]
    return []


def judged(judge, s: dict):
    """`judge`, unless train_step differentiated numerically in the training runs."""
    def judge_unless_numerical(obs: Observations) -> Verdict:
        for part in ("xor", "spiral"):
            found = numerical_steps(obs, s, part)
            if found is not None:
                return Verdict(0, found, {"evaluations": step_evaluations(obs, s, part)})
        return judge(obs)
    return judge_unless_numerical
