"""The grader's own dependencies, checked before grading: a missing one is the grader's problem, not a student's.

The child runs `sys.executable -I` (no PYTHONPATH, no user site), so what it
can import is asked of that same interpreter, run the same way: a numpy
found only through PYTHONPATH would otherwise surface as every submission's
load error.
"""
from __future__ import annotations

import functools
import subprocess
import sys

from grader.exits import UsageError

#: what the child imports (numpy, matplotlib) and what reads notebooks (nbformat)
MODULES = ("numpy", "matplotlib", "nbformat")

# Found, not imported: importing numpy and matplotlib here would cost every run half a second, and
# an installed package that fails to import is the child's load error to report, like any other.
_PROBE = """
import importlib.util, sys
print(*(name for name in sys.argv[1:] if importlib.util.find_spec(name) is None))
"""


@functools.lru_cache(maxsize=None)
def missing(executable: str = "") -> tuple[str, ...]:
    """The MODULES that `executable` (by default this interpreter) cannot find under -I."""
    executable = executable or sys.executable
    try:
        done = subprocess.run([executable, "-I", "-c", _PROBE, *MODULES], capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return MODULES
    return tuple(line for line in done.stdout.split() if line in MODULES)


def require() -> None:
    """Raise a one-line UsageError naming the install command when a dependency is missing."""
    lacking = missing()
    if lacking:
        names = " ".join(lacking)
        raise UsageError(f"the grader needs {', '.join(lacking)}, which {sys.executable} cannot import; "
                         f"install with: {sys.executable} -m pip install {names}")
