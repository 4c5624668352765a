"""Reading a file that does not parse: a syntax error costs only the definition it is in.

A .py file is cut at its top-level statements by indentation (a class also at
its methods) and each piece parsed alone; a piece that does not parse is
blanked out, so every other line keeps its number and everything that parses
is graded. A notebook cell that does not parse is lost whole, as Jupyter
would lose it.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_TOP_LEVEL = re.compile(r"^[^\s#]")
_CONTINUATION = re.compile(r"^(else|elif|except|finally|case)\b|^[)\]}]")
_DEFINES = re.compile(r"^\s*(?:async\s+def|def|class)\s+(\w+)|^\s*(\w+)\s*(?::[^=]*)?=(?!=)")


@dataclass(frozen=True)
class Broken:
    """A piece of the submission that does not parse."""
    cell: str
    line: int  #: within the cell
    offset: int | None  #: column of the caret, from 1
    message: str
    text: str  #: the offending line
    defines: tuple[str, ...]  #: what it would have defined ("sigmoid", "NeuralNetwork.train_step")

    def to_dict(self) -> dict:
        return {"kind": "syntax_error", "cell": self.cell, "line": self.line, "offset": self.offset,
                "message": self.message, "text": self.text, "defines": list(self.defines)}


def _tree(code: str) -> ast.Module:
    """ast.parse, where nesting too deep for the parser is the syntax error CPython's compiler would give."""
    try:
        return ast.parse(code)
    except (RecursionError, MemoryError):
        raise SyntaxError("too deeply nested to compile") from None


MERGE_AHEAD = 8  #: pieces tried together with one that does not parse alone
MERGES = 400  #: at most this many such tries per cell, so a file of broken lines costs linear time


def _joined(lines: list[str], groups: list[tuple[int, int]], i: int, budget: int) -> int | None:
    """The last group j > i such that groups i..j parse together, if any within reach."""
    first = groups[i][0]
    for j in range(i + 1, min(i + 1 + MERGE_AHEAD, len(groups))):
        if budget <= 0:
            return None
        budget -= 1
        try:
            _tree("\n".join(lines[first - 1:groups[j][1]]) + "\n")
            return j
        except (SyntaxError, ValueError):
            continue
    return None


def parse(label: str, code: str, whole: bool, broken: list[Broken]) -> tuple[str, ast.Module | None]:
    """The cell's code with what does not parse blanked out (added to `broken`), and its tree; None when
    nothing of it can be trusted."""
    try:
        return code, _tree(code)
    except SyntaxError as error:
        if whole:
            broken.append(_broken(label, code, 1, error, _names(code.splitlines())))
            return code, None
    except ValueError:  # a NUL in the source
        return code, None
    lines = code.splitlines()
    groups, merges, i = _groups(lines, 0), MERGES, 0
    while i < len(groups):
        first, last = groups[i]
        text = "\n".join(lines[first - 1:last]) + "\n"
        try:
            _tree(text)
            i += 1
            continue
        except (SyntaxError, ValueError) as error:
            # A line at column 0 inside a string or brackets cuts a statement in two: the pieces
            # parse together. Try the next few before calling this one broken (bounded in all).
            joined = _joined(lines, groups, i, merges)
            merges -= min(MERGE_AHEAD, len(groups) - i - 1)
            if joined is not None:
                i = joined + 1
                continue
            i += 1
            repaired = _repair_class(label, lines, first, last, broken)
            if repaired is None:
                where = error if isinstance(error, SyntaxError) else SyntaxError(str(error))
                broken.append(_broken(label, text, first, where, _names(lines[first - 1:first])))
                lines[first - 1:last] = [""] * (last - first + 1)
    code = "\n".join(lines) + "\n"
    try:
        return code, _tree(code)
    except (SyntaxError, ValueError):  # the cut by indentation misread it: nothing of the cell is trusted
        return code, None


def _groups(lines: list[str], indent: int) -> list[tuple[int, int]]:
    """Statements that start at column `indent`: (first line, last line), from 1, decorators with their def."""
    groups: list[list[int]] = []
    for number, line in enumerate(lines, start=1):
        body = line[indent:] if line[:indent].strip() == "" else line
        new = bool(_TOP_LEVEL.match(body)) and not _CONTINUATION.match(body) and line[:indent].strip() == ""
        after_decorator = groups and lines[groups[-1][-1] - 1].strip().startswith("@")
        if not groups or new and not after_decorator:
            groups.append([number, number])
        else:
            groups[-1][1] = number
    return [(a, b) for a, b in groups]


def _repair_class(label: str, lines: list[str], first: int, last: int, broken: list[Broken]) -> bool | None:
    """Blank out the methods of a class that do not parse, in place; None when it is not such a class."""
    header = re.match(r"class\s+(\w+)", lines[first - 1])
    body = [i for i in range(first, last) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    if not header or not body:
        return None
    indent = len(lines[body[0]]) - len(lines[body[0]].lstrip())
    if indent == 0:
        return None
    inner = lines[first:last]
    found = []
    for a, b in _groups(inner, indent):
        text = "\n".join(line[indent:] for line in inner[a - 1:b]) + "\n"
        try:
            _tree(text)
        except (SyntaxError, ValueError) as error:
            where = error if isinstance(error, SyntaxError) else SyntaxError(str(error))
            if where.offset:
                where.offset += indent
            names = tuple(f"{header.group(1)}.{n}" for n in _names([inner[a - 1]]))
            found.append(_broken(label, "\n".join(inner[a - 1:b]) + "\n", first + a, where, names))
            lines[first + a - 1:first + b] = [" " * indent + "pass"] + [""] * (b - a)
    try:
        _tree("\n".join(lines[first - 1:last]) + "\n")
    except (SyntaxError, ValueError):
        return None
    broken.extend(found)
    return True


def _names(lines: list[str]) -> tuple[str, ...]:
    """What these lines would define, read plainly: `def f`, `class C`, `x =`."""
    names = []
    for line in lines:
        match = _DEFINES.match(line)
        if match:
            names.append(match.group(1) or match.group(2))
    return tuple(dict.fromkeys(names))


def _broken(label: str, code: str, first: int, error: SyntaxError, defines: tuple[str, ...]) -> Broken:
    line = error.lineno or 1
    lines = code.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else (error.text or "").rstrip("\n")
    return Broken(label, first + line - 1, error.offset, error.msg, text, defines)
