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

from grader.parsing import Budget, NulInSource, tree as _tree

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


MERGE_AHEAD = 8  #: pieces tried together with one that does not parse alone
MERGES = 400  #: at most this many such tries per cell, so a file of broken lines costs linear time
#: Per submission: pieces parsed, and seconds spent, before the rest of a cell is given up as one
#: broken piece; a 5 MB file of lines that each fail costs seconds, not minutes.
ATTEMPTS, SECONDS = 20_000, 5.0
MAX_BROKEN = 100  #: broken pieces listed per cell; past them the rest of the cell is one


def budget() -> Budget:
    """What recovering one submission may spend: shared by all its cells."""
    return Budget(ATTEMPTS, SECONDS)


def _joined(lines: list[str], groups: list[tuple[int, int]], i: int, merges: int, spent: Budget) -> int | None:
    """The last group j > i such that groups i..j parse together, if any within reach."""
    first = groups[i][0]
    for j in range(i + 1, min(i + 1 + MERGE_AHEAD, len(groups))):
        if merges <= 0 or not spent.spend():
            return None
        merges -= 1
        try:
            _tree("\n".join(lines[first - 1:groups[j][1]]) + "\n")
            return j
        except SyntaxError:
            continue
    return None


def parse(label: str, code: str, whole: bool, broken: list[Broken],
          spent: Budget | None = None) -> tuple[str, ast.Module | None]:
    """The cell's code with what does not parse blanked out (added to `broken`), and its tree; None when
    nothing of it can be trusted. `spent` is the submission's budget (one of its own by default)."""
    spent = spent or budget()
    try:
        return code, _tree(code)
    except NulInSource:
        return code, None
    except SyntaxError as error:
        if whole:
            broken.append(_broken(label, code, 1, error, _names(code.splitlines())))
            return code, None
    lines = code.splitlines()
    groups, merges, i, found = _groups(lines, 0), MERGES, 0, len(broken)
    while i < len(groups):
        first, last = groups[i]
        if len(broken) - found >= MAX_BROKEN or not spent.spend():
            _give_up(label, lines, first, broken)
            break
        text = "\n".join(lines[first - 1:last]) + "\n"
        try:
            _tree(text)
            i += 1
            continue
        except SyntaxError as error:
            # A line at column 0 inside a string or brackets cuts a statement in two: the pieces
            # parse together. Try the next few before calling this one broken (bounded in all).
            joined = _joined(lines, groups, i, merges, spent)
            merges -= min(MERGE_AHEAD, len(groups) - i - 1)
            if joined is not None:
                i = joined + 1
                continue
            i += 1
            if _repair_class(label, lines, first, last, broken, spent) is None:
                broken.append(_broken(label, text, first, error, _names(lines[first - 1:first])))
                lines[first - 1:last] = [""] * (last - first + 1)
    code = "\n".join(lines) + "\n"
    try:
        return code, _tree(code)
    except SyntaxError:  # the cut by indentation misread it: nothing of the cell is trusted
        return code, None


def _give_up(label: str, lines: list[str], first: int, broken: list[Broken]) -> None:
    """Blank out the cell from line `first` on, as one broken piece: recovery has spent its budget."""
    rest = lines[first - 1:]
    why = SyntaxError(f"not read: too many pieces of this file do not parse (the grader stops looking after "
                      f"{MAX_BROKEN} or {SECONDS:g} s); fix the first syntax errors and the rest is read again")
    broken.append(Broken(label, first, None, why.msg, rest[0] if rest else "", _names(rest)))
    lines[first - 1:] = [""] * len(rest)


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


def _repair_class(label: str, lines: list[str], first: int, last: int, broken: list[Broken],
                  spent: Budget) -> bool | None:
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
        if not spent.spend():
            return None
        text = "\n".join(line[indent:] for line in inner[a - 1:b]) + "\n"
        try:
            _tree(text)
        except SyntaxError as where:
            if where.offset:
                where.offset += indent
            names = tuple(f"{header.group(1)}.{n}" for n in _names([inner[a - 1]]))
            found.append(_broken(label, "\n".join(inner[a - 1:b]) + "\n", first + a, where, names))
            lines[first + a - 1:first + b] = [" " * indent + "pass"] + [""] * (b - a)
    try:
        _tree("\n".join(lines[first - 1:last]) + "\n")
    except SyntaxError:
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
