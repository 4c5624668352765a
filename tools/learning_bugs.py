"""Measure that bugged-but-learning step rules pass the training checks, and correct code still does.

Each rule (grader/backprop/steps.py) is trained with the grader's own math from the grader's own
starting weights and data, over many seeds, and judged as xor.trains and spiral.trains judge a
verified run: the goal tested every `check_every` epochs, within the calibrated budget of the
objectives the rule descends, scaled by its measured step (checks/training.py, scaled_budget).
Seeds start at 10000, away from the grader's own. Prints a Markdown table for docs/calibration.md.

    python tools/learning_bugs.py --xor-seeds 200 --spiral-seeds 100 -j 2
"""
from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.backprop import tasks  # noqa: E402
from grader.backprop.checks.training import scaled_budget  # noqa: E402
from grader.backprop.settings import DEFAULTS  # noqa: E402
from grader.backprop.steps import Rule  # noqa: E402


def rules(lr: float) -> dict[str, Rule]:
    """The step each pattern makes at learning rate `lr`, named as the corpus names the bug."""
    return {
        "correct, cross-entropy": Rule("cross_entropy", None, (lr,) * 4),
        "correct, mse": Rule("mse", None, (lr,) * 4),
        "correct, half_sse": Rule("half_sse", None, (lr,) * 4),
        "learning rate hard-coded 0.1 (cross-entropy)": Rule("cross_entropy", None, (0.1,) * 4),
        "learning rate hard-coded 0.1 (half_sse)": Rule("half_sse", None, (0.1,) * 4),
        "2 x cross-entropy": Rule("cross_entropy", None, (2 * lr,) * 4),
        "mixed: output half_sse, hidden cross-entropy": Rule("half_sse", "hidden_on_cross_entropy", (lr,) * 4),
        "mixed: output mse (2 x), hidden 2 x cross-entropy": Rule("mse", "hidden_on_cross_entropy",
                                                                  (2 * lr, 2 * lr, lr, lr)),
    }


def xor_passes(job: tuple[str, int]) -> bool:
    name, seed = job
    s = DEFAULTS["xor"]
    rule = rules(s["learning_rate"])[name]
    budget = scaled_budget(max(s["max_epochs"][o] for o in rule.objectives()), rule, s["learning_rate"])
    params = tasks.start_params(seed, (2, s["hidden_size"], 1))
    for epoch in range(1, budget + 1):
        params = rule.step(params, tasks.XOR_X, tasks.XOR_Y)
        if epoch % s["check_every"] == 0 and tasks.xor_solved(rule.forward(params, tasks.XOR_X)["a2"],
                                                              s["tolerance"]):
            return True
    return False


def spiral_passes(job: tuple[str, int]) -> bool:
    name, seed = job
    s = DEFAULTS["spiral"]
    rule = rules(s["learning_rate"])[name]
    X, y = tasks.spiral(seed, s["n_samples"], s["noise"])
    params = tasks.start_params(seed, (2, s["hidden_size"], 1))
    for epoch in range(1, scaled_budget(s["max_epochs"], rule, s["learning_rate"]) + 1):
        params = rule.step(params, X, y)
        if epoch % s["check_every"] == 0 and tasks.accuracy(rule.forward(params, X)["a2"], y) >= s["accuracy"]:
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xor-seeds", type=int, default=200)
    parser.add_argument("--spiral-seeds", type=int, default=100)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"| rule | XOR passes ({args.xor_seeds} seeds) | spiral passes ({args.spiral_seeds} seeds) |")
    print("|---|---|---|")
    with ProcessPoolExecutor(args.jobs) as pool:
        for name in rules(1.0):
            xor = sum(pool.map(xor_passes, [(name, 10_000 + i) for i in range(args.xor_seeds)], chunksize=4))
            spiral = sum(pool.map(spiral_passes, [(name, 10_000 + i) for i in range(args.spiral_seeds)], chunksize=4))
            print(f"| {name} | {xor} of {args.xor_seeds} | {spiral} of {args.spiral_seeds} |", flush=True)


if __name__ == "__main__":
    main()
