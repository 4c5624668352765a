"""backward's and the NeuralNetwork's judges, fed hand-made answers: what a student reads for each mistake.

No child process: each answer is what a submission with that mistake would send, made with the
grader's own math, so a careless edit to a judge's arithmetic or wording fails here in a second.
"""
import numpy as np
import pytest

from grader import wire
from grader.backprop import objectives, settings
from grader.backprop.checks import cost, gradients, network
from grader.backprop.objectives import PARAMS
from grader.judging import Observations, ProbeFailed
from grader.observations import Invalid
from grader.sandbox.model import Outcome

S = settings.load(None)
ACCEPTED = list(S["objectives"]["accepted"])
CASES = gradients.cases(S)
NET = network._cases(S)


def observed(**outcomes) -> Observations:
    """probe id (dots as __) -> an answer, or an Outcome as it is."""
    return Observations({k.replace("__", "."): v if isinstance(v, Outcome) else Outcome("ok", wire.encode(v))
                         for k, v in outcomes.items()})


def backward(case: dict, grads: dict, **changes) -> dict:
    g = {"d" + k: v for k, v in grads.items()}
    return {"returned": g, "stored": g, "again": g, "params_after": case["params"], "evaluations": 1, **changes}


def exact(case: dict, objective: str = "cross_entropy") -> dict:
    return objectives.gradients(case["params"], case["X"], case["y"], objective)


def at_scale(objective: str = "cross_entropy") -> dict:
    """The large network's answer (checks/cost.py) of a backward that is right for `objective`."""
    return {cost.PROBE_ID.replace(".", "__"): {"returned": {"d" + k: v for k, v in exact(cost.case(S), objective).items()}}}


def judged(answers, judge=gradients.judge_backward, objective: str | None = "cross_entropy"):
    """`objective`: the one backward is right for on the large network; None: that probe did not run."""
    large = at_scale(objective) if objective else {}
    obs = observed(**{f"network__backward__{i}": a for i, a in enumerate(answers)}, **large)
    return judge(obs, CASES, ACCEPTED, S) if judge is gradients.judge_backward else judge(obs, CASES, S)


def test_exact_gradients_earn_everything_and_name_their_objective():
    verdict = judged([backward(c, exact(c, "mse")) for c in CASES], objective="mse")
    assert verdict.fraction == 1 and verdict.feedback.summary.startswith("gradients match the mean squared error")
    assert verdict.feedback.details == () and verdict.measured["objective"] == "mse"


def test_gradients_stored_apart_from_the_returned_ones_are_noted():
    answers = [backward(c, exact(c), stored={"d" + k: np.zeros_like(v) for k, v in c["params"].items()})
               for c in CASES]
    verdict = judged(answers)
    assert verdict.fraction == 1 and "self.gradients should hold the same dict" in verdict.feedback.details[0]


def test_when_every_network_failed_the_submissions_error_is_what_is_said():
    failed = Outcome("error", error={"type": "ValueError", "message": "shapes (5,4) and (2,4) not aligned"})
    with pytest.raises(ProbeFailed) as raised:
        judged([failed] * len(CASES))
    assert raised.value.outcome.error["message"].startswith("shapes (5,4)")


def test_when_every_network_failed_the_first_ones_error_is_said():
    failed = [Outcome("error", error={"type": "ValueError", "message": f"network {i}"}) for i in range(len(CASES))]
    with pytest.raises(ProbeFailed) as raised:
        judged(failed)
    assert raised.value.outcome.error["message"] == "network 0"


def test_a_known_mistake_is_named_as_the_likely_bug():
    from grader.backprop import mistakes
    answers = [backward(c, mistakes.gradients(c["params"], c["X"], c["y"], "cross_entropy", "hidden_derivative"))
               for c in CASES]
    verdict = judged(answers)
    assert verdict.feedback.summary.startswith("backward: likely bug: ") and "hidden_derivative" in verdict.diagnosed


def test_one_network_that_failed_costs_its_share_and_is_named():
    failed = Outcome("error", error={"type": "ValueError", "message": "not aligned"})
    verdict = judged([failed, *(backward(c, exact(c)) for c in CASES[1:])])
    assert verdict.fraction == pytest.approx(2 / 3) and "right on the networks it answered" in verdict.feedback.summary
    assert f"network {gradients.SHAPES[0]}: ValueError: not aligned" in verdict.feedback.details


