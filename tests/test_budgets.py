"""Each probe's byte budget counts exactly the numbers the longest honest answer holds.

A budget too small refuses an honest submission's answer; one too large lets
a hostile child make the grader read and parse more than the lesson asks
(grader/backprop/budgets.py). The honest answers are the reference's, made by
the child's own probes run here in-process: a fraction of a second, no child.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from grader import wire
from grader.backprop import Backprop, budgets, evaluations

ROOT = Path(__file__).resolve().parents[1]
PROBES = Backprop(Path(__file__).with_name("fast_limits.toml")).probes()
# The answers whose length the lesson fixes; a fit's length depends on when the goal is met (below),
# and hyperparameters and plots leave room for what a submission may add (networks, points).
FIXED = ("sigmoid", "sigmoid_derivative", "manual_backprop", "init", "forward", "backward", "update_weights",
         "compute_loss", "train_step", "train", "spiral_data")


@pytest.fixture(scope="module")
def answer():
    """probe -> what the reference answers it, through the child's probes.py."""
    saved = {name: sys.modules.get(name) for name in ("evaluations", "wire")}
    sys.modules.update(evaluations=evaluations, wire=wire)  # the names the child imports them by
    try:
        spec = importlib.util.spec_from_file_location("child_probes", ROOT / "grader" / "backprop" / "probes.py")
        probes = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(probes)
    finally:
        for name, module in saved.items():
            sys.modules.pop(name) if module is None else sys.modules.update({name: module})
    namespace = {"__name__": "backprop"}
    exec(compile((ROOT / "reference" / "backprop.py").read_text(encoding="utf-8"), "backprop.py", "exec"),
         namespace)
    def run(probe, args=None, **names):
        """The reference's answer; `names` replace some of its functions for this one run."""
        saved = {name: namespace[name] for name in names}
        namespace.update(names)
        try:
            return probes.run(probe.kind, namespace, args or probe.args)
        finally:
            namespace.update(saved)
    run.namespace, run.probes = namespace, probes
    return run


def numbers(value) -> int:
    """How many numbers an answer holds, counted as a person would: an array's every element."""
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, dict):  # an array the probe has already put in wire form counts as its elements
        return len(value["__ndarray__"]) if "__ndarray__" in value else sum(numbers(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(numbers(v) for v in value)
    return int(isinstance(value, (int, float, np.number)) and not isinstance(value, bool))


def counted(probe) -> int:
    """The numbers the probe's budget allows, from its bytes: past the frame, only a plot's PNG has room."""
    extra = budgets.PNG_BYTES if probe.kind.startswith("plot_") else 0
    spare = probe.max_bytes - budgets.FRAME_BYTES - extra
    assert spare % (budgets.SLACK * budgets.NUMBER_BYTES) == 0
    return spare // (budgets.SLACK * budgets.NUMBER_BYTES)


@pytest.mark.parametrize("probe", [p for p in PROBES if p.kind in FIXED], ids=lambda p: p.id)
def test_a_fixed_length_answer_gets_a_budget_of_exactly_its_numbers(probe, answer):
    assert counted(probe) == numbers(answer(probe))


@pytest.mark.parametrize("probe", [p for p in PROBES if p.kind == "fit"], ids=lambda p: p.id)
def test_a_fit_gets_the_budget_of_a_run_that_never_meets_its_goal(probe, answer):
    never = {**probe.args, "goal": {"kind": "accuracy", "accuracy": 2.0}}  # every epoch, every checkpoint
    longest = answer(probe, never)
    assert len(longest["losses"]) == probe.args["max_epochs"]
    assert counted(probe) == numbers(longest)
    assert numbers(answer(probe)) <= counted(probe)  # and the reference's own run, which stops early


def test_hyperparameters_has_room_for_four_networks_per_config_and_no_more(answer):
    probe = next(p for p in PROBES if p.kind == "hyperparameters")
    namespace = answer.namespace

    def extravagant(X, y, configs, epochs):
        """Four networks per config, all of the largest size, the last one trained (a search, say)."""
        largest, curves = max(c["hidden_size"] for c in configs), {}
        for config in configs:  # the class the probe records with, as the submission's code sees it
            nets = [namespace["NeuralNetwork"](X.shape[1], largest, y.shape[1], config["learning_rate"])
                    for _ in range(4)]
            curves[config["name"]] = namespace["train"](nets[-1], X, y, epochs)
        return curves

    assert numbers(answer(probe)) <= counted(probe)
    most = answer(probe, explore_hyperparameters=extravagant)
    assert len(most["networks"]) == 4 * len(probe.args["configs"])
    assert counted(probe) == numbers(most)


@pytest.mark.parametrize("probe", [p for p in PROBES if p.kind not in FIXED + ("fit", "hyperparameters")],
                         ids=lambda p: p.id)
def test_answers_with_room_to_spare_still_fit_their_budget(probe, answer):
    assert numbers(answer(probe)) <= counted(probe)


def test_a_plot_has_room_for_the_largest_png_its_figure_can_make(answer):
    """Noise in every pixel of the probe's own figure (random RGBA, incompressible) is the longest PNG."""
    def noise(ax):
        ax.set_position((0, 0, 1, 1))
        ax.set_axis_off()
        ax.figure.patch.set_alpha(0)  # nothing opaque behind it: every channel of every pixel random
        ax.imshow(np.random.default_rng(0).uniform(0, 1, (400, 500, 4)), aspect="auto", interpolation="nearest")
    png = len(answer.probes._draw(noise)["png"])
    assert png <= budgets.PNG_BYTES <= png + 4096  # and a little room for its headers, no more
