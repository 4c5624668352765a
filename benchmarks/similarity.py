"""How long similarity takes for a class, and how well it separates copies from independent work.

    python benchmarks/similarity.py [N]

Builds N synthetic students (default 200) from the correct corpus
(tests/submissions/correct/ and reference/): each is one style, disguised
with its own seed (every variable renamed, functions shuffled), so every
student is a hidden copy of some other and all pairs of one style should
be flagged. Then times classview's similarity (fingerprints, every pair,
matching code for the flagged pairs) and prints the separation on the
corpus itself: the highest independent pair and the lowest disguised copy.
"""
from __future__ import annotations

import sys
import time
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.classview import boilerplate, code, similarity  # noqa: E402
from tests.test_classview import STYLES, cells_of, disguise  # noqa: E402


def main(n: int) -> None:
    started = time.perf_counter()
    given = similarity.boilerplate_hashes(boilerplate.sources())
    boilerplate_seconds = time.perf_counter() - started
    styles = {name: cells_of(path) for name, path in STYLES.items()}
    scripts = {name: cells[0].code for name, cells in styles.items() if name != "notebook"}
    names = sorted(scripts)
    students = {f"s{i:03}": (names[i % len(names)], disguise(scripts[names[i % len(names)]], seed=i))
                for i in range(n)}
    started = time.perf_counter()
    documents = [similarity.document(s, [code.Cell("backprop.py", text)], given) for s, (_, text) in students.items()]
    fingerprint_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pairs = similarity.similar_pairs(documents)
    compare_seconds = time.perf_counter() - started
    same_style = sum(1 for a, b in combinations(students.values(), 2) if a[0] == b[0])
    caught = sum(1 for p in pairs if students[p.student_a][0] == students[p.student_b][0])
    print(f"{n} students ({len(names)} styles, each disguised): {n * (n - 1) // 2} pairs")
    print(f"  boilerplate {boilerplate_seconds:.2f} s, fingerprints {fingerprint_seconds:.2f} s, "
          f"pairs and matching code {compare_seconds:.2f} s")
    print(f"  flagged {len(pairs)}: {caught} of {same_style} same-style pairs, "
          f"{len(pairs) - caught} across styles (threshold {similarity.THRESHOLD})")
    originals = {name: similarity.document(name, cells, given) for name, cells in styles.items()}
    independent = max(similarity.similarity(a, b) for a, b in combinations(originals.values(), 2))
    copies = [similarity.similarity(similarity.document("copy", [code.Cell("backprop.py", disguise(text, seed))],
                                                        given), originals[name])
              for name, text in scripts.items() for seed in range(5)]
    print(f"corpus: highest independent pair {independent:.2f}; disguised copies {min(copies):.2f} to "
          f"{max(copies):.2f} against their source ({len(copies)} copies)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
