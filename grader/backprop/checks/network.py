"""Exercise 2: the NeuralNetwork class, except backward (gradients.py)."""
from __future__ import annotations

from functools import partial

import numpy as np

from grader.backprop import objectives, tasks
from grader.backprop.checks.common import (feedback, objective_names, same_params, params, probe,
                                           random_params, verdict_parts)
from grader.backprop.checks import numerical
from grader.backprop.checks.stepping import LOSSES, UNTIED, judge_train_step, train_step_tied
from grader.backprop.objectives import PARAMS
from grader.judging import Check, Observations, Verdict
from grader.observations import Invalid, array, compare, describe, number
from grader.results import Feedback

INIT_SHAPES = [(2, 4, 1), (3, 5, 2)]
FORWARD_SIZES = (3, 5, 2)
UPDATE_SIZES = (3, 4, 2)
EXERCISE2 = {"sizes": (1, 2, 1), "X": np.array([[0.5]]), "y": np.array([[0.8]]), "learning_rate": 0.5, "steps": 10}
TRAIN = {"sizes": (2, 3, 1), "learning_rate": 0.5, "epochs": 25}


def _rng(s, salt: int) -> np.random.Generator:
    return np.random.default_rng([s["checks"]["seed"], salt])


def _cases(s) -> dict:
    """Every input the grader sends, drawn from the configured seed."""
    forward_params = random_params(_rng(s, 1), FORWARD_SIZES)
    update_params = random_params(_rng(s, 2), UPDATE_SIZES)
    rng = _rng(s, 3)
    return {
        "forward": {"sizes": FORWARD_SIZES, "params": forward_params, "X": _rng(s, 4).normal(0, 1, (6, 3))},
        "update": {"sizes": UPDATE_SIZES, "params": update_params, "learning_rate": 0.3,
                   "gradients": {"d" + k: rng.normal(0, 1, v.shape) for k, v in update_params.items()}},
        "loss": {"sizes": (1, 1, 1), "params": random_params(_rng(s, 5), (1, 1, 1)),
                 "pairs": [(rng.uniform(0, 1, (5, 1)), rng.uniform(0, 1, (5, 1))),
                           (rng.uniform(0, 1, (4, 3)), rng.uniform(0, 1, (4, 3)))]},
        "train_step": {**EXERCISE2, "params": tasks.start_params(s["checks"]["seed"], EXERCISE2["sizes"])},
        "train": {**TRAIN, "params": tasks.start_params(s["checks"]["seed"] + 1, TRAIN["sizes"]),
                  "X": tasks.XOR_X, "y": tasks.XOR_Y},
    }


def train_step_case(s) -> dict:
    return _cases(s)["train_step"]


def probes(s):
    t, c = s["limits"]["probe_seconds"], _cases(s)
    return [
        probe("network.init", "init", {"shapes": INIT_SHAPES, "seed": s["checks"]["seed"], "learning_rate": 0.25}, t),
        probe("network.forward", "forward", c["forward"], t),
        probe("network.update_weights", "update_weights", c["update"], t),
        probe("network.compute_loss", "compute_loss", c["loss"], t),
        probe("network.train_step", "train_step", c["train_step"], t),
        probe("train.losses", "train", c["train"], t),
    ]


