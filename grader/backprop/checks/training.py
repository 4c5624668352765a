"""Exercises 3 and 4: XOR and the spiral, trained by the submission's train_step.

The grader chooses the starting weights, data, learning rate and epoch
budget; the child trains and records the parameters every `check_every`
epochs. Success is judged here from those parameters, and the training is
audited: stretches of it are replayed with the trusted gradients, so only
genuine gradient descent counts (a train_step that jumps to hand-made
weights does not).
"""
from __future__ import annotations

import random
from functools import partial

from grader.backprop import objectives, tasks
from grader.backprop.checks.common import objective_names, params, probe, replaying_objective
from grader.judging import Check, Observations, ProbeFailed, Verdict
from grader.observations import Invalid
from grader.results import Feedback

AUDITED_STRETCHES = 4  # the first, the last, and two others at random


def _budget(s, part: str) -> int:
    """The most epochs a training probe runs: XOR's budget is per objective, the spiral's one number."""
    if part == "xor":
        return max(s["xor"]["max_epochs"][o] for o in objective_names(s))
    return s[part]["max_epochs"]


def xor_probes(s):
    x = s["xor"]
    budget = _budget(s, "xor")
    return [probe(f"xor.seed{seed}", "fit", {
        "sizes": (2, x["hidden_size"], 1), "params": tasks.start_params(seed, (2, x["hidden_size"], 1)),
        "X": tasks.XOR_X, "y": tasks.XOR_Y, "learning_rate": x["learning_rate"], "max_epochs": budget,
        "check_every": x["check_every"], "goal": {"kind": "all_within", "tolerance": x["tolerance"]},
    }, s["limits"]["training_seconds"]) for seed in x["seeds"]]


def spiral_probes(s):
    sp = s["spiral"]
    out = []
    for seed in sp["seeds"]:
        X, y = tasks.spiral(seed, sp["n_samples"], sp["noise"])
        out.append(probe(f"spiral.seed{seed}", "fit", {
            "sizes": (2, sp["hidden_size"], 1), "params": tasks.start_params(seed, (2, sp["hidden_size"], 1)),
            "X": X, "y": y, "learning_rate": sp["learning_rate"], "max_epochs": sp["max_epochs"],
            "check_every": sp["check_every"], "goal": {"kind": "accuracy", "accuracy": sp["accuracy"]},
        }, s["limits"]["training_seconds"]))
    return out


def audit(checkpoints: list[dict], X, y, accepted, learning_rate: float, every: int) -> str | None:
    """The objective whose gradient descent reproduces the audited stretches, or None."""
    last = len(checkpoints) - 2
    if last < 0:
        return None
    # Chosen after the child has answered, so a submission cannot know which.
    others = random.SystemRandom().sample(range(last + 1), min(AUDITED_STRETCHES - 2, last + 1))
    stretches = sorted({0, last, *others})
    objective = replaying_objective(checkpoints[0], checkpoints[1], X, y, accepted, learning_rate, every)
    if objective is None:
        return None
    for i in stretches[1:]:
        if replaying_objective(checkpoints[i], checkpoints[i + 1], X, y, [objective], learning_rate, every) is None:
            return None
    return objective


def _run(obs: Observations, probe_id: str, sizes, start: dict, every: int,
         max_epochs: int) -> tuple[list[dict], int, list[float]]:
    value = obs.value(probe_id)
    raw = value.get("checkpoints")
    if not isinstance(raw, list) or not raw:
        raise Invalid("the training run sent no checkpoints")
    # The stride and the count are the grader's own: the replays below cost
    # `every` steps each, so a child must not choose either.
    if value.get("every") != every or len(raw) > max_epochs // every + 1:
        raise Invalid("the training run sent checkpoints other than the ones the grader asked for")
    checkpoints = [params(c, sizes, "parameters during training") for c in raw]
    # The first checkpoint must be the grader's own starting point.
    checkpoints[0] = start
    losses = value.get("losses") if isinstance(value.get("losses"), list) else []
    return checkpoints, every, losses


NOT_DESCENT = ("the training steps are not gradient descent on an accepted objective from the grader's "
               "starting weights (see network.backward and network.update_weights)")


