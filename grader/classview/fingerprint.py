"""Winnowing fingerprints of Python code (Schleimer, Wilkerson and Aiken, SIGMOD 2003: the method of MOSS).

Code becomes a stream of tokens with every name that a student may choose
replaced by `V`, so renaming variables changes nothing; attribute names
(`np.dot`, `self.W1`) stay, since the interface and numpy fix them.
Comments, docstrings' text and indentation are dropped. Every run of K
tokens is hashed, and in each window of W consecutive hashes the smallest
is kept: any match at least K + W - 1 tokens long shares a fingerprint,
and no match shorter than K does. Reordering functions only breaks the
k-grams that straddle a boundary.
"""
from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from collections import deque
from functools import lru_cache
from typing import NamedTuple, Sequence

K = 12  #: tokens per k-gram: shorter matches are noise (one line of numpy is about 10 tokens)
W = 8  #: window: every match of K + W - 1 = 19 tokens or more is found

DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
           tokenize.ENDMARKER}
# Python 3.12 splits an f-string into pieces; it counts as one string here.
FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
FSTRING = {FSTRING_START, getattr(tokenize, "FSTRING_END", -1)}


class Token(NamedTuple):
    text: str  #: normalised: "V" for a chosen name, "S" for a string, ";" ends a statement, else the token
    cell: int  #: index of the code cell it came from
    line: int  #: 1-based line within that cell


def tokens(cells: Sequence[str]) -> list[Token]:
    """The normalised tokens of all cells in order; a cell that stops tokenizing keeps what came before."""
    out: list[Token] = []
    name, string, newline = tokenize.NAME, tokenize.STRING, tokenize.NEWLINE
    for index, code in enumerate(cells):
        previous, depth = "", 0
        try:
            for kind, text, (line, _), _, _ in tokenize.generate_tokens(io.StringIO(code).readline):
                if kind in FSTRING:
                    depth += 1 if kind == FSTRING_START else -1
                    if depth == 0:
                        out.append(Token("S", index, line))
                    continue
                if depth or kind in DROPPED:
                    continue
                if kind == name:
                    norm = text if previous == "." or keyword.iskeyword(text) else "V"
                else:
                    norm = "S" if kind == string else ";" if kind == newline else text
                previous = text
                out.append(Token(norm, index, line))
        except (tokenize.TokenError, SyntaxError):  # unterminated string or bracket, bad dedent
            pass
    return out


@lru_cache(maxsize=None)
def _token_hash(text: str) -> int:
    # Content-derived, unlike hash(str): the same code gives the same fingerprints in every process.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def kgram_hashes(stream: Sequence[Token], k: int = K) -> list[int]:
    """One hash per run of k tokens, indexed by the run's first token."""
    ids = [_token_hash(t.text) for t in stream]
    return [hash(tuple(ids[i:i + k])) for i in range(len(ids) - k + 1)]


def winnow(hashes: Sequence[int], w: int = W) -> set[int]:
    """The smallest hash of every window of w (the rightmost on ties), as a set."""
    if len(hashes) <= w:
        return set(hashes[:1]) if hashes else set()
    chosen: set[int] = set()
    window: deque[int] = deque()  # indexes whose hashes increase, the minimum first
    for i, h in enumerate(hashes):
        while window and hashes[window[-1]] >= h:
            window.pop()
        window.append(i)
        if window[0] <= i - w:
            window.popleft()
        if i >= w - 1:
            chosen.add(hashes[window[0]])
    return chosen
