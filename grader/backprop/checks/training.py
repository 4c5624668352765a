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

import numpy as np

from grader.backprop import objectives, steps, tasks
from grader.backprop.checks import activation, gradients, network, weight_scale
from grader.backprop.checks.numerical import numerical_steps, step_evaluations
from grader.backprop.checks.common import objective_names, params, probe
from grader.backprop.diagnosis import label
from grader.backprop.steps import Rule
from grader.judging import Check, Observations, ProbeFailed, Verdict
from grader.observations import Invalid
from grader.results import Feedback

AUDITED_STRETCHES = 4  # the first, the last, and two others at random
# A run whose verified step is a fraction f of the learning rate's (a hard-coded smaller rate, say) gets
# the calibrated budget divided by f, so it is judged on whether it learns; at most this many times the
# budget, beyond which the grader replays the verified rule itself (_reached), at its own cost.
MAX_BUDGET_SCALE = 5


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


def audit(checkpoints: list[dict], first: dict, X, y, accepted, learning_rate: float,
          every: int) -> tuple[Rule | None, Rule | None]:
    """The step rule (steps.py) that reproduces every audited stretch, and the one the first step follows.

    The rates come from the run's first step; the stretches are replayed
    with the grader's own gradients, so the first step the child reports
    chooses among rules but cannot make a jump pass. The second answer says
    what a run that fails the replay did at first (a step so large that
    training is chaotic, say), for its feedback only.
    """
    last = len(checkpoints) - 2
    if last < 0:
        return None, None
    # Chosen after the child has answered, so a submission cannot know which.
    others = random.SystemRandom().sample(range(last + 1), min(AUDITED_STRETCHES - 2, last + 1))
    stretches = sorted({0, last, *others})
    found = steps.candidates(checkpoints[0], first, X, y, accepted, learning_rate)
    for rule in found:
        if all(steps.reproduces(rule, checkpoints[i], checkpoints[i + 1], X, y, every) for i in stretches):
            return rule, rule
    return None, (found[0] if found else None)


def _run(obs: Observations, probe_id: str, sizes, start: dict, every: int,
         max_epochs: int) -> tuple[list[dict], dict]:
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
    return checkpoints, params(value.get("first"), sizes, "parameters after the first epoch")


NOT_DESCENT = "the training steps are not gradient descent on an accepted objective from the grader's starting weights"
# The checks of the parts a training step is made of, in lesson order.
PARTS_OF_A_STEP = ("sigmoid.values", "sigmoid_derivative.values", "network.forward", "network.backward",
                   "network.update_weights")


def charged_elsewhere(obs: Observations, s: dict) -> list[str]:
    """The checks of the parts of a step that already lost points, as "see CHECK: what"."""
    judges = {c.name: c.judge for part in (activation, network, gradients) for c in part.checks(s)}
    out = []
    for name in PARTS_OF_A_STEP:
        try:
            verdict = judges[name](obs)
        except Exception:  # noqa: BLE001 - it did not run or raised: its own check says how
            out.append(f"see {name}")
            continue
        if verdict.fraction < 1:
            what = label(verdict.diagnosed[0]) if verdict.diagnosed else verdict.feedback.summary
            what = what.removeprefix("backward: ").removeprefix("likely bug: ")
            out.append(f"see {name}: {what if len(what) <= 90 else what[:90].rsplit(' ', 1)[0] + ' ...'}")
    return out


def _judge_seeds(obs: Observations, part: str, s: dict, judge_run) -> tuple[int, list[str], dict, list[Rule]]:
    """Run `judge_run(X, y, checkpoints, every, rule) -> (passed, line, measured)` per seed."""
    settings, accepted, lr = s[part], objective_names(s), s[part]["learning_rate"]
    sizes = (2, settings["hidden_size"], 1)
    passed, lines, measured, failed, rules = 0, [], {}, [], []
    for seed in settings["seeds"]:
        X, y = (tasks.XOR_X, tasks.XOR_Y) if part == "xor" else tasks.spiral(seed, settings["n_samples"],
                                                                              settings["noise"])
        try:
            checkpoints, first = _run(obs, f"{part}.seed{seed}", sizes, tasks.start_params(seed, sizes),
                                      settings["check_every"], _budget(s, part))
        except ProbeFailed as failure:
            failed.append(failure)
            error = failure.outcome.error or {}
            lines.append(f"seed {seed}: training did not finish: {error.get('type')}: {error.get('message')}")
            continue
        every = settings["check_every"]
        rule, at_first = audit(checkpoints, first, X, y, accepted, lr, every)
        ok, line, measured[f"seed{seed}"] = judge_run(X, y, checkpoints, every, rule)
        if rule is None and at_first is not None:
            line = _unreplayable(at_first, checkpoints, X, y, lr)
        measured[f"seed{seed}"].update(_measured(rule, lr))
        rules.append(rule)
        passed += ok
        if not ok:
            lines.append(f"seed {seed}: {line}")
    if len(failed) == len(settings["seeds"]):
        raise failed[0]  # reported like any probe that never returned: not implemented, error, timeout
    return passed, lines, measured, rules


