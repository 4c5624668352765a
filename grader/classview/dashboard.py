"""DIR/index.html: the class on one static page that opens from a file share.

Everything is inline (CSS, a few lines of JavaScript to sort the student
table, the charts as SVG data: URIs) and a Content-Security-Policy forbids
every fetch, so the page needs no server and no network. Everything a
student chose (names, messages, code) is escaped. It reads results, the
similar pairs and DIR/changes.csv; it grades nothing.
"""
from __future__ import annotations

import csv
import statistics
from html import escape
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

from grader.backprop.diagnosis import label
from grader.classview import charts, similarity
from grader.classview.similarity import Pair, Snippet
from grader.report.misconceptions import diagnosed, flag_codes, group
from grader.report.points import shown
from grader.report.roster import Entry
from grader.results import Status

CHANGES = "changes.csv"
PAIRS_SHOWN = similarity.DETAILED  #: pairs with their code on the page; similarity.csv has them all
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

STYLE = """
body { font-family: sans-serif; margin: 2em; max-width: 75em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.n { text-align: right; }
table.sortable th { cursor: pointer; background: #f3f3f3; }
table.sortable th[aria-sort=ascending]::after { content: " ▲"; }
table.sortable th[aria-sort=descending]::after { content: " ▼"; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f8f8f8; padding: 0.4em; overflow-x: auto; font-size: 85%; }
mark { background: #ffe08a; }
.note { color: #666; }
"""

# Sorts by data-sort when a cell has one (numbers), else by text; empty cells last either way.
SCRIPT = """
function sortTable(table, column) {
  const header = table.tHead.rows[0].cells[column];
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  for (const th of table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const key = row => { const c = row.cells[column]; return c.dataset.sort ?? c.textContent.trim(); };
  const rows = [...table.tBodies[0].rows];
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === "" || y === "") return (x === "") - (y === "");
    const nx = Number(x), ny = Number(y);
    const order = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
    return ascending ? order : -order;
  });
  for (const row of rows) table.tBodies[0].appendChild(row);
}
for (const table of document.querySelectorAll("table.sortable"))
  for (const [i, th] of [...table.tHead.rows[0].cells].entries())
    th.addEventListener("click", () => sortTable(table, i));
"""


def _e(text) -> str:
    return escape(str(text), quote=True)


def render(out: Path, entries: Sequence[Entry], title: str, pairs: Sequence[Pair] = (),
           compared: int = 0) -> str:
    """The page for the class in `entries`, whose reports are under `out`; `compared` students had code."""
    graded = [e for e in entries if e.result is not None]
    body = [f"<h1>{_e(title)}</h1>", _overview(entries, graded)]
    if graded:
        body += _charts(graded)
    body += _misconceptions(graded) + _flags(graded) + _similar(pairs, len(graded), compared)
    body += _changes(out / CHANGES) + _students(out, entries)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + f"\n<script>{SCRIPT}</script>\n</body></html>\n")


def _overview(entries: Sequence[Entry], graded: Sequence[Entry]) -> str:
    text = f"{len(entries)} students: {len(graded)} graded, {len(entries) - len(graded)} could not be graded."
    if graded:
        totals = [e.result.score for e in graded]
        top = max(e.result.max_score for e in graded)
        text += (f" Mean {shown(statistics.mean(totals))}, median {shown(statistics.median(totals))} "
                 f"of {shown(top)} points.")
    return f"<p>{_e(text)}</p>"


def _charts(graded: Sequence[Entry]) -> list[str]:
    top = max(e.result.max_score for e in graded) or 1
    histogram = charts.histogram([e.result.score / top for e in graded])
    passed: dict[str, list[bool]] = {}
    for e in graded:  # checks in the order results list them: the lesson's
        for c in e.result.checks:
            passed.setdefault(c.name, []).append(c.status is Status.PASSED)
    rates = [(name, sum(v) / len(v)) for name, v in passed.items()]
    return ["<h2>Scores</h2>", f'<img id="histogram" alt="score histogram" src="{charts.data_uri(histogram)}">',
            "<h2>Pass rate per check</h2>", "<p class=\"note\">In lesson order: the share of graded students "
            "who earned every point of the check.</p>",
            f'<img id="pass-rates" alt="pass rate per check" src="{charts.data_uri(charts.pass_rates(rates))}">']


def _misconceptions(graded: Sequence[Entry]) -> list[str]:
    found = group(graded)
    out = ["<h2>Misconceptions</h2>"]
    if not found:
        return out + ["<p>The grader named no bug it recognised.</p>"]
    out.append('<table id="misconceptions"><thead><tr><th>misconception</th><th>students</th><th>who</th>'
               "<th>diagnosed by</th></tr></thead><tbody>")
    for m in found:
        out.append(f"<tr><td>{_e(m.label)} <code>{_e(m.name)}</code></td><td class=\"n\">{len(m.students)}</td>"
                   f"<td>{_e(', '.join(m.students))}</td><td>{_e(', '.join(m.checks))}</td></tr>")
    return out + ["</tbody></table>"]


