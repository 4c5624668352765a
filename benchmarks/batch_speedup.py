"""How much faster a batch grades with -j 2 than with -j 1.

    python benchmarks/batch_speedup.py [N]

Grades N copies of reference/ (default 6) twice, each time into a fresh
output folder so nothing is skipped as unchanged, and prints the wall-clock
times and the speedup. Each student is its own grader process, so the
speedup is bounded by the CPUs free, which other work on the machine takes:
the "ceiling" line measures that bound now, as the speedup of two pure-CPU
processes run side by side.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def grade(klass: Path, out: Path, jobs: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", str(klass), "--batch", "--out", str(out), "-j", str(jobs)],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def ceiling() -> float:
    """How much faster two CPU-bound processes finish side by side than one after the other."""
    burn = [sys.executable, "-c", "sum(i * i for i in range(8 * 10**6))"]
    started = time.perf_counter()
    subprocess.run(burn, check=True)
    one = time.perf_counter() - started
    started = time.perf_counter()
    for process in [subprocess.Popen(burn) for _ in range(2)]:
        process.wait()
    return 2 * one / (time.perf_counter() - started)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        for i in range(n):
            shutil.copytree(REPO / "reference", klass / f"student{i:02d}")
        one = grade(klass, Path(tmp) / "out-j1", 1)
        two = grade(klass, Path(tmp) / "out-j2", 2)
    print(f"{n} copies of reference/ on {os.cpu_count()} CPUs")
    print(f"-j 1: {one:6.1f} s  ({one / n:.2f} s per student)")
    print(f"-j 2: {two:6.1f} s  ({two / n:.2f} s per student)")
    print(f"speedup: {one / two:.2f}x  (ceiling on this machine now: {ceiling():.2f}x)")


if __name__ == "__main__":
    main()