def _unreplayable(rule: Rule, checkpoints: list[dict], X, y, learning_rate: float) -> str:
    """Why a run whose first step is a known rule still fails: the rest does not replay (a step so large that
    gradient descent is chaotic, say, or a mistake that shows only once the biases move)."""
    start, end = (objectives.loss(checkpoints[i], X, y, rule.objective) for i in (0, -1))
    learnt = "it did not learn: " if not end < start else ""
    return (f"the first step is {rule.describe(learning_rate).removeprefix('steps of ')}, but later stretches "
            f"of the run are not such steps; {learnt}the loss went from {start:.3g} at the start to {end:.3g} "
            f"at the last checkpoint")


def _measured(rule: Rule | None, learning_rate: float) -> dict:
    if rule is None:
        return {"objective": None}
    return {"objective": rule.objective, "bug": rule.bug,
            "scale": {k: round(v, 6) for k, v in rule.scales(learning_rate).items()}}


def _verdict(obs: Observations, s: dict, part: str, passed: int, lines: list[str], measured: dict,
             rules: list, passed_summary: str, failed_summary: str, notes: tuple[str, ...] = ()) -> Verdict:
    """The verdict, naming the checks already charged for the parts a step is made of.

    A run whose steps follow a scaled or mistaken gradient (steps.py) is
    judged on whether it learns; the scale is reported, and the bug is the
    check's that names it.
    """
    lr, n = s[part]["learning_rate"], len(s[part]["seeds"])
    unusual = [r for r in rules if r is None or not r.plain(lr)]
    details = list(dict.fromkeys(f"note: the training {r.describe(lr)}; judged on whether the network learns "
                                 "(within the epochs calibrated for that objective, scaled up for a smaller step)"
                                 for r in unusual if r))
    see = charged_elsewhere(obs, s) if unusual or passed < n else []
    if None in rules and not see:
        details.append("forward, backward and update_weights each pass their checks, yet the steps are not "
                       "theirs: train_step must call them, and nothing else may move the weights")
    if passed == n:
        return Verdict(1, Feedback(passed_summary, tuple(details + [f"({'; '.join(see)})"] * bool(see)) + notes),
                       measured)
    summary = failed_summary + (f" ({'; '.join(see)})" if see else "")
    return Verdict(passed / n, Feedback(summary, tuple(lines + details) + notes), measured)


def scaled_budget(calibrated: int, rule: Rule, learning_rate: float) -> int:
    """The epochs a verified rule gets: the calibrated budget of the slowest objective it descends, divided
    by its slowest non-zero rate as a multiple of the learning rate (never fewer, at most MAX_BUDGET_SCALE x)."""
    slowest = min((v for v in rule.scales(learning_rate).values() if v > 0), default=1.0)
    return int(np.ceil(calibrated * min(MAX_BUDGET_SCALE, max(1.0, 1 / slowest))))


def _budget_text(budget: int, calibrated: int) -> str:
    return f"{budget} epochs" + (f" (the calibrated {calibrated}, scaled for the measured step)"
                                  if budget != calibrated else "")


