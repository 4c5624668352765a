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


@pytest.fixture(scope="session")
def bug(tmp_path_factory):
    """bug(name) -> the folder of a single-bug submission from tests/submissions/bugs.toml."""
    from tests.submissions import mutants

    out = tmp_path_factory.mktemp("bugs")
    return lambda name: mutants.write(mutants.BUGS, name, out)


@pytest.fixture(scope="session")
def variant(tmp_path_factory):
    """variant(name) -> the folder of a correct variant of the reference from tests/submissions/correct.toml."""
    from tests.submissions import mutants

    out = tmp_path_factory.mktemp("variants")
    return lambda name: mutants.write(mutants.CORRECT, name, out)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """hostile(name) -> the folder of a hostile submission from tests/submissions/adversarial.toml."""
    from tests.submissions import mutants

    out = tmp_path_factory.mktemp("hostile")
    return lambda name: mutants.write(mutants.HOSTILE, name, out)