def _flags(graded: Sequence[Entry]) -> list[str]:
    flagged = [e for e in sorted(graded, key=lambda e: e.identifier) if e.result.flags]
    out = ["<h2>Integrity flags</h2>", f"<p id=\"flag-count\">{len(flagged)} submissions flagged for a person to "
           "review; flags never change a score.</p>"]
    if not flagged:
        return out
    out.append('<table id="flags"><thead><tr><th>student</th><th>flags</th></tr></thead><tbody>')
    for e in flagged:
        items = "".join(f"<li><code>{_e(f.get('code', ''))}</code> {_e(f.get('message', ''))}</li>"
                        for f in e.result.flags if isinstance(f, dict))
        out.append(f"<tr><td>{_e(e.identifier)}</td><td><ul>{items}</ul></td></tr>")
    return out + ["</tbody></table>"]


def _similar(pairs: Sequence[Pair], graded: int, compared: int) -> list[str]:
    out = ["<h2>Similar code</h2>", f"<p class=\"note\">{compared} of {graded} graded submissions compared "
           "(a submission graded before the batch kept code is not); the lesson's code and the template are "
           "left out. Similarity never changes a score.</p>"]
    if not pairs:
        return out + ["<p id=\"pair-count\">No pair above the threshold.</p>"]
    out.append(f"<p id=\"pair-count\">{len(pairs)} pairs above the threshold (all in similarity.csv).</p>")
    for p in pairs[:PAIRS_SHOWN]:
        out.append(f'<details class="similar"><summary>{_e(p.student_a)} and {_e(p.student_b)}: '
                   f"{100 * p.similarity:.0f}% similar</summary><div class=\"pair\">"
                   f"<div><h3>{_e(p.student_a)}</h3>{_snippets(p.a)}</div>"
                   f"<div><h3>{_e(p.student_b)}</h3>{_snippets(p.b)}</div></div></details>")
    if len(pairs) > PAIRS_SHOWN:
        out.append(f"<p>…and {len(pairs) - PAIRS_SHOWN} more in similarity.csv.</p>")
    return out


def _snippets(snippets: Sequence[Snippet]) -> str:
    parts = []
    for s in snippets:
        lines = "\n".join(f"{line.number:4} " + (f"<mark>{_e(line.text)}</mark>" if line.matched else _e(line.text))
                          for line in s.lines)
        parts.append(f"<p class=\"note\">{_e(s.label)}, line {s.lines[0].number}</p><pre>{lines}</pre>")
    return "".join(parts)


def _changes(path: Path) -> list[str]:
    """The regrade's changes.csv as a table; nothing when there is none."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []
    out = ["<h2>Changes since the last run</h2>"]
    if not rows:
        return out + ["<p>No score changed.</p>"]
    out.append('<table id="changes"><thead><tr><th>student</th><th>before</th><th>after</th>'
               "<th>checks changed</th></tr></thead><tbody>")
    for r in rows:
        checks = (r.get("checks_changed") or "").replace(";", "; ")
        out.append(f"<tr><td>{_e(r.get('student') or '')}</td><td class=\"n\">{_e(r.get('before') or '')}</td>"
                   f"<td class=\"n\">{_e(r.get('after') or '')}</td><td>{_e(checks)}</td></tr>")
    return out + ["</tbody></table>"]


def report_link(out: Path, identifier: str) -> str | None:
    """The student's own report, relative to the page: report.html, else report.txt, else error.txt."""
    for name in ("report.html", "report.txt", "error.txt"):
        if (out / identifier / name).is_file():
            return f"{quote(identifier)}/{name}"
    return None


def _students(out: Path, entries: Sequence[Entry]) -> list[str]:
    rows = ['<h2>Students</h2><p class="note">Click a column header to sort.</p>',
            '<table id="students" class="sortable"><thead><tr><th>student</th><th>score</th><th>%</th>'
            "<th>misconceptions</th><th>flags</th><th>error</th><th>report</th></tr></thead><tbody>"]
    for e in sorted(entries, key=lambda e: e.identifier):
        link = report_link(out, e.identifier)
        cell = f'<a href="{_e(link)}">{_e(link.rsplit("/", 1)[1])}</a>' if link else ""
        if e.result is None:
            score = percent = '<td class="n" data-sort=""></td>'
        else:
            share = 100 * e.result.score / e.result.max_score if e.result.max_score else 0
            score = (f'<td class="n" data-sort="{e.result.score:g}">'
                     f"{shown(e.result.score)}/{shown(e.result.max_score)}</td>")
            percent = f'<td class="n" data-sort="{share:.4g}">{share:.0f}%</td>'
        rows.append(f"<tr><td>{_e(e.identifier)}</td>{score}{percent}"
                    f"<td>{_e(', '.join(label(n) for n in diagnosed(e)))}</td>"
                    f"<td>{_e(', '.join(flag_codes(e)))}</td><td>{_e(e.error)}</td><td>{cell}</td></tr>")
    return rows + ["</tbody></table>"]
