"""The anti-forgery judges, fed hand-made observations: no child process, a fraction of a second each.

Each forgery is what a submission that controls its child could answer; each honest run is made with
the grader's own math. A careless edit to a judge (trusting the child's first checkpoint, accepting a
stretch when one parameter replays, crediting two made-up answers that agree) makes one of these fail.
"""
import numpy as np
import pytest

from grader import wire
from grader.backprop import objectives, settings, steps, tasks
from grader.backprop.checks import gradients, hyperparameters, network, stepping, training
from grader.backprop.objectives import PARAMS
from grader.backprop.steps import Rule
from grader.judging import Observations
from grader.sandbox.model import Outcome

S = settings.load(None)
XOR = {**S, "xor": {**S["xor"], "seeds": [1]}}
LR, EVERY, SIZES = XOR["xor"]["learning_rate"], XOR["xor"]["check_every"], (2, XOR["xor"]["hidden_size"], 1)
START = tasks.start_params(1, SIZES)
ACCEPTED = list(S["objectives"]["accepted"])


def observed(**values) -> Observations:
    """Observations whose probes all answered `values` (probe id -> answer), as the wire carries them."""
    return Observations({name.replace("__", "."): Outcome("ok", wire.encode(value)) for name, value in values.items()})


def hand_made() -> dict:
    """Weights that solve XOR outright: an OR and an AND hidden unit, the output OR and not AND."""
    n, h, k = SIZES
    W1, b1, W2 = np.zeros((n, h)), np.zeros((1, h)), np.zeros((h, k))
    W1[:, 0], b1[0, 0], W1[:, 1], b1[0, 1] = 20, -10, 20, -30
    W2[0, 0], W2[1, 0] = 20, -40
    return {"W1": W1, "b1": b1, "W2": W2, "b2": np.array([[-10.0]])}


def run(rule: Rule, start: dict, epochs: int) -> tuple[list[dict], dict]:
    """The checkpoints an honest child records every EVERY epochs (stopping once solved), and its first step."""
    checkpoints, current = [start], start
    for epoch in range(1, epochs + 1):
        current = rule.step(current, tasks.XOR_X, tasks.XOR_Y)
        if epoch % EVERY == 0:
            checkpoints.append(current)
            if tasks.xor_solved(objectives.forward(current, tasks.XOR_X)["a2"], XOR["xor"]["tolerance"]):
                break
    return checkpoints, rule.step(start, tasks.XOR_X, tasks.XOR_Y)


def judge_xor(checkpoints: list[dict], first: dict):
    fit = {"checkpoints": checkpoints, "first": first, "losses": [], "every": EVERY, "evaluations": 1}
    return training.judge_xor(observed(xor__seed1=fit), XOR)


PLAIN = Rule("cross_entropy", None, (LR,) * 4)


def test_an_honest_run_passes():
    assert judge_xor(*run(PLAIN, START, 1500)).fraction == 1


def test_the_first_checkpoint_is_the_graders_starting_weights_not_the_childs():
    # Honest gradient descent, but from hand-made weights the child reports as its start.
    checkpoints, first = run(PLAIN, hand_made(), 200)
    verdict = judge_xor(checkpoints, first)
    assert verdict.fraction == 0 and training.NOT_DESCENT in verdict.feedback.text()


def test_an_honest_first_step_then_hand_made_weights_fail():
    _, first = run(PLAIN, START, 1)
    assert judge_xor([START, hand_made(), hand_made()], first).fraction == 0


@pytest.mark.parametrize("honest", PARAMS)
def test_a_stretch_replays_only_when_every_parameter_does(honest):
    checkpoints, first = run(PLAIN, START, 1500)
    made = hand_made()
    # Each later checkpoint: the honest replay in one parameter, hand-made in the other three.
    forged = [START] + [{**made, honest: c[honest]} for c in checkpoints[1:]]
    assert training.audit(forged, first, tasks.XOR_X, tasks.XOR_Y, ACCEPTED, LR, EVERY) == (None, PLAIN)


def test_a_slow_step_is_judged_within_a_budget_scaled_by_it():
    slow = Rule("cross_entropy", None, (LR / 5,) * 4)  # a learning rate hard-coded to 0.1
    checkpoints, first = run(slow, START, 7500)
    assert (len(checkpoints) - 1) * EVERY > XOR["xor"]["max_epochs"]["cross_entropy"]
    verdict = judge_xor(checkpoints, first)
    assert verdict.fraction == 1 and "0.2 x learning_rate" in verdict.feedback.text()
    assert training.scaled_budget(1500, slow, LR) == 7500
    assert training.scaled_budget(1500, Rule("cross_entropy", None, (LR / 100,) * 4), LR) == 1500 * 5


def test_a_mixed_objective_is_replayed_per_layer_and_jumps_still_fail():
    mixed = Rule("half_sse", "hidden_on_cross_entropy", (LR,) * 4)
    checkpoints, first = run(mixed, START, 7500)
    rule, _ = training.audit(checkpoints, first, tasks.XOR_X, tasks.XOR_Y, ACCEPTED, LR, EVERY)
    assert rule is not None and rule.objectives() == (rule.objective, "cross_entropy")
    assert training.audit([START, hand_made(), hand_made()], first, tasks.XOR_X, tasks.XOR_Y, ACCEPTED, LR,
                          EVERY)[0] is None


