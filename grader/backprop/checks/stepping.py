"""Exercise 2's train_step, judged against the submission's own parts.

train_step should be forward, compute_loss, backward, update_weights. The
child also composes those four parts itself, one call each, on a copy from
the same start, and train_step is compared with that composition, whatever
values the parts return, so a bug in one part costs only that part's check.
Agreement between two of the child's answers proves nothing by itself, so
the composition is credited only once it is tied to the grader's own math
(Composition): through its losses or through its steps, so that one part the
grader does not recognise still leaves the other to tie it.
"""
from __future__ import annotations

import numpy as np

from grader.backprop import objectives
from grader.backprop.checks.common import feedback, params, same_params, verdict_parts
from grader.backprop.diagnosis import constant_factor, diagnose, recognised
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


def _gradient(value, shape: tuple) -> np.ndarray:
    """backward's gradient in its parameter's shape: one of the right size but another shape ((h,) for
    (1, h)) steps the same once update_weights broadcasts it, and network.backward charges the shape."""
    got = array(value, "a gradient")
    if got.size != int(np.prod(shape)):
        raise Invalid("a gradient has the wrong size")
    return got.reshape(shape)


class Composition:
    """The child's own parts called one by one (forward, compute_loss, backward, update_weights), and
    whether the grader ties them to its own math.

    Tied: backward's gradients at the starting weights are ones the grader
    recognises and update_weights moved each parameter by a constant multiple
    of its gradient (or not at all), at least one by a non-zero one; or every
    loss is compute_loss of the trusted forward (or a mistake another check
    names) and some parameter moved. Either way a part the grader does not
    recognise (a cross-entropy loss, a gradient matching nothing) is charged
    by its own check, not by train_step: the other part ties the composition.
    """

    def __init__(self, value: dict, case: dict, accepted):
        before, X, y = case["params"], case["X"], case["y"]
        composed = value.get("composed") if isinstance(value, dict) else None
        if not isinstance(composed, list) or len(composed) != case["steps"]:
            raise Invalid("the composed steps are missing")
        self.after = [params(step["params"], case["sizes"], "parameters after update_weights")
                      for step in composed]
        self.losses = [number(step["loss"], "compute_loss") for step in composed]
        moved = [k for k in PARAMS if not np.allclose(self.after[0][k], before[k], rtol=0, atol=1e-12)]
        chain = [before, *self.after[:-1]]
        self.losses_known = all(known_loss(l, p, X, y) for l, p in zip(self.losses, chain))
        self.tied = bool(moved) and (self.losses_known or self._stepped(composed[0], before, moved, X, y, accepted))

    def _stepped(self, first: dict, before: dict, moved: list[str], X, y, accepted) -> bool:
        try:
            grads = {k: _gradient(first["gradients"]["d" + k], before[k].shape) for k in PARAMS}
        except (Invalid, TypeError, KeyError, IndexError):
            return False
        # Exercise 2's b2 has one element, and any number is a multiple of another: it ties nothing.
        informative = {k: g for k, g in grads.items() if g.size > 1}
        known = recognised(informative, before, X, y, accepted) or diagnose(grads, before, X, y, accepted) is not None
        return known and all(
            constant_factor(before[k] - self.after[0][k], grads[k]) is not None for k in moved)


def composition(value, case: dict, accepted) -> Composition | None:
    """The child's composition of its own parts, or None if a part raised or it is malformed."""
    try:
        return Composition(value, case, accepted)
    except (Invalid, TypeError, KeyError, IndexError, AttributeError):
        return None


def _own(losses: list[float], after: list[dict], composed: Composition | None) -> tuple[bool, bool]:
    """Whether train_step's losses and steps are those of its own parts, called one by one."""
    if composed is None:
        return False, False
    return (all(np.isclose(l, c, rtol=1e-9) for l, c in zip(losses, composed.losses)),
            all(same_params(a, b) for a, b in zip(after, composed.after)))


