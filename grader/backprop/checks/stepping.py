"""Exercise 2's train_step, judged against the submission's own parts.

train_step should be forward, compute_loss, backward, update_weights. The
child also composes those four parts itself, one call each, and train_step
is compared with that composition, so a bug in one part costs only that
part's check. Agreement between two of the child's answers proves nothing by
itself, so each part credited here is also tied to the grader's own math: a
loss must be the mean squared error of the forward pass or a mistake another
check names, and a step must move each parameter by a constant multiple of
gradients diagnosis.recognised knows.
"""
from __future__ import annotations

import numpy as np

from grader.backprop import objectives
from grader.backprop.checks.common import feedback, params, same_params, verdict_parts
from grader.backprop.diagnosis import constant_factor, recognised
from grader.backprop.objectives import PARAMS
from grader.judging import Observations, ProbeFailed, Verdict
from grader.observations import Invalid, array, number

# compute_loss as the lesson defines it, then the mistakes judge_loss names.
LOSSES = {"": lambda d: np.mean(d ** 2), "sums instead of averaging": lambda d: np.sum(d ** 2),
          "has an extra factor 0.5": lambda d: 0.5 * np.mean(d ** 2),
          "takes the absolute value instead of the square": lambda d: np.mean(np.abs(d)),
          "is missing the square": lambda d: np.mean(d)}


def _outputs(p: dict, X) -> list:
    """a2 of the trusted forward, and of the forward mistakes judge_forward and
    sigmoid.values name (no output sigmoid, no b1, sigmoid(-z))."""
    sig, flipped = objectives.sigmoid, (lambda z: 1 - objectives.sigmoid(z))
    out = []
    for hidden in (sig(X @ p["W1"] + p["b1"]), sig(X @ p["W1"])):
        z2 = hidden @ p["W2"] + p["b2"]
        out += [sig(z2), z2]
    return out + [flipped(flipped(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])]


def known_loss(loss: float, p: dict, X, y) -> bool:
    return any(np.isclose(loss, float(f(y - a2)), rtol=1e-5) for a2 in _outputs(p, X) for f in LOSSES.values())


def train_step_tied(obs: Observations, case: dict) -> bool:
    """Whether network.train_step's losses are the grader's own math.

    Each step's loss must be compute_loss of forward at the parameters
    before or after that step (or a mistake of either that another check
    names), so a train_step the grader can tie to trusted math exists. The
    checks that compare train or explore_hyperparameters with train_step in
    the child credit agreement only then: two made-up answers that agree
    earn nothing, and one bug still costs only its own check.
    """
    try:
        steps = obs.value("network.train_step")["steps"]
        after = [params(step["params"], case["sizes"]) for step in steps]
        losses = [number(step["loss"], "loss") for step in steps]
    except (ProbeFailed, Invalid, TypeError, KeyError):
        return False
    chain = [case["params"], *after]
    return len(steps) == case["steps"] and all(
        known_loss(loss, chain[i], case["X"], case["y"]) or known_loss(loss, chain[i + 1], case["X"], case["y"])
        for i, loss in enumerate(losses))


UNTIED = ("credited once train_step returns compute_loss of its network before or after its update "
          "(see network.train_step)")


def _composed(value: dict, case: dict, accepted) -> tuple[list[float], list[dict]] | None:
    """The losses and parameters of the child's own composition, if its first step is tied to trusted math.

    Tied: backward's gradients at the starting weights are ones the grader
    recognises, and update_weights moved each parameter by a constant multiple
    of its gradient (or not at all, a bug network.update_weights charges), at
    least one of them by a non-zero one.
    """
    before, X, y = case["params"], case["X"], case["y"]
    try:
        composed = value["composed"]
        if not isinstance(composed, list) or len(composed) != case["steps"]:
            return None
        grads = {k: array(composed[0]["gradients"]["d" + k], "d" + k, before[k].shape) for k in PARAMS}
        after = [params(step["params"], case["sizes"], "parameters after update_weights") for step in composed]
        losses = [number(step["loss"], "compute_loss") for step in composed]
    except (Invalid, TypeError, KeyError, IndexError):
        return None
    if not recognised(grads, before, X, y, accepted):
        return None
    moved = [k for k in PARAMS if not np.allclose(after[0][k], before[k], rtol=0, atol=1e-12)]
    if not moved or any(constant_factor(before[k] - after[0][k], grads[k]) is None for k in moved):
        return None
    return losses, after


def judge_train_step(obs: Observations, case: dict, accepted: list[str]) -> Verdict:
    """The loss before the update, the steps of the submission's own parts, a falling loss."""
    value = obs.value("network.train_step")
    steps = value.get("steps") if isinstance(value, dict) else None
    if not isinstance(steps, list) or len(steps) != case["steps"]:
        raise Invalid("train_step results are missing")
    X, y = case["X"], case["y"]
    losses = [number(step["loss"], "train_step's return value") for step in steps]
    after = [params(step["params"], case["sizes"], "parameters after train_step") for step in steps]
    chain = [case["params"], *after[:-1]]
    composed = _composed(value, case, accepted)
    # The loss before each update: compute_loss of forward as the submission
    # wrote them (a mistake in either is theirs to charge), tied to trusted math.
    own_loss = composed is None or np.isclose(losses[0], composed[0][0], rtol=1e-9)
    loss_ok = own_loss and all(known_loss(l, p, X, y) for l, p in zip(losses, chain))
    loss_after = all(known_loss(l, p, X, y) for l, p in zip(losses, after))
    stepped = composed is not None and all(same_params(a, b) for a, b in zip(after, composed[1]))
    falls = all(b < a for a, b in zip(losses, losses[1:]))
    details = []
    if not falls and stepped and loss_ok:
        # train_step is its own parts, composed: a loss that does not fall is theirs to charge.
        falls = True
        details.append("note: the loss does not fall at every step, but train_step does what your own forward, "
                       "compute_loss, backward and update_weights do, called one by one: see their checks")
    parts = [
        (2, loss_ok, "train_step returns the loss after the update; return the loss computed before it"
         if loss_after else "train_step does not return compute_loss of the forward pass before the update"),
        (1.5, stepped, "one train_step should be forward, backward, then update_weights: its steps are not "
         "the ones your own forward, backward and update_weights make, called one by one"),
        (1.5, falls, "on Exercise 2's single sample the loss should fall at every step; got "
         + ", ".join(f"{l:.5f}" for l in losses[:5]) + " ..."),
    ]
    fraction, failures = verdict_parts(parts)
    return Verdict(fraction, feedback("train_step is forward, backward and update_weights, and returns the loss "
                                      "before its update", failures, details), {"losses": losses})
