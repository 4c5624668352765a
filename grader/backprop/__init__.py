"""The Week 2, Day 7 assignment: backpropagation and training by hand.

Parts follow the lesson: activation and manual network (Exercise 1), the
NeuralNetwork class and its gradients (Exercise 2), training and plots
(Exercises 3 and 4), the hyperparameter challenge.
"""
from __future__ import annotations

from pathlib import Path

from grader import sandbox, wire
from grader.backprop import budgets, tasks
from grader.backprop import settings as settings_module
from grader.backprop.checks import (activation, gradients, hyperparameters, manual, network, numerical, plots,
                                    spiral_data, training)
from grader.judging import Check, Observations, ProbeFailed
from grader.report import bounds

PARTS = (activation, manual, network, gradients, training, spiral_data, hyperparameters, plots)


class Backprop:
    name = "backprop"
    module_name = "backprop"
    interface = ("sigmoid", "sigmoid_derivative", "manual_backprop", "NeuralNetwork", "train", "plot_loss",
                 "plot_decision_boundary", "make_spiral_data", "explore_hyperparameters")
    probe_files = (Path(__file__).with_name("probes.py"), Path(__file__).with_name("evaluations.py"))

    def __init__(self, config: Path | None = None):
        self.settings = settings_module.load(config)

    def probes(self) -> list[sandbox.Probe]:
        s = self.settings
        declared = [p for part in (activation, manual, network, gradients, spiral_data, hyperparameters, plots)
                    for p in part.probes(s)] + training.xor_probes(s) + training.spiral_probes(s)
        return [budgets.bounded(p) for p in declared]

    def checks(self) -> list[Check]:
        s = self.settings
        return [c for part in PARTS for c in part.checks(s)]

    def limits(self) -> sandbox.Limits:
        lim = self.settings["limits"]
        return sandbox.Limits(
            memory_mb=lim["memory_mb"], cpu_seconds=lim["cpu_seconds"], processes=lim["processes"],
            open_files=lim["open_files"], file_size_mb=lim["file_size_mb"], disk_mb=lim["disk_mb"], output_kb=lim["output_kb"],
            load_seconds=lim["load_seconds"], total_seconds=lim["total_seconds"])

    def flags(self, observations: Observations) -> list[dict]:
        """What the probes saw that a human should review; never scored here."""
        return gradients.flags(observations, self.settings) + numerical.flags(observations, self.settings)

    def _data(self, key: str):
        if key == "xor":
            return tasks.XOR_X, tasks.XOR_Y
        sp = self.settings["spiral"]
        return tasks.spiral(sp["seeds"][0], sp["n_samples"], sp["noise"])

    def artifacts(self, observations: Observations) -> dict:
        """Data for the HTML report's pictures; display only, never scored, cut to grader/report/bounds.py."""
        out = {}
        for key, probe_id in (("xor", f"xor.seed{self.settings['xor']['seeds'][0]}"),
                              ("spiral", f"spiral.seed{self.settings['spiral']['seeds'][0]}")):
            try:
                value = observations.value(probe_id)
            except ProbeFailed:
                continue
            value = value if isinstance(value, dict) else {}
            losses, step = bounds.curve(value.get("losses"))
            checkpoints = value.get("checkpoints")
            final = checkpoints[-1] if isinstance(checkpoints, list) and checkpoints else None
            # The four parameters only: anything else the child put beside them is not ours to keep.
            final = {k: final[k] for k in ("W1", "b1", "W2", "b2")} if bounds.small_network(final) else None
            out[key] = {"losses": losses, "loss_step": step, "final": final,
                        **wire.encode(dict(zip(("X", "y"), self._data(key))))}
        for key in ("plots.loss", "plots.decision_boundary"):
            try:
                value = observations.value(key)
            except ProbeFailed:
                continue
            png = value.get("png") if isinstance(value, dict) else None
            out[key] = {"png": png if isinstance(png, str) else None}
        try:
            value = observations.value("hyperparameters.curves")
            out["hyperparameters"] = bounds.curves(value.get("curves") if isinstance(value, dict) else None)
        except ProbeFailed:
            pass
        return out
