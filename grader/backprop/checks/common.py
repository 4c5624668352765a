"""Helpers the lesson's judges share: probe building, parameter validation, feedback."""
from __future__ import annotations

import numpy as np

from grader import wire
from grader.backprop.objectives import PARAMS
from grader.observations import array, mapping
from grader.results import Feedback
from grader.sandbox import Probe


def probe(probe_id: str, kind: str, args: dict, timeout: float) -> Probe:
    return Probe(probe_id, kind, wire.encode(args), timeout)


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
