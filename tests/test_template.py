"""The template is the reference with its solutions stripped, and stays in sync."""
import inspect

import nbformat
import pytest

from tests.conftest import ROOT, load_module

make_template = load_module(ROOT / "tools" / "make_template.py", "make_template")

INTERFACE = ["sigmoid", "sigmoid_derivative", "manual_backprop", "NeuralNetwork", "train",
             "plot_loss", "plot_decision_boundary", "make_spiral_data", "explore_hyperparameters"]
METHODS = ["__init__", "forward", "backward", "update_weights", "compute_loss", "train_step"]


def members(module):
    for name in INTERFACE:
        obj = getattr(module, name)
        yield name, obj
        if inspect.isclass(obj):
            for method in METHODS:
                yield f"{name}.{method}", getattr(obj, method)


def test_same_names_signatures_and_docstrings(reference, template):
    ref, tpl = dict(members(reference)), dict(members(template))
    assert ref.keys() == tpl.keys()
    for name in ref:
        if callable(ref[name]) and not inspect.isclass(ref[name]):
            assert inspect.signature(ref[name]) == inspect.signature(tpl[name]), name
        assert inspect.getdoc(ref[name]) == inspect.getdoc(tpl[name]), name
        assert inspect.getdoc(ref[name]), f"{name} has no docstring"


def test_every_stub_raises_not_implemented_with_a_hint(template):
    with pytest.raises(NotImplementedError, match=r"\w+"):
        template.sigmoid(0.0)
    with pytest.raises(NotImplementedError, match="s \\* \\(1 - s\\)"):
        template.sigmoid_derivative(0.0)
    with pytest.raises(NotImplementedError):
        template.NeuralNetwork(2, 3, 1)


def test_committed_template_is_up_to_date():
    assert make_template.stale_files() == [], "run: python tools/make_template.py"


def test_a_docstring_changed_in_the_reference_makes_the_template_stale(tmp_path, monkeypatch):
    copy = tmp_path / "backprop.py"
    text = (ROOT / "reference" / "backprop.py").read_text()
    copy.write_text(text.replace("Mean squared error", "Mean squared error (edited)"))
    monkeypatch.setattr(make_template, "REFERENCE", copy)
    stale = {p.name for p in make_template.stale_files()}
    assert stale == {"backprop.py", "backprop.ipynb", "template.py", "template_notebook.py"}  # and the grader's copies
    assert make_template.main(["--check"]) == 1


def test_notebook_follows_the_lesson_and_is_valid():
    nb = nbformat.read(ROOT / "student_template" / "backprop.ipynb", as_version=4)
    nbformat.validate(nb)
    text = [c.source for c in nb.cells]
    order = [next(i for i, s in enumerate(text) if needle in s) for needle in (
        "Exercise 1", "def sigmoid", "def manual_backprop", "Exercise 2", "class NeuralNetwork",
        "Exercise 3", "def train(", "Exercise 4", "def make_spiral_data", "def explore_hyperparameters")]
    assert order == sorted(order)
    assert any(c.cell_type == "markdown" for c in nb.cells)
    assert not any("__main__" in s for s in text), "demo cells run directly in a notebook"


def test_unterminated_solution_block_is_reported(tmp_path, monkeypatch):
    broken = tmp_path / "backprop.py"
    broken.write_text("def f():\n    # HINT: x\n    # BEGIN SOLUTION\n    return 1\n")
    monkeypatch.setattr(make_template, "REFERENCE", broken)
    with pytest.raises(make_template.TemplateError, match="never ended"):
        make_template.render()
