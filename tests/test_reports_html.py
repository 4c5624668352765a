"""The HTML report: escaping, figures from bad data, and every image decoding in a real browser."""
from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader import cli, wire
from grader.report import figures, html_report
from tests.test_reports import REPO, sample_result

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and Path(p).exists()), None)
IMG_SRC = re.compile(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


def tiny_png() -> str:
    from matplotlib.figure import Figure
    buffer = io.BytesIO()
    Figure(figsize=(1, 1)).savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def with_artifacts(**artifacts):
    return replace(sample_result(), artifacts=artifacts)


def params(W1, W2):
    W1, W2 = np.asarray(W1, float), np.asarray(W2, float)
    return {"W1": wire.encode(W1), "b1": wire.encode(np.zeros((1, W1.shape[1]))),
            "W2": wire.encode(W2), "b2": wire.encode(np.zeros((1, W2.shape[1])))}


def test_student_text_is_escaped():
    page = html_report.render(sample_result())
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "hello &lt;b&gt;student&lt;/b&gt;" in page
    assert page.count("<h3>") == 6  # one detail section per check that lost points


def test_figures_from_artifacts_and_measured_data():
    page = html_report.render(with_artifacts(
        xor={"losses": list(np.geomspace(0.3, 0.003, 200)), "final": params([[5, -5], [5, -5]], [[8], [8]])},
        hyperparameters={"small": [0.3, 0.2, 0.1], "large": [0.3, 0.1, 0.01]},
        **{"plots.loss": {"png": tiny_png()}}))
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert captions == ["Training loss with your train_step, from the grader&#x27;s starting weights",
                        "xor: decision boundary of your final weights", "xor: final weights",
                        "network.backward: your gradients against finite differences",
                        "explore_hyperparameters: one loss curve per configuration",
                        "your plot_loss (drawn by your code)"]
    for data in IMG_SRC.findall(page):
        assert base64.b64decode(data).startswith(html_report.PNG_SIGNATURE)


def test_loss_curve_epochs_follow_the_subsampling_step(monkeypatch):
    from matplotlib.figure import Figure
    drawn, savefig = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: drawn.append(fig) or savefig(fig, *a, **k))
    figures.curves({"xor": [1.0, 0.1, 0.01]}, "loss", {"xor": 500})
    assert list(drawn[0].axes[0].lines[0].get_xdata()) == [0, 500, 1000]


def test_a_nearly_flat_loss_curve_has_plain_tick_labels(monkeypatch):
    from matplotlib.figure import Figure
    drawn, savefig = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: drawn.append(fig) or savefig(fig, *a, **k))
    flat = list(0.250001 + 1e-6 * np.linspace(1, 0, 30))  # the hyperparameter figure over 30 epochs
    figures.curves({"lr=0.001": flat}, "hyperparameters")
    axis = drawn[0].axes[0].yaxis
    labels = [label.get_text() for label in axis.get_ticklabels()]
    assert axis.get_offset_text().get_text() == "" and labels
    assert all(label.startswith("0.25") for label in labels), labels


@pytest.mark.parametrize("artifacts", [
    {"xor": {"losses": "not a list", "final": {"W1": {"__object__": "evil"}}}},
    {"xor": {"losses": [[1, 2], [3]], "final": params([[1, 2]], [[1], [2], [3]])}},  # shapes do not chain
    {"xor": {"losses": [float("nan"), -1.0, 0.0, None], "final": None, "loss_step": "x"}},
    {"spiral": {"losses": [], "final": params(np.ones((3, 2)), np.ones((2, 1)))}},  # 3 inputs: no boundary
    {"hyperparameters": {"a": {"nested": 1}}, "plots.loss": {"png": base64.b64encode(b"GIF89a").decode()}},
    {"plots.decision_boundary": {"png": "<script>alert(1)</script>"}},
])
def test_bad_artifacts_lose_a_figure_not_the_report(artifacts):
    page = html_report.render(with_artifacts(**artifacts))
    assert page.endswith("</body></html>\n") and "<script>" not in page
    for data in IMG_SRC.findall(page):
        assert base64.b64decode(data).startswith(html_report.PNG_SIGNATURE)


def test_student_png_is_checked():
    assert html_report.student_png(tiny_png()).startswith(html_report.PNG_SIGNATURE)
    assert html_report.student_png("not base64!") is None
    assert html_report.student_png(base64.b64encode(b"<svg onload=alert(1)>").decode()) is None
    assert html_report.student_png(None) is None


def test_decision_boundary_uses_the_lesson_forward_pass():
    p = figures.params(params([[20, -20], [20, -20]], [[1], [1]]))
    # z1 = (40, -40) or (0, 0); either way a1 sums to 1, so a2 = sigmoid(1).
    a2 = figures.forward(p, np.array([[0.0, 0.0], [1.0, 1.0]]))
    np.testing.assert_allclose(a2, np.full((2, 1), 1 / (1 + np.exp(-1))))


@pytest.fixture(scope="module")
def reference_html(tmp_path_factory, graded) -> Path:
    """The reference's report, as --html writes it (graded once per session, see conftest)."""
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(cli.html(graded(REPO / "reference")))
    return path


def test_cli_html_flag_writes_the_report(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    path = tmp_path / "report.html"
    template = REPO / "student_template" / "backprop.py"
    assert cli.main([str(template), "--html", str(path)], out, err, env={}) == 0, err.getvalue()
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Total: 0 / 100" in page


def test_reference_report_has_every_figure(reference_html):
    page = reference_html.read_text()
    assert len(IMG_SRC.findall(page)) == 9  # loss, 2 boundaries, 2 heatmaps, gradient check, hyper, 2 student plots
    assert "Total: 100 / 100" in page


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_every_image_decodes_in_chromium(reference_html, tmp_path):
    # After load, write each image's decoded width into the DOM, where --dump-dom shows it.
    probe = ("<script>window.addEventListener('load', () => { const out = document.createElement('pre');"
             "out.id = 'widths'; out.textContent = [...document.images].map(i => i.naturalWidth).join(',');"
             "document.body.appendChild(out); });</script>")
    page = tmp_path / "page.html"
    page.write_text(reference_html.read_text().replace("</body>", probe + "</body>"))
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
               page.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    widths = re.search(r'<pre id="widths">([\d,]*)</pre>', dom)
    assert widths, f"no widths in the dumped DOM: {dom[:500]!r}"
    widths = [int(w) for w in widths.group(1).split(",")]
    assert len(widths) == 9 and all(w > 0 for w in widths), widths
