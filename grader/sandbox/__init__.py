"""Run submission code in confined child processes, under limits, and collect what they send.

The grader never imports submission code. A child runs the submission's
cells and then the probes asked of it (child.py, copied into its scratch
folder), sending one JSON line per event over a pipe of its own. Each child
is confined by a trusted launcher (launch.py) with the layers this machine
allows (grader/confine/plan.py). This package enforces the limits: a
wall-clock deadline for loading and for each probe, rlimits, a cap on
output. When a child misbehaves (times out, crashes, exits early) the probe
it was on is marked and a fresh child takes the remaining probes.
"""
from __future__ import annotations

import time
from pathlib import Path

from grader.confine import plan as confinement
from grader.sandbox import lifetime
from grader.sandbox.model import Limits, Outcome, Probe, Run, SandboxError, reason
from grader.sandbox.session import Session
from grader.sandbox.streams import Output

__all__ = ["Limits", "Outcome", "Probe", "Run", "SandboxError", "run"]


def run(cells: list[dict], module_name: str, probe_file: Path, probes: list[Probe],
        limits: Limits = Limits()) -> Run:
    """Run every probe against the submission; each gets an Outcome, whatever happens.

    Raises SandboxError before running anything when this machine cannot
    confine a child safely (grader/confine/plan.py says why and how to fix it).
    """
    plan = confinement.current()
    if plan.refusal:
        raise SandboxError(plan.refusal)
    lifetime.become_subreaper()
    if plan.uid is not None:
        lifetime.kill_uid(plan.uid)
    started = time.monotonic()
    result = Run(outcomes={}, confinement=plan.record(), notes=list(plan.notes))
    output = Output(limits.output_kb * 1024)
    remaining = list(probes)
    while remaining:
        left = limits.total_seconds - (time.monotonic() - started)
        if left <= 0:
            for probe in remaining:
                result.outcomes[probe.id] = Outcome("timeout", error=reason(
                    f"the whole submission used its {limits.total_seconds:g} s"))
            break
        session = Session(cells, module_name, probe_file, remaining, limits, output, left, plan)
        session.run()
        result.children += 1
        if result.children == 1:
            result.load_errors, result.defined = session.load_errors, session.defined
            result.confinement = {"mode": plan.mode, "layers": session.applied}
        result.outcomes.update(session.outcomes)
        if not session.loaded:
            # Its top level never finished: another child would fare no better.
            for probe in remaining:
                result.outcomes.setdefault(probe.id, Outcome("not_run", error=session.load_failure))
            break
        remaining = [p for p in remaining if p.id not in result.outcomes]
    result.output = output.text()
    result.seconds = time.monotonic() - started
    return result
