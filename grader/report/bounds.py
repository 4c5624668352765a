"""How much of a submission's data a figure may draw: curves, points, network sizes.

Artifacts come from what the submission sent, and a result file can be
edited by hand, so both the assignment building artifacts and figures.py
drawing them cut data to these bounds; with them, the HTML report's
drawing time and memory stay small whatever a result holds. Pure Python,
so building artifacts does not import matplotlib.
"""
from __future__ import annotations

import math
from typing import Any

MAX_CURVES = 12  #: loss curves in one figure
MAX_POINTS = 1000  #: points per curve; longer curves are subsampled
MAX_LABEL = 60  #: characters of a curve's label
MAX_UNITS = 256  #: rows and columns of a drawn weight matrix (inputs, hidden units, outputs)
MAX_SAMPLES = 1000  #: training points drawn over a decision boundary (the spiral has 300)
MAX_BARS = 16  #: bars in the gradient check's figure


def _point(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an int past 1e308
        return None


def curve(values: Any) -> tuple[list[float | None], int]:
    """At most MAX_POINTS numbers of `values` (None where one is not a number), and the step between them."""
    if not isinstance(values, (list, tuple)):
        return [], 1
    step = max(1, math.ceil(len(values) / MAX_POINTS))
    return [_point(v) for v in values[::step]], step


def curves(lines: Any) -> dict[str, list[float | None]]:
    """The first MAX_CURVES curves of a {label: values} mapping, each bounded as `curve` does."""
    if not isinstance(lines, dict):
        return {}
    out = {}
    for label, values in lines.items():
        if len(out) == MAX_CURVES:
            break
        if isinstance(values, (list, tuple)):
            out[str(label)[:MAX_LABEL]] = curve(values)[0]
    return out


def small_network(data: Any) -> bool:
    """Whether wire-encoded W1, b1, W2, b2 are all at most MAX_UNITS by MAX_UNITS."""
    try:
        shapes = [data[name]["shape"] for name in ("W1", "b1", "W2", "b2")]
        return all(isinstance(s, list) and len(s) <= 2 and all(
            isinstance(n, int) and 0 <= n <= MAX_UNITS for n in s) for s in shapes)
    except (KeyError, TypeError):
        return False


def small_array(data: Any, most: int) -> bool:
    """Whether a wire-encoded array holds at most `most` numbers (checked before decoding it)."""
    try:
        return isinstance(data["__ndarray__"], list) and len(data["__ndarray__"]) <= most
    except (KeyError, TypeError):
        return False
