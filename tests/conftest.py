import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"


def load_module(path: Path, name: str):
    """Import one of OUR files (reference, template) by path; never a test submission."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def reference():
    return load_module(ROOT / "reference" / "backprop.py", "reference_backprop")


@pytest.fixture(scope="session")
def template():
    return load_module(ROOT / "student_template" / "backprop.py", "template_backprop")


_graded = {}


def grade(path: Path, config: Path | None = None):
    """Grade through the engine, as the CLI does; cached per path for the session."""
    from grader import engine
    from grader.backprop import Backprop

    key = (str(path), str(config))
    if key not in _graded:
        _graded[key] = engine.grade(path, Backprop(config))
    return _graded[key]


@pytest.fixture(scope="session")
def graded():
    return grade