@pytest.mark.parametrize("wrong, says", [
    (("W1", "b1"), "the output layer (dW2, db2) is right but the hidden layer (dW1, db1) is wrong"),
    (("W2",), "the hidden layer is right but dW2/db2 are wrong"),
    (("W1", "W2"), "gradients match no accepted objective"),
])
def test_the_layer_that_is_wrong_is_named_with_its_factor(wrong, says):
    rng = np.random.default_rng(3)
    answers = []
    for c in CASES:
        g = exact(c)
        answers.append(backward(c, {k: g[k] * (1 + rng.uniform(0.5, 2, g[k].shape)) if k in wrong else g[k]
                                    for k in PARAMS}))
    verdict = judged(answers)
    assert verdict.feedback.summary.startswith(f"backward: {says}")
    assert verdict.fraction == pytest.approx(1 - len(wrong) / 4) and verdict.diagnosed == ()
    assert f"d{wrong[0]}: relative error" in " ".join(verdict.feedback.details)


def test_a_constant_factor_off_is_said_as_that_factor():
    answers = [backward(c, {k: 3 * v if k == "b1" else v for k, v in exact(c).items()}) for c in CASES]
    verdict = judged(answers)
    assert "db1 is 3 x the gradient of" in " ".join(verdict.feedback.details)


def test_a_transposed_gradient_is_a_shape_problem_read_back_in_its_shape():
    answers = [backward(c, {k: v.T if k == "W1" else v for k, v in exact(c).items()}) for c in CASES]
    verdict = judged(answers)
    assert verdict.fraction == pytest.approx(3 / 4)
    assert verdict.feedback.summary.startswith("backward: dW1")
    assert any(d.startswith("read in the parameters' shapes, the values are right") for d in verdict.feedback.details)
    assert "dW1: wrong shape" in verdict.feedback.details


@pytest.mark.parametrize("evaluations", [True, "40", float("nan"), None])
def test_an_evaluation_count_that_is_no_number_is_not_numerical_differentiation(evaluations):
    answers = [backward(c, exact(c), evaluations=evaluations) for c in CASES]
    assert judged(answers).fraction == 1


def test_many_evaluations_in_one_call_are_numerical_differentiation_and_flagged():
    answers = [backward(c, exact(c), evaluations=40 if i == 1 else 1) for i, c in enumerate(CASES)]
    # Right and quick on the large network is backpropagation, whatever the count read into hand-written loops.
    assert judged(answers).fraction == 1
    assert gradients.flags(observed(**{f"network__backward__{i}": a for i, a in enumerate(answers)}, **at_scale()),
                           S) == []
    verdict = judged(answers, objective=None)
    assert verdict.fraction == 0 and verdict.measured == {"evaluations": 40}
    assert verdict.feedback.summary.startswith("backward evaluated the network 40 times in one call")
    obs = observed(**{f"network__backward__{i}": a for i, a in enumerate(answers)})
    assert gradients.flags(obs, S)[0]["code"] == "numerical_differentiation"
    assert judged(answers, gradients.judge_repeatable, objective=None).fraction == 0
    fine = observed(**{f"network__backward__{i}": backward(c, exact(c), evaluations=6) for i, c in enumerate(CASES)})
    assert gradients.flags(fine, S) == []


def test_backward_that_changes_the_weights_is_not_repeatable_and_is_told_so():
    answers = [backward(c, exact(c), params_after={k: v + 0.1 for k, v in c["params"].items()}) for c in CASES]
    verdict = judged(answers, gradients.judge_repeatable)
    assert verdict.fraction == 0 and verdict.feedback.summary.startswith("backward changed the weights")
    assert verdict.feedback.details == ()  # said once, not once per network


def test_gradients_that_grow_between_calls_are_not_repeatable():
    answers = [backward(c, exact(c), again={"d" + k: 2 * v for k, v in exact(c).items()}) for c in CASES]
    verdict = judged(answers, gradients.judge_repeatable)
    assert verdict.fraction == 0 and "twice gave different gradients" in verdict.feedback.summary


