"""Finding a submission and reading notebooks: magics skipped, cells kept in order; files only, never links."""
import os
import socket

import nbformat
import pytest

from grader import submission
from grader.submission import SubmissionError, strip_magics
from tests.test_cli import run as run_cli


def write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)


def test_a_folder_with_backprop_py_and_a_notebook_is_refused_naming_both(tmp_path):
    (tmp_path / "backprop.py").write_text("x = 1\n")
    write_notebook(tmp_path / "work.ipynb", "x = 2")
    with pytest.raises(SubmissionError, match=r"both a \.py file and a notebook \(backprop\.py, work\.ipynb\)"):
        submission.find(tmp_path)
    assert submission.find(tmp_path / "work.ipynb").name == "work.ipynb", "naming the file still works"


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
    assert [c.label for c in source.cells] == ['code cell 1 ("%matplotlib inline")', 'code cell 3 ("def f():")']
    assert source.notes == ('code cell 1 ("%matplotlib inline"): skipped IPython line \'%matplotlib inline\'',)


def test_a_notebook_cell_is_named_among_code_cells_by_its_first_line(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Exercise 1"), nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell("\n" + "x = 1  # " + "y" * 60)]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    labels = [c.label for c in submission.load(tmp_path).cells]
    assert labels == ['code cell 1 ("import numpy as np")', 'code cell 2 ("x = 1 # ' + "y" * 29 + '...")']


def test_digest_changes_with_the_code_only(tmp_path):
    (tmp_path / "backprop.py").write_text("x = 1\n")
    first = submission.load(tmp_path).digest
    (tmp_path / "backprop.py").write_text("x = 2\n")
    assert submission.load(tmp_path).digest != first


# --- Files, not links -------------------------------------------------------

SECRET = "instructor-only-answer-key"


def protected_file(tmp_path):
    """A file the student may not read, with content that must never be quoted back."""
    target = tmp_path / "protected" / "answers.txt"
    target.parent.mkdir()
    target.write_text(f'{{"cells": "{SECRET}"}}')
    return target


def refusal(path) -> str:
    """The CLI's message for `path`, checked to be a one-line usage error without the target's content."""
    code, out, err = run_cli(path)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err + out, err
    assert SECRET not in err + out and "protected" not in err + out
    return err


@pytest.mark.parametrize("name", ["backprop.py", "work.ipynb"])
def test_a_linked_file_in_a_folder_is_refused_naming_the_link(tmp_path, name):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / name).symlink_to(protected_file(tmp_path))
    assert f"{name} is a symbolic link" in refusal(folder)


def test_a_linked_submission_file_or_folder_is_refused(tmp_path):
    (tmp_path / "backprop.py").symlink_to(protected_file(tmp_path))
    assert "backprop.py is a symbolic link" in refusal(tmp_path / "backprop.py")
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "backprop.py").write_text("x = 1\n")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    assert "alias is a symbolic link" in refusal(tmp_path / "alias")


def test_a_linked_notebook_is_refused_even_beside_a_real_one(tmp_path):
    write_notebook(tmp_path / "mine.ipynb", "x = 1")
    (tmp_path / "theirs.ipynb").symlink_to(protected_file(tmp_path))
    assert "theirs.ipynb is a symbolic link" in refusal(tmp_path)


def test_a_dangling_or_looping_link_is_refused_the_same_way(tmp_path):
    (tmp_path / "backprop.py").symlink_to(tmp_path / "nowhere.py")
    assert "is a symbolic link" in refusal(tmp_path)
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    assert "loop.py is a symbolic link" in refusal(tmp_path / "loop.py")


def test_a_fifo_or_socket_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "backprop.py")  # opening it to read would wait for a writer forever
    assert "not a regular file" in refusal(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(other / "work.ipynb"))
        assert "work.ipynb is not a regular file" in refusal(other)


def test_a_file_swapped_for_a_link_after_the_check_is_not_read(tmp_path):
    (tmp_path / "backprop.py").write_text("x = 1\n")
    file = submission.find(tmp_path)
    file.unlink()
    file.symlink_to(protected_file(tmp_path))  # between find's lstat and the read
    with pytest.raises(SubmissionError, match="backprop.py is a symbolic link") as refused:
        submission.read(file)
    assert SECRET not in str(refused.value)


def test_a_file_swapped_for_a_fifo_after_the_check_is_refused_without_blocking(tmp_path):
    (tmp_path / "backprop.py").write_text("x = 1\n")
    file = submission.find(tmp_path)
    file.unlink()
    os.mkfifo(file)
    with pytest.raises(SubmissionError, match="not a regular file"):
        submission.read(file)


def test_a_name_with_control_characters_is_quoted_inert(tmp_path):
    folder = tmp_path / "evil\x07\x1b[2J\nname"
    folder.mkdir()
    code, _, err = run_cli(folder)
    assert code == 2 and err.count("\n") == 1 and "\x1b" not in err and "[2J" not in err
    assert "evil\\x07 name holds neither" in err  # the bell shown, not rung; the escape dropped