# Exercise 2's train_step, and what a forger answers for it.
CASE = network.train_step_case(S)
X, Y = CASE["X"], CASE["y"]


def train_step_answer(losses, after, grads) -> dict:
    steps_ = [{"loss": l, "params": p} for l, p in zip(losses, after)]
    composed = [{"loss": l, "params": p, "gradients": g} for l, p, g in zip(losses, after, grads)]
    return {"steps": steps_, "composed": composed}


def honest_train_step(loss) -> dict:
    """The reference's backward and update_weights, with `loss(params)` as compute_loss."""
    current, losses, after, grads = CASE["params"], [], [], []
    for _ in range(CASE["steps"]):
        losses.append(loss(current))
        g = objectives.gradients(current, X, Y, "cross_entropy")
        grads.append({"d" + k: v for k, v in g.items()})
        current = objectives.step(current, X, Y, "cross_entropy", CASE["learning_rate"])
        after.append(current)
    return train_step_answer(losses, after, grads)


def judge_step(answer):
    obs = observed(network__train_step=answer)
    return network.judge_train_step(obs, CASE, ACCEPTED), stepping.train_step_tied(obs, CASE, ACCEPTED)


def test_train_step_with_an_unrecognised_loss_is_credited_through_its_steps():
    bce = lambda p: objectives.loss(p, X, Y, "cross_entropy")  # noqa: E731 - a compute_loss the grader doesn't check
    verdict, tied = judge_step(honest_train_step(bce))
    assert verdict.fraction == 1 and tied


def test_made_up_answers_that_agree_earn_nothing():
    still = [CASE["params"]] * CASE["steps"]
    zeros = [{"d" + k: np.zeros_like(v) for k, v in CASE["params"].items()}] * CASE["steps"]
    verdict, tied = judge_step(train_step_answer([0.1] * CASE["steps"], still, zeros))
    assert verdict.fraction == 0 and not tied
    # Made-up gradients, stepped by consistently, with made-up falling losses: the steps are not credited.
    rng = np.random.default_rng(0)
    made = {"d" + k: rng.normal(0, 1, v.shape) for k, v in CASE["params"].items()}
    after = [{k: v - (i + 1) * 0.5 * made["d" + k] for k, v in CASE["params"].items()} for i in range(CASE["steps"])]
    verdict, tied = judge_step(train_step_answer(list(np.linspace(1, 0.1, CASE["steps"])), after, [made] * 10))
    assert verdict.fraction == pytest.approx(1.5 / 5) and not tied  # only "the loss falls"


def test_train_and_curves_that_agree_with_an_untied_train_step_earn_nothing():
    still = [CASE["params"]] * CASE["steps"]
    zeros = [{"d" + k: np.zeros_like(v) for k, v in CASE["params"].items()}] * CASE["steps"]
    p = tasks.start_params(1, (2, 3, 1))
    curves = {c["name"]: [0.25] * hyperparameters.EPOCHS for c in hyperparameters.CONFIGS}
    nets = [{"sizes": [2, c["hidden_size"], 1], "learning_rate": c["learning_rate"], "params": p,
             "step_losses": [0.25] * hyperparameters.EPOCHS} for c in hyperparameters.CONFIGS]
    obs = observed(network__train_step=train_step_answer([0.1] * CASE["steps"], still, zeros),
                   train__losses={"losses": [0.5] * 25, "params": p, "step_losses": [0.5] * 25, "step_params": p},
                   hyperparameters__curves={"curves": curves, "networks": nets})
    train_case = {**network.TRAIN, "params": p}
    assert network.judge_train(obs, train_case, CASE, ACCEPTED).fraction == 0
    assert hyperparameters.judge(obs, CASE, ACCEPTED).fraction == 0


def backward_answer(case: dict, grads: dict) -> dict:
    g = {"d" + k: v for k, v in grads.items()}
    return {"returned": g, "stored": g, "again": g, "params_after": case["params"], "evaluations": 1}


def test_backward_repeatable_is_judged_on_its_own_but_not_on_zeros():
    cases = gradients.cases(S)
    rng = np.random.default_rng(1)
    unrecognised = {f"network__backward__{i}": backward_answer(c, {k: rng.normal(0, 1, v.shape)
                                                                    for k, v in c["params"].items()})
                    for i, c in enumerate(cases)}
    assert gradients.judge_repeatable(observed(**unrecognised), cases, S).fraction == 1
    zeros = {f"network__backward__{i}": backward_answer(c, {k: np.zeros_like(v) for k, v in c["params"].items()})
             for i, c in enumerate(cases)}
    assert gradients.judge_repeatable(observed(**zeros), cases, S).fraction == 0


def test_a_replay_needs_every_parameter():
    end = PLAIN.replay(START, tasks.XOR_X, tasks.XOR_Y, EVERY)
    assert steps.reproduces(PLAIN, START, end, tasks.XOR_X, tasks.XOR_Y, EVERY)
    for k in PARAMS:
        assert not steps.reproduces(PLAIN, START, {**end, k: end[k] + 1e-3}, tasks.XOR_X, tasks.XOR_Y, EVERY)
