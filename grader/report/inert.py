"""Text the submission produced, made inert for a report a person reads.

A submission controls its printed output, its exception messages and, in a
class folder, its file names. Written raw to a terminal, a cursor move, a
screen clear or a carriage return could paint over the report (a fake
`Total: 100/100`); in a log viewer or CI page they hide or forge lines. So
escape sequences are dropped whole, and every other control character (C0
but newline and tab, DEL, C1, and the Unicode line separators and bidi
overrides that reorder or break lines) is shown as a visible `\\xNN` escape,
which no terminal acts on.
"""
from __future__ import annotations

import re

from grader.text import clean

# ANSI and ECMA-48 sequences that a terminal would act on: CSI (colours,
# cursor moves, clears), the string commands (OSC window titles and
# hyperlinks, DCS, SOS, PM, APC) up to their terminator, and two-byte escapes.
_SEQUENCE = re.compile(r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]
    | (?:\x1b[]PX^_]|[\x90\x98\x9d\x9e\x9f]) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)
    | \x1b [ -/]* [0-~]
""", re.VERBOSE)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(value: object) -> str:
    """`value` as text with newlines and tabs kept; a lone carriage return becomes a newline,
    so what followed it starts a line of its own (and gets that line's indent in a report)."""
    value = _SEQUENCE.sub("", clean(str(value)).replace("\r\n", "\n"))
    return _CONTROL.sub(_visible, value.replace("\r", "\n"))


def line(value: object) -> str:
    """`value` on one line: inert, with every run of whitespace (newlines too) one space."""
    return " ".join(text(value).split())


def lines(value: object) -> list[str]:
    """`value` split into inert lines, for quoting under an indent or prefix of ours."""
    return text(value).split("\n")


def feedback(given) -> str:
    """A check's Feedback as text: the summary, then each detail, every one an inert line."""
    return "\n".join(map(line, (given.summary, *given.details)))
