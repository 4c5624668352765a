"""One self-contained HTML page: score table, feedback, and figures as embedded PNGs.

Figures come from the result's artifacts and measured data (figures.py);
the student's own plots are embedded after checking they are PNGs. Every
piece of text goes through html.escape: feedback quotes the submission.
"""
from __future__ import annotations

import base64
import binascii
import html
from typing import Any, Callable, Mapping

import numpy as np

from grader.report import bounds, figures, flags, inert, root_cause
from grader.report.points import shown
from grader.wire import decode_array
from grader.results import Status, SubmissionResult

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_STUDENT_PNG = 8 * 1024 * 1024
LARGEST_DATA = 100_000  #: training samples worth decoding; figures draw at most bounds.MAX_SAMPLES of them
# Where to draw a boundary when the caller gives no training points: the
# unit square for XOR, the spirals' reach (radius 2 plus noise) otherwise.
EXTENTS = {"xor": (-0.5, 1.5, -0.5, 1.5), "spiral": (-2.8, 2.8, -2.8, 2.8)}
ROW_CLASS = {Status.PASSED: "pass", Status.PARTIAL: "part", Status.FAILED: "fail",
             Status.NOT_IMPLEMENTED: "todo", Status.ERROR: "err", Status.BLOCKED: "todo", Status.GRADER_ERROR: "bug"}
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;
vertical-align:top}td.n{text-align:right;white-space:nowrap}tr.pass td:first-child{border-left:4px solid #2a2}
tr.part td:first-child{border-left:4px solid #d90}tr.fail td:first-child,tr.err td:first-child{border-left:4px solid #c22}
tr.todo td:first-child{border-left:4px solid #999}tr.bug td:first-child{border-left:4px solid #70c}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap}figure{display:inline-block;margin:.5em;
vertical-align:top;max-width:47%}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.85em;color:#555}
.total{font-size:1.4em;font-weight:600}#fix-first{border-left:4px solid #c22;padding:0 1em;background:#fdf3f3}
"""


def _e(text: Any) -> str:
    return html.escape(inert.text(text), quote=True)  # control characters shown, as in every report


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def student_png(data: Any) -> bytes | None:
    """The decoded PNG the submission drew, or None if it is not one."""
    if not isinstance(data, str) or len(data) > MAX_STUDENT_PNG * 4 // 3 + 4:
        return None
    try:
        png = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    return png if png.startswith(PNG_SIGNATURE) else None


def _training_points(run: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """The (X, y) a run trained on, when the artifacts carry them (and they are of a size to draw)."""
    if not (bounds.small_array(run.get("X"), 2 * LARGEST_DATA) and bounds.small_array(run.get("y"), LARGEST_DATA)):
        return None
    try:
        X, y = decode_array(run["X"]), decode_array(run["y"])
    except (KeyError, TypeError, ValueError):
        return None
    return (X, y) if X.ndim == 2 and X.shape[1] == 2 and y.size == X.shape[0] else None


def _training_figures(art: Mapping[str, Any]) -> list[tuple[str, Callable]]:
    """Loss curves of the XOR and spiral runs, and each run's final network over its data."""
    runs = {key: art[key] for key in ("xor", "spiral") if isinstance(art.get(key), dict)}
    losses = {key: run.get("losses") for key, run in runs.items() if run.get("losses") is not None}
    steps = {key: run.get("loss_step", 1) for key, run in runs.items()}
    out = []
    if losses:
        out.append(("Training loss with your train_step, from the grader's starting weights",
                    lambda: figures.curves(losses, "training loss", steps)))
    for key, run in runs.items():
        p = figures.params(run.get("final"))
        if p is not None:
            out += [(f"{key}: decision boundary of your final weights",
                     lambda p=p, key=key, run=run: figures.decision_boundary(
                         p, f"{key}: final network", EXTENTS[key], _training_points(run))),
                    (f"{key}: final weights", lambda p=p, key=key: figures.heatmaps(p, f"{key}: final weights"))]
    return out


def _measured_figures(result: SubmissionResult) -> list[tuple[str, Callable]]:
    """The gradient check's relative error per parameter, from what its judge measured."""
    out = []
    for c in result.checks:
        errors, tolerance = c.measured.get("relative_error"), c.measured.get("tolerance")
        if isinstance(errors, dict) and errors:
            tolerance = float(tolerance) if isinstance(tolerance, (int, float)) else None
            out.append((f"{c.name}: your gradients against finite differences",
                        lambda errors=errors, tolerance=tolerance: figures.relative_errors(errors, tolerance)))
    return out


def _student_figures(art: Mapping[str, Any]) -> list[tuple[str, Callable]]:
    """The hyperparameter curves the submission computed, and the plots it drew itself."""
    out = []
    if isinstance(art.get("hyperparameters"), dict) and art["hyperparameters"]:
        out.append(("explore_hyperparameters: one loss curve per configuration",
                    lambda: figures.curves(art["hyperparameters"], "hyperparameter curves")))
    for key, caption in (("plots.loss", "your plot_loss"), ("plots.decision_boundary", "your plot_decision_boundary")):
        if isinstance(art.get(key), dict):
            out.append((f"{caption} (drawn by your code)", lambda key=key: student_png(art[key].get("png"))))
    return out


def _figures(result: SubmissionResult) -> list[str]:
    art = result.artifacts
    out = []
    for caption, draw in _training_figures(art) + _measured_figures(result) + _student_figures(art):
        try:
            png = draw()
        except Exception as error:  # display only: one figure's failure must not cost the report
            out.append(f"<p><small>{_e(caption)}: not drawn ({_e(type(error).__name__)})</small></p>")
            continue
        if png:
            out.append(f"<figure>{_img(png, caption)}<figcaption>{_e(caption)}</figcaption></figure>")
    return out


def _table(result: SubmissionResult) -> list[str]:
    out = ["<table><tr><th>Check</th><th>Status</th><th>Points</th><th>Feedback</th></tr>"]
    for c in result.checks:
        out.append(f'<tr class="{ROW_CLASS[c.status]}"><td><code>{_e(c.name)}</code><br><small>{_e(c.title)}'
                   f'</small></td><td>{_e(c.status.value.replace("_", " "))}</td>'
                   f'<td class="n">{shown(c.score)} / {shown(c.max_score)}</td><td>{_e(c.feedback.summary)}</td></tr>')
    return out + ["</table>"]


def _details(result: SubmissionResult) -> list[str]:
    if not result.failed:
        return []
    out = ["<h2>Checks that lost points</h2>"]
    for c in result.failed:
        where = f" ({_e(c.where)})" if c.where else ""
        out.append(f"<h3><code>{_e(c.name)}</code>{where}: {shown(c.score)} / {shown(c.max_score)}</h3>"
                   f"<pre>{_e(c.feedback.text())}</pre>")
    return out


def _fix_first(result: SubmissionResult) -> list[str]:
    """What the terminal report opens with, above the flags and the table: in the first screen."""
    if result.score == result.max_score:
        return []
    out = []
    for cause in root_cause.causes(result):
        out.append(f"<p><strong>{_e(inert.line(cause.title))}</strong></p>")
        if cause.lines:
            out.append(f"<pre>{_e(chr(10).join(cause.lines))}</pre>")
        out += [f"<p>{_e(inert.line(line))}</p>" for line in (root_cause.regains(cause), *cause.advice) if line]
    return ['<section id="fix-first"><h2>Fix first</h2>', *out, "</section>"] if out else []


def render(result: SubmissionResult) -> str:
    """The page: score table, feedback, and figures drawn from the result's artifacts."""
    seconds = result.timings.get("total_seconds", 0)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>Grading report: {_e(result.submission)}</title><style>{STYLE}</style></head><body>",
           f"<h1>Grading report: <code>{_e(result.submission)}</code></h1>",
           f'<p class="total">Total: {shown(result.score)} / {shown(result.max_score)}</p>',
           f"<p>{_e(result.source_kind or 'nothing readable')} · graded in {seconds:.1f} s · grader "
           f"{_e(result.grader_version)} · digest <code>{_e(result.digest[:12])}</code></p>"]
    out += _fix_first(result)
    if any(c.status is Status.GRADER_ERROR for c in result.checks):
        out.append("<p><strong>The grader itself failed on a check. This is not your fault: please report it "
                   "to your instructor.</strong></p>")
    if result.flags:
        out += [f"<h2>{_e(flags.HEADING)}</h2>", f"<p><small>{_e(flags.NOTICE)}</small></p>",
                "<ul>", *(f"<li>{_e(flags.line(f))}</li>" for f in result.flags), "</ul>"]
    out += ["<h2>Checks</h2>", *_table(result), *_details(result)]
    drawn = _figures(result)
    if drawn:
        out += ["<h2>Figures</h2>", *drawn]
    if result.notes:
        out += ["<h2>Notes</h2>", f"<pre>{_e(chr(10).join(result.notes))}</pre>"]
    if result.output.strip():
        out += ["<h2>Your code printed</h2>", f"<pre>{_e(result.output)}</pre>"]
    return "\n".join(out + ["</body></html>"]) + "\n"
