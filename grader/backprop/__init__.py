"""The Week 2, Day 7 assignment: backpropagation and training by hand.

Parts follow the lesson: activation and manual network (Exercise 1), the
NeuralNetwork class and its gradients (Exercise 2), training and plots
(Exercises 3 and 4), the hyperparameter challenge.
"""
from __future__ import annotations

from pathlib import Path

from grader import sandbox, wire
from grader.backprop import settings as settings_module
from grader.backprop import tasks
from grader.backprop.checks import (activation, gradients, hyperparameters, manual, network, plots,
                                    spiral_data, training)
from grader.check import Check, Observations, ProbeFailed

PARTS = (activation, manual, network, gradients, training, spiral_data, hyperparameters, plots)


class Backprop:
    name = "backprop"
    module_name = "backprop"
    probe_file = Path(__file__).with_name("probes.py")

    def __init__(self, config: Path | None = None):
        self.settings = settings_module.load(config)

    def probes(self) -> list[sandbox.Probe]:
        s = self.settings
        return [p for part in (activation, manual, network, gradients, spiral_data, hyperparameters, plots)
                for p in part.probes(s)] + training.xor_probes(s) + training.spiral_probes(s)

    def checks(self) -> list[Check]:
        s = self.settings
        return [c for part in PARTS for c in part.checks(s)]

    def limits(self) -> sandbox.Limits:
        lim = self.settings["limits"]
        return sandbox.Limits(
            memory_mb=lim["memory_mb"], cpu_seconds=lim["cpu_seconds"], processes=lim["processes"],
            open_files=lim["open_files"], file_size_mb=lim["file_size_mb"], output_kb=lim["output_kb"],
            load_seconds=lim["load_seconds"], total_seconds=lim["total_seconds"])

    def _data(self, key: str):
        if key == "xor":
            return tasks.XOR_X, tasks.XOR_Y
        sp = self.settings["spiral"]
        return tasks.spiral(sp["seeds"][0], sp["n_samples"], sp["noise"])

    def artifacts(self, observations: Observations) -> dict:
        """Data for the HTML report's pictures; display only, never scored."""
        out = {}
        for key, probe_id in (("xor", f"xor.seed{self.settings['xor']['seeds'][0]}"),
                              ("spiral", f"spiral.seed{self.settings['spiral']['seeds'][0]}")):
            try:
                value = observations.value(probe_id)
                losses = value.get("losses") or []
                # Enough points for a picture; the JSON report stays small.
                step = max(1, len(losses) // 1000)
                out[key] = {"losses": losses[::step], "loss_step": step,
                            "final": (value.get("checkpoints") or [None])[-1],
                            **wire.encode(dict(zip(("X", "y"), self._data(key))))}
            except ProbeFailed:
                pass
        for key in ("plots.loss", "plots.decision_boundary"):
            try:
                out[key] = {"png": observations.value(key).get("png")}
            except ProbeFailed:
                pass
        try:
            out["hyperparameters"] = observations.value("hyperparameters.curves").get("curves")
        except ProbeFailed:
            pass
        return out