def _judge_seeds(obs: Observations, part: str, s: dict, judge_run) -> tuple[int, list[str], dict]:
    """Run `judge_run(seed, X, y, checkpoints, epochs, objective) -> (passed, line, measured)` per seed."""
    settings, accepted = s[part], objective_names(s)
    sizes = (2, settings["hidden_size"], 1)
    passed, lines, measured, failed = 0, [], {}, []
    for seed in settings["seeds"]:
        X, y = (tasks.XOR_X, tasks.XOR_Y) if part == "xor" else tasks.spiral(seed, settings["n_samples"],
                                                                              settings["noise"])
        try:
            checkpoints, every, _ = _run(obs, f"{part}.seed{seed}", sizes, tasks.start_params(seed, sizes),
                                         settings["check_every"], _budget(s, part))
        except ProbeFailed as failure:
            failed.append(failure)
            error = failure.outcome.error or {}
            lines.append(f"seed {seed}: training did not finish: {error.get('type')}: {error.get('message')}")
            continue
        objective = audit(checkpoints, X, y, accepted, settings["learning_rate"], every)
        ok, line, measured[f"seed{seed}"] = judge_run(X, y, checkpoints[-1], (len(checkpoints) - 1) * every,
                                                      objective)
        measured[f"seed{seed}"]["objective"] = objective
        passed += ok
        if not ok:
            lines.append(f"seed {seed}: {line}")
    if len(failed) == len(settings["seeds"]):
        raise failed[0]  # reported like any probe that never returned: not implemented, error, timeout
    return passed, lines, measured


def judge_xor(obs: Observations, s: dict) -> Verdict:
    x = s["xor"]

    def judge_run(X, y, final, epochs, objective):
        a2 = objectives.forward(final, X)["a2"]
        measured = {"epochs": epochs, "predictions": [round(float(v), 4) for v in a2.ravel()]}
        if objective is None:
            return False, NOT_DESCENT, measured
        if tasks.xor_solved(a2, x["tolerance"]) and epochs <= x["max_epochs"][objective]:
            return True, "", measured
        preds = ", ".join(f"{v:.3f}" for v in a2.ravel())
        return False, (f"not solved within {x['max_epochs'][objective]} epochs at learning rate "
                       f"{x['learning_rate']}: predictions {preds} for targets 0, 1, 1, 0 "
                       f"(every row must be within {x['tolerance']})"), measured

    passed, lines, measured = _judge_seeds(obs, "xor", s, judge_run)
    n = len(x["seeds"])
    if passed == n:
        return Verdict(1, Feedback(f"XOR solved from the grader's starting weights on all {n} seeds"), measured)
    return Verdict(passed / n, Feedback(f"XOR: solved on {passed} of {n} seeds", tuple(lines)), measured)


def judge_spiral(obs: Observations, s: dict) -> Verdict:
    sp = s["spiral"]

    def judge_run(X, y, final, epochs, objective):
        acc = tasks.accuracy(objectives.forward(final, X)["a2"], y)
        measured = {"epochs": epochs, "accuracy": round(acc, 4)}
        if objective is None:
            return False, NOT_DESCENT, measured
        if acc >= sp["accuracy"] and epochs <= sp["max_epochs"]:
            return True, "", measured
        return False, (f"accuracy {acc:.1%} after {epochs} epochs; expected at least {sp['accuracy']:.0%} "
                       f"within {sp['max_epochs']}"), measured

    passed, lines, measured = _judge_seeds(obs, "spiral", s, judge_run)
    n = len(sp["seeds"])
    if passed == n:
        return Verdict(1, Feedback(f"spiral: at least {sp['accuracy']:.0%} accuracy on all {n} seeds"), measured)
    return Verdict(passed / n, Feedback(f"spiral: reached the accuracy on {passed} of {n} seeds", tuple(lines)),
                   measured)


def checks(s):
    p = s["points"]
    return [
        Check("xor.trains", "XOR trains with your train_step", p["xor.trains"], partial(judge_xor, s=s),
              "NeuralNetwork.train_step"),
        Check("spiral.trains", "spiral: accuracy threshold", p["spiral.trains"], partial(judge_spiral, s=s),
              "NeuralNetwork.train_step"),
    ]
