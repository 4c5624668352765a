"""The numerical gradient check: central differences in float64."""
from __future__ import annotations

from typing import Callable

import numpy as np

EPSILON = 1e-6


def numerical_gradient(f: Callable[[dict], float], params: dict, epsilon: float = EPSILON) -> dict:
    """d f / d params, one coordinate at a time: (f(p + e) - f(p - e)) / 2e."""
    grads = {}
    for name, value in params.items():
        grad = np.zeros_like(value, dtype=np.float64)
        for index in np.ndindex(value.shape):
            shifted = {k: v.astype(np.float64, copy=True) for k, v in params.items()}
            shifted[name][index] = value[index] + epsilon
            up = f(shifted)
            shifted[name][index] = value[index] - epsilon
            down = f(shifted)
            grad[index] = (up - down) / (2 * epsilon)
        grads[name] = grad
    return grads


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """||got - expected|| / max(||got||, ||expected||): 0 is perfect, 1 is unrelated."""
    scale = max(np.linalg.norm(got), np.linalg.norm(expected), 1e-12)
    return float(np.linalg.norm(got - expected) / scale)
