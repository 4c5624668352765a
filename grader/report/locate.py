"""Where a check's function is defined in the submission file, for annotations.

The source is parsed as text with `ast`, never imported or run: it is the
student's code and may do anything when executed.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Mapping

from grader import submission, syntax


def definition_lines(source: str) -> dict[str, int]:
    """{"sigmoid": 25, "NeuralNetwork": 103, "NeuralNetwork.backward": 131, ...}.

    Top-level functions and classes and the methods of those classes. A later
    definition wins, as it does when Python runs the file. What does not
    parse is left out as the grader leaves it out (grader/syntax.py), so a
    broken line elsewhere costs no annotation its place.
    """
    _, tree = syntax.parse("", source, False, [])
    if tree is None:
        return {}
    lines: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines[node.name] = node.lineno
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines[f"{node.name}.{item.name}"] = item.lineno
    return lines


def line_of(where: str | None, lines: Mapping[str, int]) -> int:
    """The line of `where`; a missing method points at its class, anything else at line 1."""
    while where:
        if where in lines:
            return lines[where]
        where = where.rpartition(".")[0]
    return 1


def submission_lines(path: Path, cwd: Path | None = None) -> tuple[str, dict[str, int]]:
    """The graded file relative to `cwd`, and its definition lines.

    A notebook gets no lines: its cells have no line numbers a browser
    could show, so every annotation points at line 1 of the .ipynb.
    """
    file = submission.find(Path(path))
    relative = os.path.relpath(file, cwd or Path.cwd())
    if file.suffix != ".py":
        return relative, {}
    return relative, definition_lines(submission.read(file))
