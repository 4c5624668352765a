"""The mini-challenge: explore_hyperparameters returns one curve per config.

The child records each NeuralNetwork the submission builds (sizes, learning
rate, starting weights) and reruns its train_step from that start, so each
curve is checked against the config it belongs to, whatever backward does.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from grader.backprop import tasks
from grader.backprop.checks import network
from grader.backprop.checks.common import objective_names, probe
from grader.judging import Check, Observations, Verdict
from grader.observations import Invalid, number
from grader.results import Feedback

CONFIGS = [{"hidden_size": 2, "learning_rate": 0.1, "name": "small, slow"},
           {"hidden_size": 5, "learning_rate": 1.0, "name": "large, fast"}]
EPOCHS = 30


def probes(s):
    return [probe("hyperparameters.curves", "hyperparameters",
                  {"X": tasks.XOR_X, "y": tasks.XOR_Y, "configs": CONFIGS, "epochs": EPOCHS,
                   "seed": s["checks"]["seed"]}, s["limits"]["probe_seconds"])]


def judge(obs: Observations, train_step_case: dict, accepted: list[str]) -> Verdict:
    """Each curve against its own network's train_step, both run in the child:
    credited only when network.train_step's losses are tied to trusted math
    (network.train_step_tied), so agreeing made-up curves earn nothing."""
    value = obs.value("hyperparameters.curves")
    if not network.train_step_tied(obs, train_step_case, accepted):
        return Verdict(0, Feedback(f"the curves are {network.UNTIED}"))
    curves, built = value.get("curves"), value.get("networks") or []
    if not isinstance(curves, dict):
        raise Invalid("explore_hyperparameters should return a dict from config name to its list of losses")
    right, problems = 0, []
    for config in CONFIGS:
        name = config["name"]
        curve = curves.get(name)
        if not isinstance(curve, list):
            problems.append(f"no curve for config {name!r}; got keys {list(curves)[:5]}")
            continue
        if len(curve) != EPOCHS:
            problems.append(f"{name!r}: expected {EPOCHS} losses (one per epoch), got {len(curve)}")
            continue
        losses = np.array([number(v, "a loss") for v in curve])
        match = [net for net in built if isinstance(net, dict) and isinstance(net.get("sizes"), list)
                 and net["sizes"][1:2] == [config["hidden_size"]]]
        if not match:
            problems.append(f"{name!r}: no network with hidden_size={config['hidden_size']} was built")
            continue
        net = match[0]
        if net.get("learning_rate") != config["learning_rate"]:
            problems.append(f"{name!r}: the network was built with learning_rate {net.get('learning_rate')!r}, "
                            f"not the config's {config['learning_rate']}")
            continue
        # The network's own train_step, rerun from its own start, gives the curve it should have.
        expected = np.array([number(v, "a loss") for v in net.get("step_losses") or []])
        if expected.shape == losses.shape and np.allclose(losses, expected, rtol=1e-9):
            right += 1
        else:
            problems.append(f"{name!r}: the curve is not the loss of training that network for {EPOCHS} epochs")
    if not problems:
        return Verdict(1, Feedback("one curve per config, trained with its own hidden size and learning rate"))
    return Verdict(right / len(CONFIGS), Feedback(problems[0], tuple(problems[1:])))


def checks(s):
    return [Check("hyperparameters.curves", "explore_hyperparameters", s["points"]["hyperparameters.curves"],
                  partial(judge, train_step_case=network.train_step_case(s), accepted=objective_names(s)),
                  "explore_hyperparameters")]
