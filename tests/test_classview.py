"""The class views: misconceptions counted, gradebook columns, similarity, and the dashboard.

Similarity is measured on the corpus: a copy of each correct style with every
variable renamed and the functions shuffled must be caught, and the styles
themselves (written independently, several following the lesson closely)
must not be flagged against each other.
"""
from __future__ import annotations

import ast
import builtins
import csv
import io
import json
import random
import re
import shutil
import subprocess
import tokenize
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from urllib.parse import unquote

import pytest

from grader import classview, submission
from grader.classview import boilerplate, code, dashboard, fingerprint, similarity
from grader.exits import UsageError
from grader.report import class_summary, gradebook_csv
from grader.report.misconceptions import group
from grader.report.roster import Entry
from grader.results import CheckResult, Feedback, Status, SubmissionResult
from tests.test_reports_html import CHROMIUM

REPO = Path(__file__).resolve().parents[1]
CORRECT = REPO / "tests" / "submissions" / "correct"
STYLES = {p.name: p for p in sorted(CORRECT.iterdir()) if p.is_dir()} | {"reference": REPO / "reference"}
HOSTILE = '<img src=x onerror="alert(\'x\')">&'  # a folder name: no slash


def disguise(source: str, seed: int = 0) -> str:
    """A copy as a student hides it: every chosen name renamed, comments blanked, top-level code shuffled."""
    tree = ast.parse(source)
    chosen = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    chosen |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    chosen -= {"self"} | set(dir(builtins))
    rng = random.Random(seed)
    renamed = {name: f"{rng.choice('pqrstuvw')}{i}_{seed}" for i, name in enumerate(sorted(chosen))}
    tokens, previous = [], None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in renamed and previous != ".":
            tok = tok._replace(string=renamed[tok.string])
        elif tok.type == tokenize.COMMENT:
            tok = tok._replace(string="#")
        previous = tok.string
        tokens.append(tok)
    text = tokenize.untokenize(tokens)
    lines, body = text.splitlines(), ast.parse(text).body
    segments = [("\n".join(lines[min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]) - 1:
                                 n.end_lineno]), isinstance(n, (ast.Import, ast.ImportFrom))) for n in body]
    rest = [s for s, is_import in segments if not is_import]
    rng.shuffle(rest)
    return "\n\n\n".join([s for s, is_import in segments if is_import] + rest) + "\n"


def cells_of(path: Path) -> list[code.Cell]:
    return [code.Cell(c.label, c.code) for c in submission.load(path).cells]


@pytest.fixture(scope="module")
def given():
    return similarity.boilerplate_hashes(boilerplate.sources())


@pytest.fixture(scope="module")
def styles(given):
    return {name: similarity.document(name, cells_of(path), given) for name, path in STYLES.items()}


# --- similarity --------------------------------------------------------------

def test_independent_correct_styles_are_not_flagged(styles, given):
    assert similarity.similar_pairs(list(styles.values())) == []
    highest = max(similarity.similarity(a, b) for a, b in combinations(styles.values(), 2))
    assert highest < similarity.THRESHOLD - 0.1, f"an independent pair reaches {highest:.2f}"


@pytest.mark.parametrize("name", [n for n in STYLES if n != "notebook"])
def test_a_disguised_copy_is_flagged_against_its_source_only(name, styles, given):
    original = (STYLES[name] / "backprop.py").read_text()
    copy = disguise(original, seed=len(name))
    assert copy != original and "def " in copy
    suspect = similarity.document("copier", [code.Cell("backprop.py", copy)], given)
    pairs = similarity.similar_pairs([*styles.values(), suspect])
    assert [(p.student_a, p.student_b) for p in pairs] == [tuple(sorted(("copier", name)))]
    assert pairs[0].similarity >= similarity.THRESHOLD
    mine = pairs[0].a if pairs[0].student_a == "copier" else pairs[0].b
    assert any(line.matched for s in mine for line in s.lines)


