"""The grader's own data and starting weights for the training checks.

Everything is drawn from a seed with numpy's Generator, so a check is the
same on every run and calibration measures exactly what grading uses.
"""
from __future__ import annotations

import numpy as np

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def start_params(seed: int, sizes: tuple[int, int, int]) -> dict:
    """Weights at standard deviation 1, biases zero.

    The lesson's randn * 0.01 leaves XOR at its symmetric saddle (0 of 100
    seeds train in 5000 epochs), so the grader never trains from it.
    """
    n, h, k = sizes
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((n, h)), "b1": np.zeros((1, h)),
            "W2": rng.standard_normal((h, k)), "b2": np.zeros((1, k))}


def spiral(seed: int, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """The lesson's two spirals, half a turn apart, class 0 first."""
    rng = np.random.default_rng(seed)
    n = n_samples // 2
    theta = np.linspace(0, 4 * np.pi, n)
    X = []
    for turn in (0.0, np.pi):
        t = theta + turn
        r = t / (2 * np.pi)
        X.append(np.column_stack([r * np.cos(t) + rng.standard_normal(n) * noise,
                                  r * np.sin(t) + rng.standard_normal(n) * noise]))
    return np.vstack(X), np.repeat([0.0, 1.0], n).reshape(-1, 1)


def xor_solved(a2: np.ndarray, tolerance: float) -> bool:
    return bool(np.all(np.abs(a2 - XOR_Y) < tolerance))


def accuracy(a2: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((a2 > 0.5) == (y > 0.5)))
