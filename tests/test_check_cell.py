"""The README's check cell is a student's tool: skipped like plt.show(), with no flag and no note."""
import nbformat
import pytest

from grader import definitions, integrity
from grader.check_cell import is_check_cell
from grader.submission import Cell
from tests.conftest import ROOT, load_module
from tests.submissions import mutants

FAST = ROOT / "tests" / "fast_limits.toml"
make_template = load_module(ROOT / "tools" / "make_template.py", "make_template")


def filled_template(cell: str):
    """The template notebook as make_template builds it, every stub filled in with the reference's code."""
    script = "\n".join(l for l in mutants.REFERENCE.read_text().splitlines() if not mutants.MARKER.match(l)) + "\n"
    nb = nbformat.reads(make_template.make_notebook(script), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(cell))
    return nb


@pytest.mark.parametrize("cell", ["from grader import check\ncheck()", "import grader; grader.check()"])
def test_a_filled_template_ending_in_the_readme_check_cell_scores_100_with_no_flag_and_no_note(tmp_path, graded,
                                                                                              cell):
    nbformat.write(filled_template(cell), tmp_path / "backprop.ipynb")
    result = graded(tmp_path / "backprop.ipynb", FAST)
    assert result.score == 100 and result.flags == ()
    without = filled_template("")
    without.cells.pop()
    before = definitions.split([(f"c{i}", c.source) for i, c in enumerate(without.cells) if c.cell_type == "code"],
                               True)
    skipped = sum(c.role == "skipped" for c in before.chunks) + len(cell.replace(";", "\n").splitlines())
    notes = [n for n in result.notes if not n.startswith("your code ran confined")]
    assert notes == [notes[0]] and notes[0].startswith(f"not run: {skipped} top-level statement(s)"), result.notes


@pytest.mark.parametrize("code", ["from grader import check\ncheck()", "from grader import check; check()",
                                  "import grader; grader.check()", "import grader as g\nr = g.check('a.ipynb')",
                                  "check()"])
def test_every_way_of_calling_check_is_the_check_cell(code):
    assert is_check_cell(code)
    assert integrity.scan([Cell("code cell 9", code)]) == ()


@pytest.mark.parametrize("code", ["import grader", "from grader import sandbox\ncheck()",
                                  "from grader import check\ncheck()\nimport probes",
                                  "import grader.wire\ngrader.check()", "from grader import check\ncheck(open('x'))"])
def test_any_other_import_of_the_grader_is_still_flagged(code):
    assert not is_check_cell(code)
    assert any(f["code"] == "imports_grader" for f in integrity.scan([Cell("code cell 9", code)]))
