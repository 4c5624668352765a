"""How much does grading cost beyond the training it must do?

Times `python -m grader reference/` against a plain script that does the
same training in one process: the reference's own train_step on the grader's
XOR and spiral tasks (same seeds, starting weights, learning rates and stop
rules). Prints the median of N runs each and their ratio.

    python benchmarks/grading_overhead.py --runs 5
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLAIN = r"""
import sys
sys.path.insert(0, {root!r})
import importlib.util
import numpy as np
from grader.backprop import objectives, tasks
from grader.backprop.settings import DEFAULTS

spec = importlib.util.spec_from_file_location("backprop", {root!r} + "/reference/backprop.py")
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)


def fit(sizes, params, X, y, lr, max_epochs, every, done):
    net = ref.NeuralNetwork(*sizes, learning_rate=lr)
    for k, v in params.items():
        setattr(net, k, v.copy())
    for epoch in range(1, max_epochs + 1):
        net.train_step(X, y)
        if epoch % every == 0 and done(net.forward(X)):
            return epoch


x, s = DEFAULTS["xor"], DEFAULTS["spiral"]
for seed in x["seeds"]:
    sizes = (2, x["hidden_size"], 1)
    fit(sizes, tasks.start_params(seed, sizes), tasks.XOR_X, tasks.XOR_Y, x["learning_rate"],
        max(x["max_epochs"].values()), x["check_every"], lambda a2: tasks.xor_solved(a2, x["tolerance"]))
for seed in s["seeds"]:
    sizes = (2, s["hidden_size"], 1)
    X, y = tasks.spiral(seed, s["n_samples"], s["noise"])
    fit(sizes, tasks.start_params(seed, sizes), X, y, s["learning_rate"], s["max_epochs"], s["check_every"],
        lambda a2: tasks.accuracy(a2, y) >= s["accuracy"])
"""


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    grader = [timed([sys.executable, "-m", "grader", "reference/"]) for _ in range(args.runs)]
    plain = [timed([sys.executable, "-c", PLAIN.format(root=str(ROOT))]) for _ in range(args.runs)]
    g, p = statistics.median(grader), statistics.median(plain)
    print(f"python -m grader reference/: median {g:.2f} s of {args.runs} ({', '.join(f'{t:.2f}' for t in grader)})")
    print(f"plain training script:       median {p:.2f} s of {args.runs} ({', '.join(f'{t:.2f}' for t in plain)})")
    print(f"ratio grader / plain: {g / p:.2f}")


if __name__ == "__main__":
    main()
