"""The parent's reading of a 5 MB hostile file against a 5 MB ordinary one.

Everything the grader's own process does with a submission's text before
and after the sandbox runs it: syntax recovery and definition splitting
(definitions.split), the integrity flags (integrity.scan) and the lines of
annotations (locate.definition_lines). The ordinary file is the reference
repeated; each hostile one is built to make a reader re-parse or re-walk
what it has read. The goal: a hostile file costs a small multiple of an
ordinary one, never minutes.

    python benchmarks/parse_hostile.py [--megabytes 5]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from grader import definitions, integrity
from grader.report import locate
from grader.submission import Cell

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = (ROOT / "reference" / "backprop.py").read_text(encoding="utf-8")


def files(size: int) -> dict[str, str]:
    def filled(line: str) -> str:
        return line * (size // len(line))

    return {
        "ordinary (the reference, repeated)": filled(REFERENCE),
        "unclosed calls, one a line": REFERENCE + filled("f(" * 20 + "\n"),
        "a chain of 500 calls a line": filled("x = a" + ".f()" * 500 + "\n"),
        "a chain of 900 attributes a line": filled("x = a" + ".b" * 900 + "\n"),
        "1+1+... too deep to parse": REFERENCE + filled("x = " + "1+" * 10_000 + "1\n"),
        "a class of broken methods": filled("class C:\n    def m(self:\n        pass\n"),
    }


def timed(call) -> float:
    """CPU seconds, which other work on the machine changes less than wall time."""
    started = time.process_time()
    call()
    return time.process_time() - started


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--megabytes", type=float, default=5)
    size = int(p.parse_args().megabytes * 1024 * 1024)
    print(f"{'CPU seconds, file':36} {'split':>8} {'flags':>8} {'lines':>8} {'total':>8}")
    for name, code in files(size).items():
        times = [timed(lambda: definitions.split([("backprop.py", code)], False)),
                 timed(lambda: integrity.scan([Cell("backprop.py", code)])),
                 timed(lambda: locate.definition_lines(code))]
        print(f"{name:36} " + " ".join(f"{t:7.2f}s" for t in times) + f" {sum(times):7.2f}s")


if __name__ == "__main__":
    main()
