"""PNG figures for the HTML report, drawn with matplotlib's Agg renderer.

Display only. Every input comes from a result's artifacts or measured data,
which the submission influenced (its losses, its final weights), so inputs
are cut to grader/report/bounds.py and coerced to finite floats here, and a
figure that cannot be drawn is None, never an exception that would cost the
whole report.
"""
from __future__ import annotations

import io
from itertools import islice
from typing import Any, Mapping

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend
from matplotlib.ticker import FixedLocator, MaxNLocator, ScalarFormatter

from grader import wire
from grader.report import bounds

DPI = 100


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)  # fixed margins: "tight" bboxes cost a second draw
    return buffer.getvalue()


def series(values: Any) -> np.ndarray | None:
    """A 1-D float array of `values`, non-finite entries as NaN; None if it is not numbers."""
    try:
        array = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    if array.size == 0:
        return None
    return np.where(np.isfinite(array), array, np.nan)


def params(data: Any) -> dict[str, np.ndarray] | None:
    """W1, b1, W2, b2 decoded from their wire form, if their shapes chain into a network within bounds."""
    if not bounds.small_network(data):
        return None
    try:
        p = {k: wire.decode_array(data[k]) for k in ("W1", "b1", "W2", "b2")}
    except (KeyError, TypeError, ValueError):
        return None
    W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]
    if W1.ndim != 2 or W2.ndim != 2 or W1.shape[1] != W2.shape[0] or b1.size != W1.shape[1] \
            or b2.size != W2.shape[1] or not all(np.all(np.isfinite(a)) for a in p.values()):
        return None
    return p