def judge_init(obs: Observations) -> Verdict:
    networks = obs.value("network.init")
    parts = []
    for sizes, net in zip(INIT_SHAPES, networks):
        got = params(net, sizes, f"NeuralNetwork{sizes}")
        weights = np.concatenate([got["W1"].ravel(), got["W2"].ravel()])
        parts += [
            (1, bool(np.all(got["b1"] == 0) and np.all(got["b2"] == 0)),
             f"biases must start at zero; got b1 = {got['b1'].ravel()[:4]}, b2 = {got['b2'].ravel()[:4]}"),
            (1, bool(np.any(weights != 0)), "weights are all zero: every hidden unit would stay identical"),
            (1, bool(np.any(weights != weights[0])),
             "all weights equal: every hidden unit computes the same thing and gets the same update, so "
             "the network never learns more than one feature; draw them at random (np.random.randn)"),
            (0.5, isinstance(net.get("learning_rate"), (int, float)) and net["learning_rate"] == 0.25,
             f"learning_rate should be stored as given (0.25); got {net.get('learning_rate')!r}"),
        ]
    fraction, failures = verdict_parts(parts)
    return Verdict(fraction, feedback("shapes, zero biases and random non-zero weights are right",
                                      list(dict.fromkeys(failures))))


def judge_forward(obs: Observations, case: dict) -> Verdict:
    value = obs.value("network.forward")
    want = objectives.forward(case["params"], case["X"])
    m, (_n, h, k) = case["X"].shape[0], case["sizes"]
    expected_shapes = {"z1": (m, h), "a1": (m, h), "z2": (m, k), "a2": (m, k)}
    parts, details = [], []
    returned = array(value["returned"], "forward's return value", (m, k))
    problems = compare(returned, want["a2"], "a2")
    if problems and np.allclose(returned, want["z2"]):
        problems = ["output sigmoid missing: forward returns z2, not sigmoid(z2)"]
    if problems and np.allclose(returned, objectives.sigmoid(objectives.sigmoid(case["X"] @ case["params"]["W1"])
                                                             @ case["params"]["W2"] + case["params"]["b2"])):
        problems = ["b1 is not added: z1 should be X @ W1 + b1"]
    parts.append((4, not problems, problems[0] if problems else ""))
    details += problems[1:]
    for name in ("z1", "a1", "z2", "a2"):
        try:
            got = array(value[name], f"self.{name}", expected_shapes[name])
            problems = compare(got, want[name], f"self.{name}")
        except Invalid as invalid:
            problems = [f"self.{name}: {invalid.feedback.summary}"]
        parts.append((0.5, not problems, problems[0] if problems else ""))
        details += problems[1:]
    fraction, failures = verdict_parts(parts)
    return Verdict(fraction, feedback("forward matches the math, cached values included", failures, details))


def judge_update(obs: Observations, case: dict) -> Verdict:
    got = params(obs.value("network.update_weights"), case["sizes"], "parameters after update_weights")
    lr, p, g = case["learning_rate"], case["params"], {k[1:]: v for k, v in case["gradients"].items()}
    parts = []
    for name in PARAMS:
        if np.allclose(got[name], p[name] - lr * g[name], rtol=1e-9, atol=1e-12):
            parts.append((1, True, ""))
            continue
        if np.allclose(got[name], p[name]):
            why = f"{name} was not updated"
        elif np.allclose(got[name], p[name] + lr * g[name]):
            why = f"{name} moves with the gradient (+): gradient descent subtracts it; the sign is wrong"
        else:
            ratio = float(np.mean((p[name] - got[name]) / g[name]))
            why = (f"{name} stepped by {ratio:.3g} x gradient; expected learning_rate ({lr}) x gradient: "
                   "use self.learning_rate")
        parts.append((1, False, why))
    fraction, failures = verdict_parts(parts)
    return Verdict(fraction, feedback("one step W -= learning_rate * dW on all four parameters", failures))


