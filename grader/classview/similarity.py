"""Which students' code is suspiciously alike: winnowing fingerprints compared for every pair.

Only code a student wrote counts: fingerprints of the boilerplate (the
lesson's code, the template, a course's own starter files) are removed
first. A pair's similarity is the share of the smaller submission's
fingerprints found in the other, so a copy padded with extra code is still
caught; a pair is reported only if it also shares MIN_SHARED fingerprints,
since two short partial submissions can agree on the obvious code by
chance. Similarity is for a person to review; it never changes a score.

Measured on tests/submissions/correct/ and reference/ (benchmarks/similarity.py
repeats it): independent correct styles reach 0.52, copies of each of them
with every variable renamed and the functions shuffled 0.84 to 0.98.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Sequence

from grader.classview import boilerplate, code, fingerprint
from grader.classview.code import Cell
from grader.report.gradebook_csv import safe
from grader.report.roster import Entry

THRESHOLD = 0.7  #: pairs at or above this similarity are reported
DETAILED = 50  #: the most similar pairs get their matching code, for the dashboard; the CSV lists all
MIN_SHARED = 40  #: and that share at least this many fingerprints (about 20 lines of code)
CONTEXT = 1  #: unmatched lines shown around a matched block


@dataclass(frozen=True)
class Document:
    student: str
    cells: tuple[Cell, ...]
    stream: tuple[fingerprint.Token, ...]
    kgrams: tuple[int, ...]  #: hash of the k tokens starting at each position
    fingerprints: frozenset[int]  #: winnowed, boilerplate removed
    every: frozenset[int]  #: all of kgrams, boilerplate removed: what the matching code is drawn from


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    matched: bool


@dataclass(frozen=True)
class Snippet:
    label: str  #: the cell: "backprop.py" or "cell 3"
    lines: tuple[Line, ...]  #: a matched block with CONTEXT lines around it


@dataclass(frozen=True)
class Pair:
    student_a: str
    student_b: str
    similarity: float  #: 0..1
    a: tuple[Snippet, ...] = ()  #: student_a's code that matches student_b's
    b: tuple[Snippet, ...] = ()


def boilerplate_hashes(texts: Sequence[str]) -> frozenset[int]:
    """Every k-gram of the given code, not only the winnowed ones, so no part of it can match."""
    return frozenset(h for text in texts for h in fingerprint.kgram_hashes(fingerprint.tokens([text])))


def document(student: str, cells: Sequence[Cell], boilerplate: frozenset[int]) -> Document:
    stream = tuple(fingerprint.tokens([c.code for c in cells]))
    kgrams = tuple(fingerprint.kgram_hashes(stream))
    return Document(student, tuple(cells), stream, kgrams, frozenset(fingerprint.winnow(kgrams) - boilerplate),
                    frozenset(kgrams) - boilerplate)


def similarity(a: Document, b: Document) -> float:
    """The share of the smaller submission's fingerprints found in the other; 0 if they share too few."""
    shared = len(a.fingerprints & b.fingerprints)
    return shared / min(len(a.fingerprints), len(b.fingerprints)) if shared >= MIN_SHARED else 0.0


def similar_pairs(documents: Sequence[Document], threshold: float = THRESHOLD,
                  detailed: int = DETAILED) -> list[Pair]:
    """Pairs at or above `threshold`, most similar first; the first `detailed` with their matching code."""
    found = []
    for a, b in combinations(sorted(documents, key=lambda d: d.student), 2):
        score = similarity(a, b)
        if score >= threshold:
            found.append((round(score, 3), a, b))
    found.sort(key=lambda f: (-f[0], f[1].student, f[2].student))
    pairs = []
    for i, (score, a, b) in enumerate(found):
        shared = a.every & b.every if i < detailed else frozenset()
        pairs.append(Pair(a.student, b.student, score, snippets(a, shared), snippets(b, shared)))
    return pairs


def snippets(doc: Document, shared: frozenset[int]) -> tuple[Snippet, ...]:
    """The lines of `doc` covered by a shared k-gram, grouped into blocks per cell."""
    starts = [0] * (len(doc.stream) + fingerprint.K)  # +1 where a shared k-gram starts, -1 where it ends
    for start, h in enumerate(doc.kgrams):
        if h in shared:
            starts[start] += 1
            starts[start + fingerprint.K] -= 1
    matched: dict[int, set[int]] = {}
    covering = 0
    for i, t in enumerate(doc.stream):
        covering += starts[i]
        if covering:
            matched.setdefault(t.cell, set()).add(t.line)
    out = []
    for index in sorted(matched):
        lines = doc.cells[index].code.splitlines()
        shown = sorted({n for m in matched[index] for n in range(m - CONTEXT, m + CONTEXT + 1)
                        if 1 <= n <= len(lines)})
        block: list[Line] = []
        for n in shown:
            if block and n != block[-1].number + 1:
                out.append(Snippet(doc.cells[index].label, tuple(block)))
                block = []
            block.append(Line(n, lines[n - 1], n in matched[index]))
        if block:
            out.append(Snippet(doc.cells[index].label, tuple(block)))
    return tuple(out)


def render_csv(pairs: Sequence[Pair]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_a", "student_b", "similarity"])
    for p in pairs:
        writer.writerow([safe(p.student_a), safe(p.student_b), f"{p.similarity:.3f}"])
    return buffer.getvalue()


def for_class(out: Path, entries: Sequence[Entry], extra_boilerplate: Sequence[Path] = (),
              threshold: float = THRESHOLD) -> tuple[list[Pair], int]:
    """The similar pairs among graded students whose DIR/<student>/code.json is of their result; and how many."""
    given = boilerplate_hashes(boilerplate.sources(extra_boilerplate))
    documents = []
    for entry in entries:
        cells = code.load(out / entry.identifier, entry.result.digest) if entry.result else None
        if cells is not None:
            documents.append(document(entry.identifier, cells, given))
    return similar_pairs(documents, threshold), len(documents)
