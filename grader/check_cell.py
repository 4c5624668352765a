"""The README's check cell (`from grader import check; check()`): a student's tool, not their work.

One rule for every place that must tell it apart: the split skips it like
`plt.show()`, the integrity scan does not flag it, and check() does not count
it among unsaved cells. Only a cell made of nothing else counts: any other
import of the grader, or a check cell that also does something, is read as
usual.
"""
from __future__ import annotations

import ast

from grader import parsing


def is_check_cell(code: str) -> bool:
    """Whether `code` only imports the grader's check and calls it (`r = check()` included)."""
    tree = parsing.parses(code)
    if tree is None:
        return False
    body = tree.body
    checks, modules = {"check"}, set()  # local names of check (imported in an earlier cell too), of the grader
    for stmt in body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "grader" and not stmt.level:
            if any(a.name != "check" for a in stmt.names):
                return False
            checks.update(a.asname or a.name for a in stmt.names)
        elif isinstance(stmt, ast.Import):
            if any(a.name != "grader" for a in stmt.names):
                return False
            modules.update(a.asname or a.name for a in stmt.names)
        elif isinstance(stmt, (ast.Expr, ast.Assign)) and _calls_check(stmt, checks, modules):
            continue
        else:
            return False
    return any(isinstance(s, (ast.Expr, ast.Assign)) for s in body)


def _calls_check(stmt: ast.Expr | ast.Assign, checks: set[str], modules: set[str]) -> bool:
    if isinstance(stmt, ast.Assign) and not all(isinstance(t, ast.Name) for t in stmt.targets):
        return False
    call = stmt.value
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    named = (isinstance(func, ast.Name) and func.id in checks) or (
        isinstance(func, ast.Attribute) and func.attr == "check" and isinstance(func.value, ast.Name)
        and func.value.id in modules)
    # Arguments are a path and a config: constants, never code of the submission.
    return named and all(isinstance(a, ast.Constant) for a in [*call.args, *(k.value for k in call.keywords)])