def test_a_copy_padded_with_more_code_than_it_copied_is_flagged(styles, given):
    """Unrelated code appended, more of it than the copy: the share is of the smaller submission's code."""
    original = (STYLES["xavier_init"] / "backprop.py").read_text()
    padding = "\n\n".join((REPO / "grader" / name).read_text() for name in ("batch.py", "definitions.py"))
    padded = disguise(original, seed=3) + "\n\n" + padding
    suspect = similarity.document("padder", [code.Cell("backprop.py", padded)], given)
    assert len(suspect.fingerprints) > 2 * len(styles["xavier_init"].fingerprints)  # over half is padding
    pairs = similarity.similar_pairs([*styles.values(), suspect])
    assert [(p.student_a, p.student_b) for p in pairs] == [("padder", "xavier_init")]
    assert pairs[0].similarity >= similarity.THRESHOLD


def test_tokens_keep_the_code_and_forget_the_names_a_student_chose():
    texts = [t.text for t in fingerprint.tokens(["total = np.dot(W, x) + 1 - 'a'  # mine\nif ok: pass\n"])]
    assert texts == ["V", "=", "V", ".", "dot", "(", "V", ",", "V", ")", "+", "1", "-", "S", ";",
                     "if", "V", ":", "pass", ";"]
    renamed = fingerprint.tokens(["s = numpy.dot(A, b) + 1 - 'z'\nif good: pass\n"])
    assert [t.text for t in renamed] == texts and [t.line for t in renamed] == [1] * 15 + [2] * 5


def test_winnowing_finds_every_match_of_19_tokens():
    """K + W - 1 = 19 tokens are 8 consecutive k-gram hashes: any such run shares a fingerprint."""
    rng = random.Random(0)
    assert fingerprint.K == 12
    for _ in range(200):
        shared = [rng.getrandbits(60) for _ in range(8)]
        a = [rng.getrandbits(60) for _ in range(30)] + shared + [rng.getrandbits(60) for _ in range(30)]
        b = [rng.getrandbits(60) for _ in range(5)] + shared
        assert fingerprint.winnow(a) & fingerprint.winnow(b)


def test_winnowing_keeps_the_smallest_of_each_full_window_only():
    assert fingerprint.winnow(list(range(10, 0, -1)), w=8) == {3, 2, 1}  # windows end at the 8th, 9th, 10th
    assert fingerprint.winnow(list(range(10)), w=8) == {0, 1, 2}


def test_only_the_most_similar_pairs_get_their_matching_code(styles, given):
    copies = [similarity.document(f"copy{i}", [code.Cell("backprop.py", disguise(
        (STYLES["xavier_init"] / "backprop.py").read_text(), seed=i))], given) for i in range(3)]
    pairs = similarity.similar_pairs(copies, detailed=1)
    assert len(pairs) == 3 and pairs[0].a and pairs[0].b and not any(p.a or p.b for p in pairs[1:])


def test_the_matching_code_is_the_copied_lines_with_one_line_around_them(given):
    copied = (STYLES["xavier_init"] / "backprop.py").read_text().split("\nclass ")[1].split("\n\n\n")[0]
    copied = "class " + copied
    mine = "def first(a):\n    return a\n\n" + copied + "\n\ndef last(b):\n    return b\n"
    theirs = copied + "\n"
    a = similarity.document("a", [code.Cell("backprop.py", mine)], given)
    b = similarity.document("b", [code.Cell("backprop.py", theirs)], given)
    (snippet,) = similarity.snippets(a, a.every & b.every)
    lines = mine.splitlines()
    matched = [line.number for line in snippet.lines if line.matched]
    assert snippet.label == "backprop.py" and all(line.text == lines[line.number - 1] for line in snippet.lines)
    start, end = 4, 3 + len(copied.splitlines())
    assert matched[0] == start and matched[-1] <= end and matched[-1] > end - 5  # the copy, not the padding
    shown = [line.number for line in snippet.lines]
    assert shown[0] == start - 1 and shown[-1] == matched[-1] + 1  # one unmatched line of context each side
    assert not snippet.lines[0].matched and not snippet.lines[-1].matched


def test_a_notebook_copy_of_a_script_is_flagged(styles, given):
    source = (STYLES["half_se"] / "backprop.py").read_text()
    chunks = [disguise(source, 7)[i:i + 2000] for i in range(0, 6000, 2000)]  # cells split anywhere
    notebook = similarity.document("nb", [code.Cell(f"cell {i}", c) for i, c in enumerate(chunks)], given)
    assert similarity.similarity(notebook, styles["half_se"]) >= similarity.THRESHOLD


