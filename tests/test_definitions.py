"""Reading a submission's top level: what a third red team found (hostile sources, read, never run)."""
import time

from grader import definitions, integrity
from grader.submission import Cell
from tests.conftest import ROOT

REFERENCE = (ROOT / "reference" / "backprop.py").read_text(encoding="utf-8")
INTERFACE = ("sigmoid", "NeuralNetwork", "plot_loss")


def _split(code: str):
    return definitions.split([("backprop.py", code)], False, INTERFACE)


def test_a_line_at_column_0_inside_a_string_does_not_break_its_definition():
    code = REFERENCE.replace('def sigmoid(x):\n', 'def sigmoid(x):\n    """Squashes x.\nAt column 0, as docstrings may be.\n    """\n', 1)
    code = code.replace("def plot_loss(losses, ax):", "def plot_loss(losses, ax)", 1)  # the one real error
    split = _split(code)
    assert [b.defines for b in split.broken] == [("plot_loss",)]
    assert "sigmoid" in {n for c in split.chunks for n in c.defines}


def test_an_expression_nested_hundreds_deep_is_read_and_thousands_deep_is_a_syntax_error():
    split = _split(REFERENCE + "\nSCALE = " + "+".join(["1"] * 600) + "\n")
    assert not split.broken and any("SCALE" in c.defines for c in split.chunks)
    split = _split(REFERENCE + "\nx = a" + ".b" * 3000 + "\n")
    assert [b.message for b in split.broken] == ["too deeply nested to compile"]


def test_long_chains_of_statements_cost_linear_time():
    chain = "def g(v):\n    return v\n\nx0 = 1\n" + "".join(f"x{i} = g(x{i - 1})\n" for i in range(1, 3000))
    started = time.monotonic()
    split = _split(chain + "sigmoid = g(x2999)\n")
    assert time.monotonic() - started < 10
    assert sum(c.role == "needed" for c in split.chunks) == 3000  # x1 to x2999, then sigmoid (x0 is a definition)
    defs = "def f0(:\n    pass\n" + "".join(f"def f{i}():\n    return f{i - 1}()\n" for i in range(4000, 0, -1))
    started = time.monotonic()
    dead = definitions.unavailable(_split(defs))
    assert time.monotonic() - started < 10
    assert len(dead) == 4001 and dead["f4000"][0] == "f0"


def test_a_syntax_error_elsewhere_hides_no_integrity_flag():
    code = "import ctypes\n\n\ndef broken(:\n    pass\n"
    assert [f["code"] for f in integrity.scan([Cell("backprop.py", code)])] == ["ctypes"]