def _reached(checkpoints: list[dict], every: int, budget: int, met, rule: Rule, X, y) -> tuple[bool, int, dict]:
    """The first checkpoint within `budget` epochs where `met`, else the last one within it.

    The child stops once the grader's own forward meets the goal; a network
    trained through a known forward mistake (steps.NO_B1) is judged through
    it, so the run may stop before it gets there. Its verified rule then
    trains on here, in the grader, up to the budget.
    """
    within = list(checkpoints[:budget // every + 1])
    for i in range(budget // every + 1):
        if i == len(within):
            within.append(rule.replay(within[-1], X, y, every))
        if met(within[i]):
            return True, i * every, within[i]
    return False, (len(within) - 1) * every, within[-1]


def judge_xor(obs: Observations, s: dict) -> Verdict:
    x = s["xor"]
    numerical = numerical_steps(obs, s, "xor")
    if numerical is not None:
        return Verdict(0, numerical, {"evaluations": step_evaluations(obs, s, "xor")})

    def judge_run(X, y, checkpoints, every, rule):
        if rule is None:
            a2 = objectives.forward(checkpoints[-1], X)["a2"]
            return False, NOT_DESCENT, {"epochs": (len(checkpoints) - 1) * every,
                                        "predictions": [round(float(v), 4) for v in a2.ravel()]}
        # The budget of the objective the steps follow, calibrated at the configured learning rate, and
        # scaled for a smaller step: a slow (bugged) rate is judged on whether it learns.
        calibrated = max(x["max_epochs"][o] for o in rule.objectives())
        budget = scaled_budget(calibrated, rule, x["learning_rate"])
        ok, epochs, final = _reached(checkpoints, every, budget,
                                     lambda p: tasks.xor_solved(rule.forward(p, X)["a2"], x["tolerance"]), rule, X, y)
        a2 = rule.forward(final, X)["a2"]
        measured = {"epochs": epochs, "predictions": [round(float(v), 4) for v in a2.ravel()]}
        if ok:
            return True, "", measured
        preds = ", ".join(f"{v:.3f}" for v in a2.ravel())
        return False, (f"not solved within {_budget_text(budget, calibrated)} at learning rate "
                       f"{x['learning_rate']}: predictions {preds} for targets 0, 1, 1, 0 "
                       f"(every row must be within {x['tolerance']})"), measured

    passed, lines, measured, rules = _judge_seeds(obs, "xor", s, judge_run)
    n = len(x["seeds"])
    return _verdict(obs, s, "xor", passed, lines, measured, rules,
                    f"XOR solved from the grader's starting weights on all {n} seeds",
                    f"XOR: solved on {passed} of {n} seeds", weight_scale.note(obs, passed == n))


def judge_spiral(obs: Observations, s: dict) -> Verdict:
    sp = s["spiral"]
    numerical = numerical_steps(obs, s, "spiral")
    if numerical is not None:
        return Verdict(0, numerical, {"evaluations": step_evaluations(obs, s, "spiral")})

    def judge_run(X, y, checkpoints, every, rule):
        if rule is None:
            acc = tasks.accuracy(objectives.forward(checkpoints[-1], X)["a2"], y)
            return False, NOT_DESCENT, {"epochs": (len(checkpoints) - 1) * every, "accuracy": round(acc, 4)}
        budget = scaled_budget(sp["max_epochs"], rule, sp["learning_rate"])
        ok, epochs, final = _reached(checkpoints, every, budget,
                                     lambda p: tasks.accuracy(rule.forward(p, X)["a2"], y) >= sp["accuracy"], rule,
                                     X, y)
        acc = tasks.accuracy(rule.forward(final, X)["a2"], y)
        measured = {"epochs": epochs, "accuracy": round(acc, 4)}
        if ok:
            return True, "", measured
        return False, (f"accuracy {acc:.1%} after {epochs} epochs; expected at least {sp['accuracy']:.0%} "
                       f"within {_budget_text(budget, sp['max_epochs'])}"), measured

    passed, lines, measured, rules = _judge_seeds(obs, "spiral", s, judge_run)
    n = len(sp["seeds"])
    return _verdict(obs, s, "spiral", passed, lines, measured, rules,
                    f"spiral: at least {sp['accuracy']:.0%} accuracy on all {n} seeds",
                    f"spiral: reached the accuracy on {passed} of {n} seeds")


def checks(s):
    p = s["points"]
    return [
        Check("xor.trains", "XOR trains with your train_step", p["xor.trains"], partial(judge_xor, s=s),
              "NeuralNetwork.train_step"),
        Check("spiral.trains", "spiral: accuracy threshold", p["spiral.trains"], partial(judge_spiral, s=s),
              "NeuralNetwork.train_step"),
    ]