def test_the_template_and_the_lesson_are_no_evidence(given):
    template = cells_of(REPO / "student_template" / "backprop.py")
    lesson = [code.Cell("lesson", (boilerplate.HERE / "lesson.py").read_text())]
    docs = [similarity.document(n, cells, given) for n, cells in
            (("a", template), ("b", template), ("c", lesson), ("d", lesson),
             ("e", cells_of(REPO / "student_template" / "backprop.ipynb")))]
    assert similarity.similar_pairs(docs) == []


def test_a_course_boilerplate_file_is_left_out(tmp_path, styles):
    starter = tmp_path / "starter.py"
    starter.write_text((STYLES["xavier_init"] / "backprop.py").read_text())  # the course hands this out
    both = [similarity.document(n, cells_of(STYLES["xavier_init"]), similarity.boilerplate_hashes(
        boilerplate.sources())) for n in ("a", "b")]
    assert similarity.similar_pairs(both)
    given = similarity.boilerplate_hashes(boilerplate.sources([starter]))
    both = [similarity.document(n, cells_of(STYLES["xavier_init"]), given) for n in ("a", "b")]
    assert similarity.similar_pairs(both) == []


def test_a_missing_boilerplate_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="boilerplate .*no such file"):
        boilerplate.sources([tmp_path / "nope.py"])


def test_boilerplate_copies_match_the_template():
    assert (boilerplate.HERE / "template.py").read_text() == (REPO / "student_template" / "backprop.py").read_text()
    notebook = "\n\n".join(c.code.rstrip("\n") + "\n" for c in cells_of(REPO / "student_template" / "backprop.ipynb"))
    assert (boilerplate.HERE / "template_notebook.py").read_text() == notebook, \
        "stale copy: run python tools/make_template.py"
    lesson = REPO.parent / "shared" / "lesson-week2-day7.md"  # beside the checkout while it is developed
    if lesson.is_file():
        blocks = re.findall(r"```python\n(.*?)```", lesson.read_text(), re.S)
        assert all(b.strip() in (boilerplate.HERE / "lesson.py").read_text() for b in blocks)


def test_code_json_of_another_submission_is_ignored(tmp_path):
    shutil.copytree(STYLES["half_se"], tmp_path / "class" / "a")
    (tmp_path / "out" / "a").mkdir(parents=True)  # the batch makes each student's folder
    code.save(tmp_path / "out" / "a", tmp_path / "class" / "a")
    digest = submission.load(tmp_path / "class" / "a").digest
    assert code.load(tmp_path / "out" / "a", digest)[0].label == "backprop.py"
    assert code.load(tmp_path / "out" / "a", "0" * 64) is None
    (tmp_path / "out" / "a" / code.CODE).write_text("{not json")
    assert code.load(tmp_path / "out" / "a", digest) is None


# --- misconceptions and the gradebook -------------------------------------------

def result(score: float, diagnosed=(), flags=(), digest="ab" * 32) -> SubmissionResult:
    checks = (
        CheckResult("sigmoid.values", "sigmoid", 4, 4 if "sigmoid_sign" not in diagnosed else 0,
                    Status.PASSED if "sigmoid_sign" not in diagnosed else Status.FAILED, Feedback("s"),
                    diagnosed=tuple(d for d in diagnosed if d == "sigmoid_sign")),
        CheckResult("network.backward", "backward", 96, score, Status.PASSED if score == 96 else Status.FAILED,
                    Feedback("b"), diagnosed=tuple(d for d in diagnosed if d != "sigmoid_sign")),
    )
    return SubmissionResult("x", "python", digest, checks, flags=tuple(flags))


def klass() -> list[Entry]:
    flag = {"code": "reads_grader", "message": f"opens {HOSTILE}", "where": {"cell": 1, "line": 3}}
    return [Entry("ann", result(0, ("no_mean",))), Entry("ben", result(0, ("no_mean", "sigmoid_sign"))),
            Entry("cy", result(96)), Entry("dee", result(48, ("sign",), [flag])),
            Entry(HOSTILE, result(0, ("no_mean",))), Entry("eve", None, "no backprop.py")]


def test_misconceptions_count_students_per_diagnosed_bug():
    found = {m.name: m for m in group(klass())}
    assert list(found) == ["no_mean", "sigmoid_sign", "sign"]
    assert found["no_mean"].label == "missing 1/m" and found["no_mean"].students == (HOSTILE, "ann", "ben")
    assert found["no_mean"].checks == ("network.backward",) and found["sigmoid_sign"].checks == ("sigmoid.values",)


