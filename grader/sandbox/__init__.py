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
from typing import Sequence

from grader.confine import plan as confinement
from grader.sandbox import lifetime
from grader.sandbox.model import Limits, Outcome, Probe, Run, SandboxError, reason
from grader.sandbox.session import Session, shipped
from grader.sandbox.streams import Output

__all__ = ["Limits", "Outcome", "Probe", "Run", "SandboxError", "run", "shipped"]


def run(chunks: list[dict], module_name: str, probe_files: Sequence[Path], probes: list[Probe],
        limits: Limits = Limits(), unavailable: dict[str, tuple[str, str]] | None = None) -> Run:
    """Run every probe against the submission; each gets an Outcome, whatever happens.

    `chunks` are the top-level statements to run, in order: {"cell", "code",
    "first_line", "whole", "defines"} (whole: a notebook cell, which stops at
    its first error).

    `unavailable` names functions no probe may call ({name: (root cause,
    why)}: a syntax error, say). A function that hangs or crashes a child
    joins them, as does one whose definition raised while loading: every
    probe that would call it is "blocked", at no cost in time, and a hung
    function is never called again (a probe that measures cost only learns
    that it is slow). Probes that call fewer functions run
    first, so a hang is charged to the function that hung.

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
    dead = dict(unavailable or {})
    remaining = sorted(probes, key=lambda p: len(p.calls))
    while remaining := _unblocked(remaining, dead, result):
        left = limits.total_seconds - (time.monotonic() - started)
        if left <= 0:
            for probe in remaining:
                result.outcomes[probe.id] = Outcome("timeout", error=reason(
                    f"the whole submission used its {limits.total_seconds:g} s"))
            break
        session = Session(chunks, module_name, probe_files, remaining, limits, output, left, plan)
        session.run()
        result.children += 1
        if result.children == 1:
            result.load_errors, result.defined = session.load_errors, session.defined
            result.confinement = {"mode": plan.mode, "layers": session.applied}
            for name, why in _raised_at_load(chunks, session.load_errors, session.defined).items():
                dead.setdefault(name, (name, why))
        result.outcomes.update(session.outcomes)
        for probe in remaining:
            outcome = session.outcomes.get(probe.id)
            if outcome and outcome.status in ("timeout", "crashed") and probe.calls and not probe.measures_cost:
                what = "never returned" if outcome.status == "timeout" else "ended the confined process that ran it"
                if probe.calls[0] not in dead:
                    why = f"{what} when the grader called it ({probe.id})"
                    dead[probe.calls[0]] = (probe.calls[0], why)
                    result.stopped[probe.calls[0]] = (outcome.status, why)
        if not session.loaded:
            # Its top level never finished: another child would fare no better.
            for probe in remaining:
                result.outcomes.setdefault(probe.id, Outcome("not_run", error=session.load_failure))
            break
    result.output = output.text()
    result.seconds = time.monotonic() - started
    return result


def _unblocked(probes: list[Probe], dead: dict[str, tuple[str, str]], result: Run) -> list[Probe]:
    """The probes still to run; those that call a dead function get a "blocked" outcome instead."""
    left = []
    for probe in probes:
        if probe.id in result.outcomes:
            continue
        culprit = next((name for name in dead if probe.needs(name)), None)
        if culprit is None:
            left.append(probe)
        else:
            root, why = dead[culprit]
            result.outcomes[probe.id] = Outcome("blocked", error={
                "type": "Blocked", "message": f"{culprit} {why}", "where": None, "blocked_by": root})
    return left


def _raised_at_load(chunks: list[dict], errors: list[dict], defined: list[str]) -> dict[str, str]:
    """Names whose definition raised while loading, and so do not exist.

    The child says which chunk raised; it is held to the chunks sent, and a
    name counts only if the chunk was to define it and the child lacks it.
    """
    dead = {}
    present = set(defined)
    for error in errors:
        index = error.get("chunk")
        if isinstance(index, int) and 0 <= index < len(chunks):
            line = (error.get("where") or {}).get("line")
            for name in chunks[index].get("defines", ()):
                if name not in present:
                    dead[name] = f"raised {error.get('type')} while loading" + (f" (line {line})" if line else "")
    return dead
