"""How many bytes each probe's answer may take, from the sizes and epochs it was asked about.

The session refuses a longer line before parsing it (grader/sandbox/
session.py), so what a submission sends costs the grader time and memory in
proportion to what the lesson asks, never more. Counts are of the numbers
an honest answer holds; each is given the longest a float's JSON can be,
twice over (a dict of gradients may carry a few extra entries), plus room
for the message's frame, warnings and error text.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from grader.sandbox import Probe

NUMBER_BYTES = len("-2.2250738585072014e-308, ")  #: the longest a float64 is in JSON
SLACK = 2
FRAME_BYTES = 128 * 1024  #: envelope, keys, 20 warnings, object descriptions
# The probe's own figure: 5 x 4 inches at 72 dpi, as incompressible RGBA, in base64.
PNG_BYTES = 5 * 72 * 4 * 72 * 4 * 4 // 3 + 4096
PLOT_NUMBERS = 20_000  #: the points a plot may carry (a scattered 100 x 100 grid, say)


def bounded(probe: Probe) -> Probe:
    """`probe` with the byte budget its answer deserves."""
    count = COUNTS.get(probe.kind)
    if count is None:
        return probe
    numbers, extra = count(probe.args)
    return replace(probe, max_bytes=FRAME_BYTES + extra + SLACK * NUMBER_BYTES * numbers)


def _elements(value: Any) -> int:
    """How many numbers a wire-encoded argument holds."""
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return len(value["__ndarray__"])
        return sum(_elements(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_elements(v) for v in value)
    return 1


def network(sizes) -> int:
    """W1, b1, W2, b2 of an n-h-k network."""
    n, h, k = sizes
    return n * h + h + h * k + k


def _rows(args: dict) -> int:
    return args["X"]["shape"][0]


def _fit(args: dict) -> int:
    # A loss per epoch; the parameters at the start, after the first epoch and every check_every epochs;
    # check_every and the evaluations counted.
    epochs = args["max_epochs"]
    return epochs + (epochs // args["check_every"] + 2) * network(args["sizes"]) + 2


def _hyperparameters(args: dict) -> int:
    # One curve and one recorded network per config; the submission may
    # build a few more networks than it has configs.
    hidden = max(c["hidden_size"] for c in args["configs"])
    n, k = args["X"]["shape"][1], args["y"]["shape"][1]
    configs, epochs = len(args["configs"]), args["epochs"]
    return configs * epochs + 4 * configs * (network((n, hidden, k)) + epochs + 4)


COUNTS = {
    "sigmoid": lambda a: (_elements(a["array"]) + len(a["scalars"]), 0),
    "sigmoid_derivative": lambda a: (_elements(a["array"]) + len(a["scalars"]), 0),
    "manual_backprop": lambda a: (9 * len(a["cases"]), 0),
    "init": lambda a: (sum(network(s) + 1 for s in a["shapes"]), 0),
    "forward": lambda a: (_rows(a) * (2 * a["sizes"][1] + 3 * a["sizes"][2]), 0),
    "backward": lambda a: (4 * network(a["sizes"]) + 1, 0),
    "backward_at_scale": lambda a: (network(a["sizes"]), 0),
    "update_weights": lambda a: (network(a["sizes"]), 0),
    "compute_loss": lambda a: (len(a["pairs"]), 0),
    # train_step's steps, and the same steps composed of forward, backward and update_weights (gradients too).
    "train_step": lambda a: (a["steps"] * (network(a["sizes"]) + 1) + a["steps"] * (2 * network(a["sizes"]) + 1), 0),
    "train": lambda a: (2 * a["epochs"] + 2 * network(a["sizes"]), 0),
    "fit": lambda a: (_fit(a), 0),
    "spiral_data": lambda a: (sum(3 * (c["n_samples"] // 2 * 2) for c in a["calls"]), 0),
    "hyperparameters": lambda a: (_hyperparameters(a), 0),
    "plot_loss": lambda a: (PLOT_NUMBERS + _elements(a), PNG_BYTES),
    "plot_decision_boundary": lambda a: (PLOT_NUMBERS + _elements(a), PNG_BYTES),
}