def forward(p: Mapping[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """The lesson's network output a2 = σ(σ(X W1 + b1) W2 + b2), recomputed only to draw it."""
    def sigmoid(z):
        return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    a1 = sigmoid(X @ p["W1"] + p["b1"].reshape(1, -1))
    return sigmoid(a1 @ p["W2"] + p["b2"].reshape(1, -1))


def curves(lines: Mapping[str, Any], title: str, steps: Mapping[str, int] | None = None) -> bytes | None:
    """Loss curves on a log scale (linear when some loss is not positive or all lie within a decade).

    `steps` gives, per curve, the epochs between its points (long runs arrive subsampled).
    The first bounds.MAX_CURVES curves are drawn, each with at most bounds.MAX_POINTS points."""
    data, spacing = {}, {}
    for key, values in islice(lines.items(), bounds.MAX_CURVES):
        points, every = bounds.curve(values)
        s = series(points)
        if s is not None and np.any(np.isfinite(s)):
            label, step = str(key)[:bounds.MAX_LABEL], (steps or {}).get(key, 1)
            data[label] = s
            spacing[label] = every * (step if isinstance(step, int) and 0 < step <= 10 ** 9 else 1)
    if not data:
        return None
    fig = Figure(figsize=(6, 3.6))
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
    ax = fig.add_subplot()
    for label, s in data.items():
        ax.plot(np.arange(s.size) * spacing[label], s, label=label, linewidth=1.4)
    finite = np.concatenate([s[np.isfinite(s)] for s in data.values()])
    # Log scale shows the late, slow part of training; within one decade it
    # only adds unreadable minor-tick labels, so stay linear there.
    if np.all(finite > 0) and finite.max() > 10 * finite.min():
        ax.set_yscale("log")
    else:  # a flat curve would read 1e-6+2.50001e-1 with matplotlib's offset: write the losses themselves
        ax.yaxis.set_major_formatter(ScalarFormatter(useOffset=False))
    ax.set(title=title, xlabel="epoch", ylabel="loss")
    ax.grid(True, alpha=0.3)
    if len(data) > 1:
        ax.legend(fontsize=8)
    return _png(fig)


def decision_boundary(p: Mapping[str, np.ndarray], title: str, extent: tuple[float, float, float, float],
                      points: tuple[np.ndarray, np.ndarray] | None = None) -> bytes | None:
    """The network's output over the plane, its 0.5 contour, and the training points if given."""
    if p["W1"].shape[0] != 2 or p["W2"].shape[1] != 1:
        return None  # only a 2-D input with one output is a picture
    x0, x1, y0, y1 = extent
    if points is not None:
        every = max(1, -(-len(points[0]) // bounds.MAX_SAMPLES))
        points = points[0][::every], points[1][::every]
        X = points[0]
        pad = 0.1 * max(np.ptp(X[:, 0]), np.ptp(X[:, 1]), 1e-9) + (0.3 if len(X) < 20 else 0)
        x0, x1, y0, y1 = X[:, 0].min() - pad, X[:, 0].max() + pad, X[:, 1].min() - pad, X[:, 1].max() + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    out = forward(p, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    fig = Figure(figsize=(4.8, 4))
    fig.subplots_adjust(left=0.13, right=0.95, bottom=0.12, top=0.92)
    ax = fig.add_subplot()
    filled = ax.contourf(gx, gy, out, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.75)
    ax.contour(gx, gy, out, levels=[0.5], colors="k", linewidths=1)
    fig.colorbar(filled, ax=ax, label="output a2")
    if points is not None:
        X, y = points
        for label, marker in ((0, "o"), (1, "s")):
            mask = y.ravel() > 0.5 if label else y.ravel() <= 0.5
            ax.scatter(X[mask, 0], X[mask, 1], marker=marker, s=14 if len(X) > 20 else 80, edgecolors="k",
                       linewidths=0.5,
                       c="tab:red" if label else "tab:blue", label=f"class {label}")
        ax.legend(fontsize=8, loc="lower left", framealpha=0.9)
    ax.set(title=title, xlabel="x1", ylabel="x2", aspect="equal")
    return _png(fig)


def heatmaps(p: Mapping[str, np.ndarray], title: str) -> bytes:
    """W1 and W2 side by side, on one symmetric colour scale so signs and sizes compare."""
    W1, W2 = p["W1"], p["W2"]
    limit = max(float(np.abs(W1).max()), float(np.abs(W2).max()), 1e-12)
    fig = Figure(figsize=(7, 3.2))
    fig.subplots_adjust(left=0.1, right=0.84, bottom=0.16, top=0.8, wspace=0.4)
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [max(W1.shape[1], 1), max(W2.shape[1] * 3, 3)]})
    for ax, W, name in ((axes[0], W1, "W1"), (axes[1], W2, "W2")):
        image = ax.imshow(W, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
        ax.set(title=f"{name} {W.shape[0]}×{W.shape[1]}", xlabel="to unit", ylabel="from unit")
        for axis, n in ((ax.xaxis, W.shape[1]), (ax.yaxis, W.shape[0])):
            axis.set_major_locator(FixedLocator(range(n)) if n <= 10 else MaxNLocator(integer=True))
    fig.colorbar(image, ax=list(axes), shrink=0.9)
    fig.suptitle(title)
    return _png(fig)


def relative_errors(errors: Mapping[str, Any], tolerance: float | None) -> bytes | None:
    """One bar per parameter: relative error of backward's gradient against finite differences."""
    names, values = [], []
    for name, value in islice(errors.items(), bounds.MAX_BARS):
        s = series(value)
        if s is not None and s.size == 1 and np.isfinite(s[0]):
            names.append(str(name)[:bounds.MAX_LABEL])
            values.append(max(float(s[0]), 1e-18))  # log scale: an exact 0 shows as the floor
    if not names:
        return None
    fig = Figure(figsize=(5, 3.2))
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.12, top=0.9)
    ax = fig.add_subplot()
    ok = [tolerance is None or v <= tolerance for v in values]
    ax.bar(names, values, color=["tab:green" if good else "tab:red" for good in ok])
    ax.set_yscale("log")
    ax.set_ylim(top=30 * max(values + ([tolerance] if tolerance else [])))  # headroom for the legend
    if tolerance:
        ax.axhline(tolerance, color="k", linestyle="--", linewidth=1, label=f"tolerance {tolerance:g}")
        ax.legend(fontsize=8)
    ax.set(title="gradient check: relative error per parameter", ylabel="relative error")
    return _png(fig)
