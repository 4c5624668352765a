"""A grader dependency the interpreter lacks is a one-line usage error before grading, never a student's error."""
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT


def interpreter(tmp_path: Path, hidden: tuple[str, ...]) -> Path:
    """A venv holding this one's packages (the grader's too), linked one by one, except `hidden`."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.name.split(".")[0].split("-")[0] not in hidden:  # numpy/, numpy-2.1.dist-info, numpy.libs
            (site / entry.name).symlink_to(entry)
    return python


@pytest.mark.parametrize("hidden", [("matplotlib",), ("numpy",), ("nbformat", "matplotlib")])
def test_an_interpreter_without_a_grader_dependency_exits_2_with_one_line_naming_the_install(tmp_path, hidden):
    python = interpreter(tmp_path, hidden)
    done = subprocess.run([python, "-m", "grader", str(ROOT / "reference")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert hidden[0] in done.stderr and f"{python} -m pip install" in done.stderr
    assert "Traceback" not in done.stderr


def test_this_interpreter_has_them_all():
    from grader import dependencies

    assert dependencies.missing() == ()
