"""Every `ast.parse` of a student's text, guarded one way.

CPython's parser fails on hostile text in more ways than SyntaxError: a NUL
byte is a ValueError, `1+1+...` ten thousand long a RecursionError, a long
run of unary minus a MemoryError. Each is the submission's syntax error,
never a crash of the grader, so every reader of submission text (syntax
recovery, integrity flags, annotation lines, notebook help queries) parses
through `tree` and sees only SyntaxError.

Re-parsing pieces of a file (grader/syntax.py), and walking a tree dense
with nodes (definitions, flags), are bounded by a Budget of attempts and
seconds, so no file costs the parent minutes.
"""
from __future__ import annotations

import ast
import functools
import gc
import time


class NulInSource(SyntaxError):
    """The text holds a NUL byte, which Python refuses to compile anywhere in a file."""


def tree(code: str) -> ast.Module:
    """`ast.parse(code)`; SyntaxError (or NulInSource) whenever it does not parse.

    The last tree is kept: definitions, flags and annotation lines each read the same file, and a
    dense 5 MB file costs CPython seconds per parse. So a tree is shared: read it, never change it.
    """
    try:
        return _parse(code)
    except SyntaxError:
        raise
    except ValueError as error:  # the only ValueError ast.parse raises: a NUL in the source
        raise NulInSource(str(error)) from None
    except (RecursionError, MemoryError):  # CPython's own compiler says the same
        raise SyntaxError("too deeply nested to compile") from None


@functools.lru_cache(maxsize=1)
def _parse(code: str) -> ast.Module:
    # The collector would otherwise traverse a tree of millions of nodes again and again as it is
    # built, doubling the parse; the parser makes no cycles for it to find.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(code)
    finally:
        if enabled:
            gc.enable()


def parses(code: str) -> ast.Module | None:
    """The tree of `code`, or None when it does not parse."""
    try:
        return tree(code)
    except SyntaxError:
        return None


class Budget:
    """How many more pieces may be parsed, and until when, while recovering one submission."""

    def __init__(self, attempts: int, seconds: float):
        self.attempts = attempts
        self.deadline = time.monotonic() + seconds

    def spend(self) -> bool:
        """One attempt; False once the attempts or the time are used up."""
        self.attempts -= 1
        return self.attempts >= 0 and time.monotonic() < self.deadline

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline
