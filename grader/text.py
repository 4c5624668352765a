"""Text from a student made valid text, before any report sees it.

Python strings can hold what no file or terminal can encode: a lone
surrogate, which JSON's "\\ud800" escape puts in an exception message or a
notebook cell, and the surrogateescape stand-ins of a non-UTF-8 file name's
bytes. Written to a report, either raises UnicodeEncodeError and takes the
run down. So every string that comes from a student (names, output,
exception messages, file names, notebook sources) is cleaned here once,
where it enters the grader: each such code point becomes U+FFFD.
"""
from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean(value: str) -> str:
    """`value` with every surrogate code point replaced by U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, value)


def is_clean(value: str) -> bool:
    return _SURROGATE.search(value) is None


def clean_tree(value: Any) -> Any:
    """A decoded JSON value with every string in it, keys too, cleaned (its nesting is already bounded)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    if isinstance(value, dict):
        return {clean(k): clean_tree(v) for k, v in value.items()}
    return value
