"""The dashboard's two charts as SVG images in data: URIs: no library, no file beside the page.

An <img> of a data: URI renders from a file share and under a CSP that
forbids every fetch, and a test can ask the browser whether it decoded.
"""
from __future__ import annotations

import base64
from collections import Counter
from html import escape
from typing import Sequence

BINS = 10  #: bars of the score histogram, a tenth of the maximum each; 100% goes in the top bar
BAR = "#4c78a8"
FONT = 'font-family="sans-serif" font-size="11"'


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>{"".join(body)}</svg>')


def histogram(fractions: Sequence[float]) -> str:
    """Students per tenth of the maximum score, as an SVG column chart."""
    counts = Counter(min(int(f * BINS), BINS - 1) for f in fractions)
    top = max(counts.values(), default=0) or 1
    width, height, left, bottom, bar = 460, 220, 30, 30, 40
    plot = height - bottom - 20
    body = [f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#333"/>']
    for b in range(BINS):
        h = round(plot * counts[b] / top)
        x = left + 2 + b * (bar + 2)
        y = height - bottom - h
        body.append(f'<rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="{BAR}"/>')
        body.append(f'<text x="{x + bar / 2}" y="{y - 3}" text-anchor="middle" {FONT}>{counts[b]}</text>')
        body.append(f'<text x="{x + bar / 2}" y="{height - bottom + 14}" text-anchor="middle" {FONT}>'
                    f'{100 * b // BINS}%</text>')
    body.append(f'<text x="{left}" y="{height - 3}" {FONT}>score, as a share of the maximum '
                f'(each bar: 10 points of 100)</text>')
    return _svg(width, height, body, "score histogram")


def pass_rates(rates: Sequence[tuple[str, float]]) -> str:
    """One horizontal bar per check, in the order given: the share of graded students who passed it."""
    row, label_width, bar_width = 20, 230, 300
    width, height = label_width + bar_width + 60, row * len(rates) + 10
    body = []
    for i, (name, rate) in enumerate(rates):
        y = 5 + i * row
        body.append(f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" {FONT}>{escape(name)}</text>')
        body.append(f'<rect x="{label_width}" y="{y + 3}" width="{bar_width}" height="{row - 6}" fill="#eee"/>')
        body.append(f'<rect x="{label_width}" y="{y + 3}" width="{round(bar_width * rate)}" height="{row - 6}" '
                    f'fill="{BAR}"/>')
        body.append(f'<text x="{label_width + bar_width + 6}" y="{y + 14}" {FONT}>{100 * rate:.0f}%</text>')
    return _svg(width, max(height, 20), body, "pass rate per check")