def train_step_tied(obs: Observations, case: dict, accepted) -> bool:
    """Whether network.train_step is tied to the grader's own math.

    Its losses are compute_loss of the trusted forward before each step (or a
    mistake of it that another check names), or it is its own parts composed
    (same losses, same steps) and that composition is tied (Composition). The
    checks that compare train or explore_hyperparameters with train_step in
    the child credit agreement only then: two made-up answers that agree
    earn nothing, and one bug still costs only its own check.
    """
    try:
        value = obs.value("network.train_step")
        steps = value["steps"]
        after = [params(step["params"], case["sizes"]) for step in steps]
        losses = [number(step["loss"], "loss") for step in steps]
    except (ProbeFailed, Invalid, TypeError, KeyError):
        return False
    if len(steps) != case["steps"]:
        return False
    chain = [case["params"], *after]
    if all(known_loss(loss, chain[i], case["X"], case["y"]) or known_loss(loss, chain[i + 1], case["X"], case["y"])
           for i, loss in enumerate(losses)):
        return True
    composed = composition(value, case, accepted)
    return composed is not None and composed.tied and all(_own(losses, after, composed))


UNTIED = ("credited once train_step returns compute_loss of its network before its update, "
          "or is your own forward, compute_loss, backward and update_weights called one by one "
          "(see network.train_step)")


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
    composed = composition(value, case, accepted)
    own_loss, own_steps = _own(losses, after, composed)
    tied = composed is not None and composed.tied
    known = all(known_loss(l, p, X, y) for l, p in zip(losses, chain))
    if own_loss:
        loss_ok = tied or known
    elif composed is not None and composed.losses_known:  # both the grader's math, and train_step's is another
        loss_ok = False
    else:  # no composition, or one whose forward or loss the grader cannot read: judged on its math alone
        loss_ok = known
    loss_after = all(known_loss(l, p, X, y) for l, p in zip(losses, after)) or (
        composed is not None and all(np.isclose(l, c, rtol=1e-9) for l, c in zip(losses, composed.losses[1:])))
    stepped = own_steps and tied
    falls = all(b < a for a, b in zip(losses, losses[1:]))
    details = []
    if not falls and stepped and loss_ok:
        # train_step is its own parts, composed: a loss that does not fall is theirs to charge.
        falls = True
        details.append("note: the loss does not fall at every step, but train_step does what your own forward, "
                       "compute_loss, backward and update_weights do, called one by one: see their checks")
    if loss_ok:
        loss_why = ""
    elif own_loss:
        loss_why = ("train_step returns your compute_loss, but the grader recognises neither that loss nor the "
                    "steps it takes, so it cannot credit the agreement (see network.compute_loss and network.backward)")
    elif loss_after:
        loss_why = "train_step returns the loss after the update; return the loss computed before it"
    elif composed is None:
        loss_why = ("train_step's loss is not the mean squared error of the forward pass before the update "
                    "(nor a mistake network.compute_loss names)")
    else:
        loss_why = "train_step does not return compute_loss of the forward pass before the update"
    if own_steps:
        step_why = ("train_step's steps are your own parts', called one by one, but the grader can tie them to its "
                    "own math neither through the loss nor through the gradients (see network.compute_loss, "
                    "network.backward and network.update_weights)")
    else:
        step_why = ("one train_step should be forward, backward, then update_weights: its steps are not the ones "
                    "your own forward, backward and update_weights make, called one by one")
    parts = [
        (2, loss_ok, loss_why),
        (1.5, stepped, step_why),
        (1.5, falls, "on Exercise 2's single sample the loss should fall at every step; got "
         + ", ".join(f"{l:.5f}" for l in losses[:5]) + " ..."),
    ]
    fraction, failures = verdict_parts(parts)
    return Verdict(fraction, feedback("train_step is forward, backward and update_weights, and returns the loss "
                                      "before its update", list(dict.fromkeys(failures)), details),
                   {"losses": losses})