def test_repeatable_gradients_of_a_wrong_shape_are_repeatable_when_some_are_right():
    answers = [backward(c, {k: v.T if k == "W1" else v for k, v in exact(c).items()}) for c in CASES]
    verdict = judged(answers, gradients.judge_repeatable)
    assert verdict.fraction == 1 and verdict.feedback.summary.startswith("backward gives the same gradients twice")


# --- NeuralNetwork's __init__, forward, update_weights, compute_loss, train ---

def init_answer(change=lambda p: p) -> list[dict]:
    """Two networks as __init__ should make them (random weights, zero biases, the rate stored), changed."""
    out = []
    for i, sizes in enumerate(network.INIT_SHAPES):
        p = gradients.random_params(np.random.default_rng(i), sizes)
        out.append(change({**p, "b1": np.zeros_like(p["b1"]), "b2": np.zeros_like(p["b2"]), "learning_rate": 0.25}))
    return out


def init(change=lambda p: p):
    return network.judge_init(observed(network__init=init_answer(change)))


@pytest.mark.parametrize("change, says, fraction", [
    (lambda p: {**p, "b1": p["b1"] + 0.1}, "biases must start at zero", 2.5 / 3.5),
    (lambda p: {**p, "W1": 0 * p["W1"], "W2": 0 * p["W2"]}, "weights are all zero", 1.5 / 3.5),
    (lambda p: {**p, "W1": 0 * p["W1"] + 0.5, "W2": 0 * p["W2"] + 0.5}, "all weights equal", 2.5 / 3.5),
    (lambda p: {**p, "learning_rate": 0.1}, "learning_rate should be stored as given (0.25); got 0.1", 3 / 3.5),
    (lambda p: {**p, "learning_rate": "0.25"}, "learning_rate should be stored as given", 3 / 3.5),
])
def test_each_init_mistake_costs_its_part_and_is_said_once(change, says, fraction):
    verdict = init(change)
    assert verdict.fraction == pytest.approx(fraction) and verdict.feedback.summary.startswith(says)
    assert init().fraction == 1


def test_an_init_mistake_both_networks_make_is_said_once():
    assert init(lambda p: {**p, "learning_rate": 0.1}).feedback.details == ()


def forward_answer(returned=None, **cached) -> dict:
    c = objectives.forward(NET["forward"]["params"], NET["forward"]["X"])
    return {"returned": c["a2"] if returned is None else returned, **{k: c[k] for k in ("z1", "a1", "z2", "a2")},
            **cached}


def forward(answer):
    return network.judge_forward(observed(network__forward=answer), NET["forward"])


def test_forward_that_returns_z2_is_told_the_output_sigmoid_is_missing():
    c = objectives.forward(NET["forward"]["params"], NET["forward"]["X"])
    verdict = forward(forward_answer(returned=c["z2"]))
    assert verdict.feedback.summary == "output sigmoid missing: forward returns z2, not sigmoid(z2)"
    assert verdict.fraction == pytest.approx(2 / 6)


def test_a_wrong_output_says_which_values_differ():
    c = objectives.forward(NET["forward"]["params"], NET["forward"]["X"])
    verdict = forward(forward_answer(returned=c["a2"] * 0.9))
    assert verdict.fraction == pytest.approx(2 / 6) and verdict.feedback.summary.startswith("a2: 12 of 12 values differ")
    assert any(d.strip().startswith("a2[0, 0]: expected") for d in verdict.feedback.details)


def test_forward_without_b1_is_told_so():
    p, X = NET["forward"]["params"], NET["forward"]["X"]
    without = objectives.forward({**p, "b1": 0 * p["b1"]}, X)
    verdict = forward(forward_answer(returned=without["a2"], **{k: without[k] for k in ("z1", "a1", "z2", "a2")}))
    assert verdict.feedback.summary == "b1 is not added: z1 should be X @ W1 + b1" and verdict.fraction == 0


def test_a_wrong_cached_value_costs_its_half_point_with_the_values_that_differ():
    c = objectives.forward(NET["forward"]["params"], NET["forward"]["X"])
    verdict = forward(forward_answer(z1=c["z1"] + 1))
    assert verdict.fraction == pytest.approx(5.5 / 6)
    assert verdict.feedback.summary.startswith("self.z1: ") and "values differ" in verdict.feedback.summary
    assert verdict.feedback.details[0].strip().startswith("self.z1[0, 0]: expected")
    wrong_shape = forward(forward_answer(a1=c["a1"].T))
    assert wrong_shape.feedback.summary.startswith("self.a1: ") and wrong_shape.fraction == pytest.approx(5.5 / 6)