def test_gradebook_has_diagnosed_and_flags_columns():
    rows = {r["identifier"]: r for r in csv.DictReader(io.StringIO(gradebook_csv.render(klass())))}
    assert rows["ben"]["diagnosed"] == "sigmoid_sign;no_mean" and rows["ben"]["flags"] == ""
    assert rows["dee"]["diagnosed"] == "sign" and rows["dee"]["flags"] == "reads_grader"
    assert rows["cy"]["diagnosed"] == "" and rows["eve"]["error"] == "no backprop.py"


def test_summary_lists_misconceptions_and_flags():
    summary = class_summary.render(klass())
    assert "| missing 1/m (`no_mean`) | 3 | &lt;img src=x onerror=\"alert('x')\">&, ann, ben |" in summary
    assert "1 submission(s) flagged" in summary and "| dee | reads_grader |" in summary


def test_backward_names_the_bug_it_diagnosed(bug, graded):
    checks = {c.name: c for c in graded(bug("missing_1_over_m")).checks}
    assert checks["network.backward"].diagnosed == ("no_mean",)
    assert all(not c.diagnosed for name, c in checks.items() if name != "network.backward")


# --- the dashboard ----------------------------------------------------------

@pytest.fixture
def class_out(tmp_path) -> tuple[Path, list[Entry]]:
    """An output folder as a batch leaves it: reports, code.json (one copy among them), a changes.csv."""
    out = tmp_path / "out"
    entries = klass()
    sources = {"ann": STYLES["half_se"], "ben": STYLES["lesson_ce"], "cy": STYLES["xavier_init"]}
    copier = tmp_path / "copier"
    copier.mkdir()
    (copier / "backprop.py").write_text(disguise((STYLES["xavier_init"] / "backprop.py").read_text(), 3))
    sources["dee"] = copier
    for i, entry in enumerate(entries):
        folder = out / entry.identifier
        folder.mkdir(parents=True)
        (folder / ("report.html" if i % 2 else "report.txt")).write_text("report")
        if entry.identifier in sources:
            code.save(folder, sources[entry.identifier])
            digest = submission.load(sources[entry.identifier]).digest
            entries[i] = entry._replace(result=replace(entry.result, digest=digest))
    (out / "changes.csv").write_text(f"student,before,after,checks_changed\n{HOSTILE},10,20,a:1->2;b:3->4\n")
    return out, entries


def test_write_adds_the_dashboard_and_similarity_csv(class_out):
    out, entries = class_out
    written = classview.write(out, entries, "Week 2 <day 7>")
    assert written[0] == out / "index.html" and out / "similarity.csv" in written
    header, *rows = csv.reader(open(out / "similarity.csv"))
    assert header == ["student_a", "student_b", "similarity"] and [r[:2] for r in rows] == [["cy", "dee"]]
    assert float(rows[0][2]) >= similarity.THRESHOLD
    page = (out / "index.html").read_text()
    assert "<img src=x" not in page and "&lt;img src=x onerror=&quot;alert(&#x27;x&#x27;)&quot;&gt;&amp;" in page
    assert "Week 2 &lt;day 7&gt;" in page and "1 submissions flagged" in page
    assert re.search(r"<summary>cy and dee: 9\d% similar</summary>", page) and "<mark>" in page
    assert "<h2>Changes since the last run</h2>" in page  # the changes.csv this write made
    assert "missing 1/m <code>no_mean</code></td><td class=\"n\">3</td>" in page
    assert not re.search(r"https?://|src=\"(?!data:)", page)  # nothing to fetch: it works from a file share


def test_dashboard_shows_changes_csv_escaped(class_out):
    out, entries = class_out
    page = dashboard.render(out, entries, "t")
    assert "<td>&lt;img src=x onerror=&quot;alert(&#x27;x&#x27;)&quot;&gt;&amp;</td><td class=\"n\">10</td>" in page
    assert "a:1-&gt;2; b:3-&gt;4" in page


def test_dashboard_without_changes_csv_has_no_changes_section(class_out):
    out, entries = class_out
    (out / "changes.csv").unlink()
    assert "Changes since the last run" not in dashboard.render(out, entries, "t")