def judge_loss(obs: Observations, case: dict) -> Verdict:
    values = obs.value("network.compute_loss")
    parts = []
    for (y_true, y_pred), value in zip(case["pairs"], values):
        got, want = number(value, "compute_loss"), objectives.mse(y_true, y_pred)
        shape = array(value, "compute_loss").shape
        if np.isclose(got, want, rtol=1e-9):
            # The shape is charged here only: every other check takes a loss of one element as its number.
            parts += [(0.5, True, ""), (0.5, shape == (), f"compute_loss returns an array of shape {shape}, not a "
                                                       "single number: reduce the whole array (np.mean of it)")]
            continue
        diff = y_true - y_pred
        why = next((w for w, f in LOSSES.items() if w and np.isclose(got, float(f(diff)), rtol=1e-9)), "")
        parts.append((1, False, f"compute_loss is not the mean squared error for y of shape {y_true.shape}: "
                                f"expected {want:.6g}, got {got:.6g}" + (f"; it {why}" if why else "")))
    fraction, failures = verdict_parts(parts)
    return Verdict(fraction, feedback("compute_loss is np.mean((y_true - y_pred) ** 2)",
                                      list(dict.fromkeys(failures))))


def judge_train(obs: Observations, case: dict, train_step_case: dict, accepted: list[str]) -> Verdict:
    """train's losses against the same epochs of train_step, both run in the child.

    Agreement between two of the child's answers is credited only when
    network.train_step's losses are tied to trusted math (train_step_tied).
    """
    value = obs.value("train.losses")
    if not train_step_tied(obs, train_step_case, accepted):
        return Verdict(0, Feedback(f"train is {UNTIED}"))
    losses = value["losses"]
    if not isinstance(losses, list):
        raise Invalid("train should return a list with one loss per epoch",
                      f"got: {describe(losses)}")
    epochs = case["epochs"]
    got = _losses(losses, "train")
    length_ok = len(losses) == epochs
    final = params(value["params"], case["sizes"], "parameters after train")
    # The same epochs of the submission's own train_step, called directly.
    expected_final = params(value["step_params"], case["sizes"], "parameters after train_step")
    expected = _losses(value["step_losses"], "train_step")
    called = same_params(final, expected_final, rtol=1e-9, atol=1e-12)
    consistent = length_ok and np.allclose(got, expected, rtol=1e-9)
    parts = [
        (1, length_ok, f"train should return one loss per epoch: expected {epochs} losses, got {len(losses)}"),
        (1, called, f"train(network, X, y, {epochs}) should call network.train_step {epochs} times"),
        (1, consistent, "the losses train returns are not the ones train_step returned, epoch by epoch"),
    ]
    fraction, failures = verdict_parts(parts)
    return Verdict(fraction, feedback(f"train returns the {epochs} losses of train_step", failures))


def _losses(values: list, who: str) -> list[float]:
    """Every loss a number as numpy or Python makes one; an object that only claims to be one earns nothing."""
    try:
        return [number(v, f"epoch {i + 1}'s loss") for i, v in enumerate(values)]
    except Invalid as invalid:
        raise Invalid(f"{who} returned a loss that is not a number: {invalid.feedback.summary}",
                      "return the loss as compute_loss computed it (a float or numpy float), "
                      "not an object that converts to one") from None


def checks(s):
    p, c = s["points"], _cases(s)
    return [
        Check("network.init", "NeuralNetwork: shapes, zero biases, random weights", p["network.init"],
              judge_init, "NeuralNetwork.__init__"),
        Check("network.forward", "forward against the math", p["network.forward"],
              partial(judge_forward, case=c["forward"]), "NeuralNetwork.forward"),
        Check("network.update_weights", "update_weights: one gradient-descent step", p["network.update_weights"],
              partial(judge_update, case=c["update"]), "NeuralNetwork.update_weights"),
        Check("network.compute_loss", "compute_loss: mean squared error", p["network.compute_loss"],
              partial(judge_loss, case=c["loss"]), "NeuralNetwork.compute_loss"),
        Check("network.train_step", "train_step on Exercise 2", p["network.train_step"],
              numerical.judged(partial(judge_train_step, case=c["train_step"], accepted=objective_names(s)), s),
              "NeuralNetwork.train_step"),
        Check("train.losses", "train: one loss per epoch", p["train.losses"],
              partial(judge_train, case=c["train"], train_step_case=c["train_step"], accepted=objective_names(s)),
              "train"),
    ]
