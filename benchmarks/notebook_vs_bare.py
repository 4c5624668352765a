"""Grading a notebook against running it: the grader must not wait on the student's exploration.

Takes the lesson-faithful notebook (tests/submissions/correct/notebook/),
raises its own XOR training to `--xor-epochs` (the lesson's scale), then
times, side by side in one run:

- bare: the same code cells run as one script, each cell's error caught as
  `jupyter nbconvert --execute --allow-errors` would (magics blanked, Agg backend);
- graded: `python -m grader NOTEBOOK`, which runs the definitions and skips
  the training runs, prints and plots.

The goal is graded <= half of bare. Prints the median of N runs each and their ratio.

    python benchmarks/notebook_vs_bare.py --runs 3 --xor-epochs 200000
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "tests" / "submissions" / "correct" / "notebook" / "backprop.ipynb"
XOR_LOOP = "for epoch in range(5000):"

BARE = r"""
import json, sys, traceback
import matplotlib
matplotlib.use("Agg")
namespace = {"__name__": "__main__"}
for number, code in enumerate(json.load(open(sys.argv[1])), start=1):
    try:
        exec(compile(code, f"cell {number}", "exec"), namespace)
    except Exception:
        print(f"cell {number} raised:", traceback.format_exc(limit=1).splitlines()[-1], file=sys.stderr)
"""


def notebook(folder: Path, xor_epochs: int) -> Path:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    loops = [c for c in nb.cells if c.cell_type == "code" and XOR_LOOP in c.source]
    if len(loops) != 1:
        sys.exit(f"{NOTEBOOK} changed: expected one cell with {XOR_LOOP!r}")
    loops[0].source = loops[0].source.replace(XOR_LOOP, f"for epoch in range({xor_epochs}):")
    path = folder / "backprop.ipynb"
    nbformat.write(nb, path)
    return path


def cells_file(path: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from grader.submission import strip_magics

    nb = nbformat.read(path, as_version=4)
    out = path.with_suffix(".cells.json")
    out.write_text(json.dumps([strip_magics(c.source)[0] for c in nb.cells if c.cell_type == "code"]))
    return out


def timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--xor-epochs", type=int, default=200_000, help="the notebook's own XOR training")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = notebook(folder, args.xor_epochs)
        cells = cells_file(path)
        bare, graded, total = [], [], ""
        for _ in range(args.runs):  # interleaved, so both see the same machine
            bare.append(timed([sys.executable, "-c", BARE, str(cells)], folder)[0])
            seconds, report = timed([sys.executable, "-m", "grader", str(path)], ROOT)
            graded.append(seconds)
            total = next((line for line in report.splitlines() if line.startswith("Total:")), "no total")
    b, g = statistics.median(bare), statistics.median(graded)
    print(f"notebook: {NOTEBOOK.relative_to(ROOT)}, its XOR training at {args.xor_epochs} epochs, "
          f"median of {args.runs} runs")
    print(f"bare run of its cells : {b:6.2f} s")
    print(f"python -m grader      : {g:6.2f} s   ({total})")
    print(f"graded / bare         : {g / b:6.2f}   (goal: at most 0.5)")


if __name__ == "__main__":
    main()