def update(change) -> "network.Verdict":
    case = NET["update"]
    g = {k[1:]: v for k, v in case["gradients"].items()}
    after = {k: change(k, case["params"][k], g[k], case["learning_rate"]) for k in PARAMS}
    return network.judge_update(observed(network__update_weights=after), case)


@pytest.mark.parametrize("change, says", [
    (lambda k, p, g, lr: p, "W1 was not updated"),
    (lambda k, p, g, lr: p + lr * g, "W1 moves with the gradient (+): gradient descent subtracts it"),
    (lambda k, p, g, lr: p - 0.1 * g, "W1 stepped by 0.1 x gradient; expected learning_rate (0.3) x gradient"),
])
def test_each_update_mistake_is_said_for_the_parameter_it_hits(change, says):
    verdict = update(lambda k, p, g, lr: change(k, p, g, lr) if k in ("W1", "b2") else p - lr * g)
    assert verdict.fraction == pytest.approx(2 / 4) and verdict.feedback.summary.startswith(says)
    assert verdict.feedback.details[0].startswith("b2 ")
    assert update(lambda k, p, g, lr: p - lr * g).fraction == 1


def loss(values):
    return network.judge_loss(observed(network__compute_loss=values), NET["loss"])


def test_compute_loss_is_the_mean_squared_error_as_a_number():
    pairs = NET["loss"]["pairs"]
    right = [objectives.mse(t, p) for t, p in pairs]
    assert loss(right).fraction == 1
    as_array = loss([np.array([v]) for v in right])
    assert as_array.fraction == pytest.approx(0.5)
    assert as_array.feedback.summary.startswith("compute_loss returns an array of shape (1,), not a single number")
    one_wrong = loss([right[0], 2 * right[1]])
    assert one_wrong.fraction == pytest.approx(0.5) and "for y of shape (4, 3)" in one_wrong.feedback.summary
    summed = loss([float(np.sum((t - p) ** 2)) for t, p in pairs])
    assert summed.fraction == 0 and summed.feedback.summary.endswith("; it sums instead of averaging")
    assert "for y of shape (5, 1): expected" in summed.feedback.summary and len(summed.feedback.details) == 1


def train(losses, step_losses=None, params=None, step_params=None):
    p = NET["train"]["params"]
    answer = {"losses": losses, "params": params or p, "step_losses": step_losses or losses,
              "step_params": step_params or p}
    return network.judge_train(observed(train__losses=answer), NET["train"], NET["train_step"], ACCEPTED)


@pytest.fixture
def tied(monkeypatch):
    """network.train_step tied to the grader's math (forgery judges test that half)."""
    monkeypatch.setattr(network, "train_step_tied", lambda *a: True)


def test_train_returns_the_losses_of_its_train_step_epoch_by_epoch(tied):
    epochs = NET["train"]["epochs"]
    falling = list(np.linspace(0.3, 0.1, epochs))
    assert train(falling).fraction == 1
    short = train(falling[:-1], step_losses=falling)
    assert short.feedback.summary == \
        f"train should return one loss per epoch: expected {epochs} losses, got {epochs - 1}"
    assert short.fraction == pytest.approx(1 / 3)
    other = train(falling, step_losses=[v + 0.01 for v in falling])
    assert other.fraction == pytest.approx(2 / 3) and "not the ones train_step returned" in other.feedback.summary
    moved = {k: v + 1 for k, v in NET["train"]["params"].items()}
    uncalled = train(falling, step_params=moved)
    assert uncalled.fraction == pytest.approx(2 / 3) and "should call network.train_step" in uncalled.feedback.summary
    with pytest.raises(Invalid, match="^train should return a list with one loss per epoch$"):
        train({"epoch 1": 0.3})
    with pytest.raises(Invalid, match="^train returned a loss that is not a number: epoch 2's loss"):
        train([0.3, "0.2", *falling[2:]])
