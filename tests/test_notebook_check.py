"""check() from inside Jupyter, without Jupyter: a stand-in IPython with a kernel, its history and display."""
from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from grader import notebook_check
from tests.conftest import ROOT, SUBMISSIONS

TEMPLATE = ROOT / "student_template" / "backprop.ipynb"
REFERENCE = SUBMISSIONS / "correct" / "notebook" / "backprop.ipynb"


@pytest.fixture
def kernel(monkeypatch):
    """A fake notebook kernel: IPython.get_ipython() gives a shell whose history and namespace tests set,
    and IPython.display.display records what was shown."""
    shell = types.SimpleNamespace(kernel=object(), user_ns={},
                                  history_manager=types.SimpleNamespace(input_hist_raw=[""]), shown=[])
    display = types.ModuleType("IPython.display")
    display.HTML = lambda text: ("HTML", text)
    display.display = shell.shown.append
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell
    ipython.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    return shell


def cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_the_reference_notebook_is_graded_and_shown_inline(kernel, tmp_path, monkeypatch):
    shutil.copy(REFERENCE, tmp_path / "week2.ipynb")
    monkeypatch.chdir(tmp_path)
    kernel.history_manager.input_hist_raw += [*cells(tmp_path / "week2.ipynb"), "from grader import check\ncheck()"]
    checked = notebook_check.check()  # the one notebook in the working folder
    assert checked.notebook == tmp_path / "week2.ipynb" and checked.status == 0
    assert (checked.score, checked.max_score) == (100, 100) and checked.unsaved == ()
    assert "Total: 100/100" in checked.text
    assert kernel.shown == [("HTML", checked.html)]
    frame = checked.html.split('srcdoc="')[1].split('"')[0]
    page = html.unescape(frame)
    assert page.startswith("<!DOCTYPE html>") and "Total: 100 / 100" in page and "data:image/png;base64," in page
    assert "<script" not in checked.html.lower() and " sandbox " in checked.html


def test_the_template_scores_nothing_and_unsaved_edits_are_named(kernel):
    kernel.user_ns["__vsc_ipynb_file__"] = str(TEMPLATE)  # as VS Code sets it
    saved = cells(TEMPLATE)
    sigmoid = next(c for c in saved if c.startswith("def sigmoid"))
    run = [sigmoid.replace("raise NotImplementedError", "return 1 / (1 + np.exp(-x))  #"),  # edited, run, unsaved
           *saved, "check()"]
    kernel.history_manager.input_hist_raw += run
    checked = notebook_check.check()
    assert checked.notebook == TEMPLATE and checked.score == 0 and "Total: 0/100" in checked.text
    # The saved cell was run after the edit: its latest run is in the file, so nothing is unsaved.
    assert checked.unsaved == ()
    kernel.history_manager.input_hist_raw += [run[0], "check()"]  # the edit run again, last
    checked = notebook_check.check()
    assert checked.unsaved == (sigmoid.splitlines()[0],)
    assert checked.text.startswith("Not saved? These cells ran in this kernel but are not in the saved notebook")
    assert "Save the notebook (Ctrl-S)" in checked.html and sigmoid.splitlines()[0] in checked.html


def test_outside_a_notebook_the_terminal_report_is_printed(capsys):
    checked = notebook_check.check(TEMPLATE)
    out = capsys.readouterr().out
    assert out == checked.text and "Total: 0/100" in out and checked.unsaved == ()


def test_two_notebooks_and_no_hint_from_the_kernel_are_refused(kernel, tmp_path, monkeypatch):
    for name in ("a.ipynb", "b.ipynb"):
        shutil.copy(TEMPLATE, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    kernel.history_manager.input_hist_raw += ["check()"]
    checked = notebook_check.check()
    assert checked.status == 2 and checked.score is None and checked.notebook is None
    assert "2 notebooks" in checked.text and "a.ipynb, b.ipynb" in checked.text and "check('a.ipynb')" in checked.text
    assert kernel.shown == [("HTML", checked.html)] and "Traceback" not in checked.text


def test_the_kernel_names_its_notebook(tmp_path):
    for name in ("a.ipynb", "b.ipynb"):
        (tmp_path / name).write_text("{}")
    find = notebook_check.find_notebook
    # Jupyter Server's name is relative to the server's folder; the kernel runs in the notebook's.
    assert find(None, {"JPY_SESSION_NAME": "course/week2/b.ipynb"}, tmp_path, {}) == tmp_path / "b.ipynb"
    assert find(None, {}, tmp_path, {"__vsc_ipynb_file__": str(tmp_path / "a.ipynb")}) == tmp_path / "a.ipynb"
    with pytest.raises(notebook_check.NotebookNotFound, match="2 notebooks"):  # renamed since: stale, ignored
        find(None, {"JPY_SESSION_NAME": "old_name.ipynb"}, tmp_path, {})
    (tmp_path / "empty").mkdir()
    with pytest.raises(notebook_check.NotebookNotFound, match="no notebook in"):
        find(None, {}, tmp_path / "empty", {})
    with pytest.raises(notebook_check.NotebookNotFound, match="is not a file"):
        find(tmp_path / "missing.ipynb", {}, tmp_path, {})


def test_a_folder_of_the_notebook_with_a_grader_py_of_its_own_is_graded_by_the_real_grader(tmp_path, capsys):
    shutil.copy(TEMPLATE, tmp_path / "backprop.ipynb")
    (tmp_path / "grader.py").write_text("raise SystemExit('a shadowing grader ran')\n")
    checked = notebook_check.check(tmp_path / "backprop.ipynb")
    assert checked.status == 0 and checked.score == 0


def test_import_grader_stays_light_and_exports_check():
    code = ("import sys, grader; light = not any(m.startswith(('grader.', 'numpy', 'subprocess')) for m in sys.modules)"
            "; from grader import check; print(light, check.__module__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "grader.notebook_check"]
