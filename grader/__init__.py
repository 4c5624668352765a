"""Autograder for the backpropagation lesson (Week 2, Day 7).

`from grader import check; check()` grades the notebook it runs in (notebook_check.py),
imported only when asked for, so that `python -m grader` pays nothing for it.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "check":
        from grader.notebook_check import check
        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
