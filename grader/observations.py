"""Validate what a child sent before any judge compares it.

A child is untrusted: every value is checked for type, shape, float dtype and
finiteness here, and anything else becomes an `Invalid` carrying feedback
that says what was expected and what came instead.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from grader.results import Feedback
from grader.wire import decode_array


class Invalid(Exception):
    """A value the submission produced is unusable; the check fails with this feedback."""

    def __init__(self, summary: str, *details: str):
        super().__init__(summary)
        self.feedback = Feedback(summary, tuple(details))


def describe(value: Any) -> str:
    if isinstance(value, dict) and "__ndarray__" in value:
        return f"an array of shape {tuple(value['shape'])} and dtype {value['dtype']}"
    if isinstance(value, dict) and "__object__" in value:
        return f"a {value['__object__']} object ({value['repr'][:60]})"
    if value is None:
        return "None"
    return f"a {type(value).__name__} ({str(value)[:60]})"


def array(value: Any, what: str, shape: tuple[int, ...] | None = None, finite: bool = True) -> np.ndarray:
    """`value` as a float64 array; scalars are accepted as 0-d arrays."""
    if isinstance(value, bool):
        raise Invalid(f"{what} is a bool, expected numbers")
    if isinstance(value, (int, float)):
        result = np.asarray(float(value))  # ints are at most 2**63 (sandbox/messages.py)
    elif isinstance(value, list):
        try:
            result = np.asarray([array(v, what) for v in value], dtype=np.float64)
        except (Invalid, ValueError):
            raise Invalid(f"{what} is a list that is not a rectangular array of numbers") from None
    else:
        try:
            result = decode_array(value)
        except (ValueError, TypeError, KeyError):
            raise Invalid(f"{what} is {describe(value)}, expected a numpy array of floats") from None
    if shape is not None and result.shape != tuple(shape):
        transposed = " (transposed?)" if result.shape == tuple(reversed(shape)) and len(shape) == 2 else ""
        raise Invalid(f"{what} has the wrong shape{transposed}",
                      f"expected: shape {tuple(shape)}", f"got:      shape {result.shape}")
    if finite and not np.all(np.isfinite(result)):
        bad = int(np.size(result) - np.count_nonzero(np.isfinite(result)))
        raise Invalid(f"{what} holds {bad} NaN or infinite value(s)")
    return result


def number(value: Any, what: str) -> float:
    result = array(value, what)
    if result.size != 1:
        raise Invalid(f"{what} should be a single number", f"got: {describe(value)}")
    return float(result.reshape(()))


def mapping(value: Any, what: str, keys: tuple[str, ...]) -> dict:
    if not isinstance(value, dict) or "__ndarray__" in value or "__object__" in value:
        raise Invalid(f"{what} should be a dict with keys {', '.join(keys)}", f"got: {describe(value)}")
    missing = [k for k in keys if k not in value]
    if missing:
        got = ", ".join(str(k)[:40] for k in list(value)[:12]) + (f" and {len(value) - 12} more" if len(value) > 12 else "")
        raise Invalid(f"{what} lacks the key(s) {', '.join(missing)}",
                      f"expected keys: {', '.join(keys)}", f"got keys:      {got or 'none'}")
    return value


def compare(got: np.ndarray, expected: np.ndarray, what: str, rtol: float = 1e-6, atol: float = 1e-9) -> list[str]:
    """pytest.approx-style detail lines, or [] when they agree."""
    if got.shape != expected.shape:
        return [f"{what}: expected shape {expected.shape}, got {got.shape}"]
    close = np.isclose(got, expected, rtol=rtol, atol=atol)
    if close.all():
        return []
    diff = np.abs(got - expected)
    lines = [f"{what}: {int((~close).sum())} of {close.size} values differ; largest difference {diff.max():.3g}"]
    for index in list(zip(*np.nonzero(~close)))[:3]:
        where = "[" + ", ".join(map(str, index)) + "]" if index else ""
        lines.append(f"  {what}{where}: expected {expected[index]:.6g}, got {got[index]:.6g}")
    return lines