def test_dashboard_links_each_student_report(class_out):
    out, entries = class_out
    page = dashboard.render(out, entries, "t")
    links = re.findall(r'href="([^"]+)"', page)
    assert len(links) == len(entries)
    assert all((out / unquote(link.replace("&amp;", "&"))).is_file() for link in links)
    assert 'href="ann/report.txt"' in page and 'href="ben/report.html"' in page


def chromium_dom(page: Path, tmp_path: Path, script: str) -> str:
    """The DOM after load and `script` ran, as headless Chromium dumps it."""
    probed = page.with_name("probed.html")  # beside the page, so its relative links resolve as they would
    text = page.read_text().replace("</body>", f"<script>window.addEventListener('load', () => {{{script}}});"
                                               "</script></body>")
    probed.write_text(text)
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
               probed.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120).stdout


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_dashboard_in_chromium_images_links_and_sorting(class_out, tmp_path):
    out, entries = class_out
    classview.write(out, entries, "class")
    # The page's CSP allows inline scripts, so the probe runs: image widths, then the order after clicks.
    script = ("const note = (id, text) => { const p = document.createElement('pre'); p.id = id; "
              "p.textContent = text; document.body.appendChild(p); };"
              "note('widths', [...document.images].map(i => i.naturalWidth).join(','));"
              "const names = () => [...document.querySelectorAll('#students tbody tr')]"
              ".map(r => r.cells[0].textContent).join('|');"
              "const score = document.querySelector('#students th:nth-child(2)');"
              "score.click(); note('ascending', names()); score.click(); note('descending', names());"
              "note('hrefs', [...document.links].map(a => a.href).join(' '));")
    dom = chromium_dom(out / "index.html", tmp_path, script)
    widths = re.search(r'<pre id="widths">([\d,]*)</pre>', dom)
    assert widths, f"no widths in the dumped DOM: {dom[:500]!r}"
    assert [int(w) > 0 for w in widths.group(1).split(",")] == [True, True]
    name = "&lt;img src=x onerror=\"alert('x')\"&gt;&amp;"  # as the DOM serialises text
    assert re.search(r'<pre id="ascending">(.*?)</pre>', dom).group(1) == f"ben|{name}|ann|dee|cy|eve"
    assert re.search(r'<pre id="descending">(.*?)</pre>', dom).group(1) == f"cy|dee|{name}|ann|ben|eve"
    hrefs = re.search(r'<pre id="hrefs">(.*?)</pre>', dom).group(1).split()
    assert len(hrefs) == len(entries)
    assert all(Path(unquote(h.removeprefix("file://"))).is_file() for h in hrefs)


def test_a_courses_own_starter_code_given_on_the_command_line_is_not_evidence_of_copying(tmp_path):
    from grader import cli

    helper = (REPO / "reference" / "backprop.py").read_text(encoding="utf-8")  # long, and not the template's
    starter = tmp_path / "starter.py"
    starter.write_text(helper, encoding="utf-8")
    klass = tmp_path / "class"
    for student in ("ann", "ben"):
        (klass / student).mkdir(parents=True)
        (klass / student / "backprop.py").write_text(helper + f"\nOWNER = {student!r}\n", encoding="utf-8")
    pairs = {}
    for run, extra in (("plain", []), ("given", ["--boilerplate", str(starter)])):
        out = tmp_path / run
        assert cli.main([str(klass), "--batch", "--out", str(out), "-j", "2", *extra],
                        stdout=io.StringIO(), stderr=io.StringIO()) == 0
        pairs[run] = list(csv.DictReader(io.StringIO((out / "similarity.csv").read_text())))
    assert [(p["student_a"], p["student_b"]) for p in pairs["plain"]] == [("ann", "ben")]
    assert pairs["given"] == []


@pytest.mark.parametrize("options, phrase", [(["--boilerplate", "missing.py"], "boilerplate missing.py"),
                                             (["--similarity-threshold", "1.5"], "between 0 and 1")])
def test_class_view_options_are_checked_before_anything_is_graded(tmp_path, options, phrase):
    from grader import cli

    stderr = io.StringIO()
    code = cli.main([str(tmp_path), "--batch", "--out", str(tmp_path / "out"), *options],
                    stdout=io.StringIO(), stderr=stderr)
    assert code == 2 and phrase in stderr.getvalue()
    assert not (tmp_path / "out" / "gradebook.csv").exists()
