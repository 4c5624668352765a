"""A property test of the grader's own readers of submission text: nothing escapes, time stays linear.

The parent reads every submission before any sandbox runs it (syntax
recovery, definitions, integrity flags, annotation lines, notebook cells,
the inert quoting of reports), so its readers get text built to break
them: deep nesting, long lines, unclosed brackets, odd bytes, lone
surrogates, huge notebooks, mixed with lines of the reference. Seeded, so a
failure reproduces. The time bound is generous per byte (a slow machine
passes it): it catches work that grows with the square of the input, which
took a minute on 200 KB, not a slow constant.
"""
from __future__ import annotations

import random
import time

import nbformat
import pytest

from grader import definitions, integrity, submission, syntax
from grader.report import inert, locate
from grader.submission import Cell, SubmissionError
from grader.text import is_clean
from tests.conftest import ROOT

REFERENCE = (ROOT / "reference" / "backprop.py").read_text(encoding="utf-8").splitlines()
ODD = ["\x00", "\x1b[2J", "\r", "\ud800", "\udcff", "\u202e", "\ufeff", "\t", "\x85", "\u2028", "é", "\U0001f600"]
SECONDS, PER_BYTE = 5.0, 50e-6  # per reader call; quadratic work on 200 KB took 65 s


def _piece(rng: random.Random) -> str:
    """One hostile line (or a few)."""
    n = rng.choice([10, 100, 1000, 5000, 20000])
    return rng.choice([
        lambda: "x = " + "(" * min(n, 300) + "1" + ")" * rng.randint(0, min(n, 300)),
        lambda: "y = " + "[" * min(n, 150) + "{" * min(n, 50),
        lambda: "z = " + "1+" * n + "1",
        lambda: "w = " + "-" * n + "1",
        lambda: "v = a" + ".f()" * min(n, 600),
        lambda: "u = a" + ".b" * n,
        lambda: "s = '" + "a" * n * 5 + "'",
        lambda: "f(" * rng.randint(1, 40),
        lambda: "def g(" + ", ".join(f"a{i}" for i in range(min(n, 2000))) + "):",
        lambda: "class C:\n    def m(self:\n        pass\n    def ok(self):\n        return 1",
        lambda: "".join(rng.choice(ODD + list("()[]{}:=+-*/'\"#\\\n x")) for _ in range(min(n, 3000))),
        lambda: rng.choice(["%magic", "!ls", "?np.mean", "np.mean?", "-" * n + "?", "%%bash"]),
        lambda: "\n".join(REFERENCE[rng.randrange(len(REFERENCE)):][:rng.randint(1, 60)]),
    ])()


def hostile_text(seed: int) -> str:
    rng = random.Random(seed)
    lines = [_piece(rng) for _ in range(rng.randint(1, 40))]
    if rng.random() < 0.3:
        lines.insert(0, "\n".join(REFERENCE))
    text = "\n".join(lines)
    return text * rng.choice([1, 1, 2, 10])


def _timed(call, size: int):
    started = time.monotonic()
    result = call()
    seconds = time.monotonic() - started
    assert seconds < SECONDS + PER_BYTE * size, f"{seconds:.1f} s on {size} characters"
    return result


def _read_all(code: str) -> None:
    size = len(code)
    for whole in (False, True):
        _timed(lambda: syntax.parse("cell", code, whole, []), size)
        _timed(lambda: definitions.split([("cell", code)], whole, ("sigmoid",)), size)
    flags = _timed(lambda: integrity.scan([Cell("backprop.py", code)]), size)
    assert all(is_clean(f["message"]) for f in flags)
    _timed(lambda: integrity.definition([Cell("backprop.py", code)], "NeuralNetwork.backward"), size)
    _timed(lambda: locate.definition_lines(code), size)
    stripped, _ = _timed(lambda: submission.strip_magics(code), size)
    assert is_clean(inert.text(stripped)) and is_clean(submission.cell_label(1, code))
    assert "\n" not in inert.line(code)


def _loaded(path):
    """(the submission, None), or (None, the one-line refusal)."""
    try:
        return submission.load(path), None
    except SubmissionError as error:
        return None, str(error)


@pytest.mark.parametrize("seed", range(40))
def test_hostile_text_never_escapes_a_reader(seed):
    _read_all(hostile_text(seed))


def test_the_cases_that_were_superlinear_are_linear():
    """A chain of calls (the call check walked it again under each call), a chain of attributes (the flags
    resolved it again under each link), 10,000 broken lines (recovery re-parsed them all)."""
    for code in ("x = a" + ".f()" * 500 + "\n") * 100, ("x = a" + ".b" * 900 + "\n") * 200, "f(f(\n" * 40_000:
        _read_all(code)


def test_recovery_stops_at_its_budget_and_says_so():
    broken = []
    code, tree = syntax.parse("backprop.py", "def ok():\n    return 1\n" + "f(\n" * 10_000, False, broken)
    assert tree is not None and [n.name for n in tree.body] == ["ok"]
    assert len(broken) == syntax.MAX_BROKEN + 1 and broken[-1].message.startswith("not read: too many pieces")
    assert broken[-1].line == syntax.MAX_BROKEN + 3


@pytest.mark.parametrize("seed", range(6))
def test_a_huge_notebook_of_hostile_cells_loads_or_is_refused_in_one_line(tmp_path, seed):
    rng = random.Random(seed)
    cells = [nbformat.v4.new_code_cell(_piece(rng)) for _ in range(rng.choice([10, 500, 3000]))]
    path = tmp_path / "n.ipynb"
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=cells)), encoding="utf-8", errors="surrogatepass")
    source, refusal = _timed(lambda: _loaded(path), path.stat().st_size)
    if refusal is not None:
        assert "\n" not in refusal
    else:
        assert all(is_clean(c.code) and is_clean(c.label) for c in source.cells)
        _timed(lambda: definitions.split([(c.label, c.code) for c in source.cells], True), path.stat().st_size)
        _timed(lambda: integrity.scan(source.cells), path.stat().st_size)


@pytest.mark.parametrize("seed", range(6))
def test_odd_bytes_in_a_python_file_load_or_are_refused_in_one_line(tmp_path, seed):
    rng = random.Random(seed)
    data = hostile_text(seed).encode("utf-8", "surrogatepass") + bytes(rng.randrange(256) for _ in range(50))
    path = tmp_path / "backprop.py"
    path.write_bytes(data[:submission.MAX_SOURCE_BYTES])
    source, refusal = _loaded(path)
    if refusal is not None:
        assert "\n" not in refusal and is_clean(refusal)
    else:
        _read_all(source.cells[0].code)
