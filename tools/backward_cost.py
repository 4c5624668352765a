"""Measure what backward costs on its large case (grader/backprop/checks/cost.py), as the grader runs it.

Each submission's definitions run in the grader's confined child, which then
answers the large-network probe once with the deadline given here instead of
the check's, under the configured memory limit. Prints a Markdown row per
submission for docs/calibration.md: the probe's status, the wall time the
grader waited, and the child's peak resident memory (the grader reaps the
child, so it is its own getrusage of children).

    python tools/backward_cost.py reference/ SUBMISSION... [--seconds 600] [--memory-mb 2048] [--size 256 64 256 8]
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader import definitions, sandbox, submission  # noqa: E402
from grader.backprop import Backprop, budgets  # noqa: E402
from grader.backprop.budgets import network  # noqa: E402
from grader.backprop.checks import cost  # noqa: E402


def measure(folder: Path, seconds: float, memory_mb: int) -> str:
    assignment = Backprop()
    assignment.settings["limits"]["memory_mb"] = memory_mb
    source = submission.load(folder)
    split = definitions.split([(c.label, c.code) for c in source.cells], False, assignment.interface)
    probe = replace(budgets.bounded(cost.probes(assignment.settings)[0]), timeout=seconds)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    run = sandbox.run(definitions.runnable(split.chunks, False), assignment.module_name, assignment.probe_files,
                      [probe], assignment.limits(), definitions.unavailable(split))
    waited = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    outcome = run.outcomes[probe.id]
    status = outcome.status if outcome.status != "error" else (outcome.error or {}).get("type", "error")
    memory = f"{peak / 1024:.0f} MB" if peak > before else f"under {before / 1024:.0f} MB"
    return f"| {folder.name} | {status} | {outcome.seconds:.3f} s | {waited:.2f} s | {memory} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--seconds", type=float, default=600.0, help="the probe's deadline here")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--size", type=int, nargs=4, metavar=("M", "N", "H", "K"), default=cost.LARGE)
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)  # one folder, its row only
    args = parser.parse_args()
    cost.LARGE = tuple(args.size)
    if args.row:
        print(measure(args.folders[0], args.seconds, args.memory_mb), flush=True)
        return
    m, n, h, k = cost.LARGE
    print(f"{m} samples, {n}-{h}-{k}: {network((n, h, k))} parameters; memory limit {args.memory_mb} MB\n")
    print("| submission | status | backward probe, child's clock | grader waited (with loading) | child's peak memory |")
    print("|---|---|---|---|---|", flush=True)
    for folder in args.folders:  # a process each: getrusage keeps the largest child it ever reaped
        subprocess.run([sys.executable, __file__, "--row", str(folder), "--seconds", str(args.seconds),
                        "--memory-mb", str(args.memory_mb), "--size", *map(str, cost.LARGE)], check=True)


if __name__ == "__main__":
    main()
