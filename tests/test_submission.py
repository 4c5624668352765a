"""Finding a submission and reading notebooks: magics skipped, cells kept in order."""
import nbformat
import pytest

from grader import submission
from grader.submission import SubmissionError, strip_magics


def write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)


def test_folder_with_backprop_py_wins_over_notebooks(tmp_path):
    (tmp_path / "backprop.py").write_text("x = 1\n")
    write_notebook(tmp_path / "work.ipynb", "x = 2")
    assert submission.find(tmp_path).name == "backprop.py"


def test_single_notebook_in_a_folder_is_found_and_checkpoints_ignored(tmp_path):
    write_notebook(tmp_path / "mine.ipynb", "x = 2")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    assert submission.find(tmp_path).name == "mine.ipynb"


def test_a_file_of_another_kind_is_refused(tmp_path):
    other = tmp_path / "backprop.txt"
    other.write_text("")
    with pytest.raises(SubmissionError, match="neither a .py file nor a notebook"):
        submission.find(other)


def test_magics_shell_escapes_and_help_are_blanked_with_notes():
    code, skipped = strip_magics("%matplotlib inline\nimport numpy as np\n!pip install numpy\nnp.mean?\nx = 1")
    assert code.splitlines() == ["", "import numpy as np", "", "", "x = 1"]
    assert skipped == ["%matplotlib inline", "!pip install numpy", "np.mean?"]


def test_cell_magic_drops_the_whole_cell():
    code, skipped = strip_magics("%%bash\nrm -rf /\n")
    assert code == "" and skipped == ["%%bash"]


def test_notebook_cells_load_in_order_with_notes(tmp_path):
    write_notebook(tmp_path / "nb.ipynb", "%matplotlib inline\nimport numpy as np", "", "def f():\n    return 1")
    source = submission.load(tmp_path)
    assert source.kind == "notebook"
    assert [c.label for c in source.cells] == ["cell 1", "cell 3"]
    assert source.notes == ("cell 1: skipped IPython line '%matplotlib inline'",)


def test_digest_changes_with_the_code_only(tmp_path):
    (tmp_path / "backprop.py").write_text("x = 1\n")
    first = submission.load(tmp_path).digest
    (tmp_path / "backprop.py").write_text("x = 2\n")
    assert submission.load(tmp_path).digest != first
