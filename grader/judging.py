"""Judging: a check (a stable name, points, the probes it reads, a pure judge), what it reads, its verdict."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from grader.results import Feedback
from grader.sandbox import Outcome


@dataclass(frozen=True)
class Verdict:
    fraction: float  #: share of the check's points earned, 0..1
    feedback: Feedback
    measured: dict[str, Any] = field(default_factory=dict)
    diagnosed: tuple[str, ...] = ()  #: stable names of the bugs recognised (diagnosis.LABELS has their labels)


class ProbeFailed(Exception):
    """A probe the judge needs did not return a value."""

    def __init__(self, probe_id: str, outcome: Outcome):
        super().__init__(probe_id)
        self.probe_id, self.outcome = probe_id, outcome


class Observations:
    """What the children reported, read through `value` so failures stop the judge."""

    def __init__(self, outcomes: dict[str, Outcome]):
        self.outcomes = outcomes
        self.read: list[str] = []  #: the probes asked for, in order: what the check needs

    def value(self, probe_id: str) -> Any:
        self.read.append(probe_id)
        outcome = self.outcomes.get(probe_id) or Outcome("not_run")
        if outcome.status != "ok":
            raise ProbeFailed(probe_id, outcome)
        return outcome.value

    def warnings(self, probe_id: str) -> list[str]:
        outcome = self.outcomes.get(probe_id)
        return outcome.warnings if outcome else []


@dataclass(frozen=True)
class Check:
    name: str  #: "part.thing"; reused as Gradescope test, JUnit case, CSV column
    title: str
    points: float
    judge: Callable[[Observations], Verdict]
    where: str  #: the submission's name this check is about, e.g. "NeuralNetwork.backward"
