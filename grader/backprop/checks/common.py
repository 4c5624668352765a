"""Helpers the lesson's judges share: probe building, parameter validation, feedback."""
from __future__ import annotations

import numpy as np

from grader import wire
from grader.backprop.objectives import PARAMS
from grader.observations import array, mapping
from grader.results import Feedback
from grader.sandbox import Probe


_NET = "NeuralNetwork."
_STEP = (_NET + "train_step", _NET + "forward", _NET + "backward", _NET + "update_weights", _NET + "compute_loss",
         _NET + "__init__")
# The submission's functions each probe kind may call, the one it is about first: one that hung or
# crashed a child is never called again, and every probe that would call it is blocked by it.
CALLS = {
    "sigmoid": ("sigmoid",), "sigmoid_derivative": ("sigmoid_derivative",), "manual_backprop": ("manual_backprop",),
    "init": (_NET + "__init__",), "forward": (_NET + "forward", _NET + "__init__"),
    "backward": (_NET + "backward", _NET + "__init__"), "backward_at_scale": (_NET + "backward", _NET + "__init__"),
    "update_weights": (_NET + "update_weights", _NET + "__init__"),
    "compute_loss": (_NET + "compute_loss", _NET + "__init__"), "train_step": _STEP, "fit": _STEP,
    "train": ("train", *_STEP), "spiral_data": ("make_spiral_data",),
    "hyperparameters": ("explore_hyperparameters", *_STEP),
    "plot_loss": ("plot_loss",),
    "plot_decision_boundary": ("plot_decision_boundary", _NET + "forward", _NET + "__init__"),
}


_FACTS = ("yscale", "xlabel", "ylabel", "title", "lines", "line_first", "surfaces", "points", "png")
# What each probe kind answers (probes.py): the parent refuses anything else before a judge reads it.
ANSWERS = {
    "sigmoid": ("array", "scalars"), "sigmoid_derivative": ("array", "scalars"), "manual_backprop": "list",
    "init": "list", "forward": ("returned", "z1", "a1", "z2", "a2"),
    "backward": ("returned", "stored", "again", "params_after", "evaluations"), "backward_at_scale": ("returned",),
    "update_weights": PARAMS,
    "compute_loss": "list", "train_step": ("steps", "composed"),
    "train": ("losses", "params", "step_losses", "step_params"),
    "fit": ("checkpoints", "first", "losses", "every", "evaluations"), "spiral_data": "list",
    "hyperparameters": ("curves", "networks"), "plot_loss": _FACTS, "plot_decision_boundary": _FACTS,
}


def probe(probe_id: str, kind: str, args: dict, timeout: float) -> Probe:
    return Probe(probe_id, kind, wire.encode(args), timeout, calls=CALLS[kind], answer=ANSWERS[kind])


def shapes(sizes) -> dict:
    n, h, k = sizes
    return {"W1": (n, h), "b1": (1, h), "W2": (h, k), "b2": (1, k)}


def random_params(rng: np.random.Generator, sizes) -> dict:
    """Parameters the grader sets: biases non-zero so bias bugs show."""
    return {name: rng.normal(0, 0.8, shape) for name, shape in shapes(sizes).items()}


def params(value, sizes, what: str = "the parameters") -> dict:
    value = mapping(value, what, PARAMS)
    expected = shapes(sizes)
    return {name: array(value[name], f"{name}", expected[name]) for name in PARAMS}


def same_params(a: dict, b: dict, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    return all(np.allclose(a[k], b[k], rtol=rtol, atol=atol) for k in PARAMS)


def verdict_parts(parts: list[tuple[float, bool, str]]) -> tuple[float, list[str]]:
    """Sum the weights of passed parts; return the failed parts' messages."""
    total = sum(w for w, _, _ in parts)
    earned = sum(w for w, ok, _ in parts if ok)
    return earned / total, [msg for _, ok, msg in parts if not ok]


def feedback(ok_summary: str, failures: list[str], details: list[str] | None = None) -> Feedback:
    if not failures:
        return Feedback(ok_summary, tuple(details or ()))
    return Feedback(failures[0], tuple(failures[1:]) + tuple(details or ()))


def objective_names(settings) -> list[str]:
    return list(settings["objectives"]["accepted"])
