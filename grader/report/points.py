"""How every report writes a number of points, so one score reads the same everywhere.

Two decimals for people (24, 2.5, 3.33); four in the files programs import
(the gradebook, Canvas, JUnit), whose sums should match the totals: the
checks' scores are rounded to four places (engine.py).
"""
from __future__ import annotations


def _format(x: float, places: int) -> str:
    text = f"{x:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def shown(x: float) -> str:
    """Points as a report shows them: 24, 2.5, 3.33."""
    return _format(x, 2)


def exported(x: float) -> str:
    """Points in a file for another program: 24, 2.5, 3.3333."""
    return _format(x, 4)
