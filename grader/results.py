"""The result model: what every reporter renders and nothing recomputes."""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Status(str, enum.Enum):
    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    NOT_IMPLEMENTED = "not_implemented"
    ERROR = "error"  #: the submission raised, crashed or timed out
    BLOCKED = "blocked"  #: a function it needs is broken elsewhere (`blocked_by`): charged there, not here
    GRADER_ERROR = "grader_error"  #: our bug, never the student's fault


@dataclass(frozen=True)
class Feedback:
    summary: str  #: one line, fits a FAILED summary
    details: tuple[str, ...] = ()  #: expected/got lines, likely bug, next step

    def text(self) -> str:
        return "\n".join((self.summary, *self.details))


@dataclass(frozen=True)
class CheckResult:
    name: str  #: stable id, "part.thing": Gradescope test, JUnit case, CSV column
    title: str
    max_score: float
    score: float
    status: Status
    feedback: Feedback
    measured: dict[str, Any] = field(default_factory=dict)  #: figures the judge measured
    where: str | None = None  #: the submission's name this check is about, e.g. "NeuralNetwork.backward"
    diagnosed: tuple[str, ...] = ()  #: stable names of the bugs the judge recognised, e.g. "missing_1_over_m"
    blocked_by: str | None = None  #: with status "blocked": the submission's function that blocks it
    #: the submission's functions its probes called, and what those read, first seen first: what can spoil it
    needs: tuple[str, ...] = ()
    raised_in: str | None = None  #: with an error: the submission's function whose own line raised it

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["feedback"] = {"summary": self.feedback.summary, "details": list(self.feedback.details)}
        data["diagnosed"] = list(self.diagnosed)
        data["needs"] = list(self.needs)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        feedback = Feedback(data["feedback"]["summary"], tuple(data["feedback"]["details"]))
        return cls(**{**data, "status": Status(data["status"]), "feedback": feedback,
                      "diagnosed": tuple(data.get("diagnosed", ())), "needs": tuple(data.get("needs", ()))})


@dataclass(frozen=True)
class SubmissionResult:
    submission: str  #: the path graded, as given
    source_kind: str  #: "python", "notebook" or "" when nothing could be read
    digest: str
    checks: tuple[CheckResult, ...]
    notes: tuple[str, ...] = ()  #: loading notes: skipped magics, cells that raised
    output: str = ""  #: the submission's captured stdout/stderr, capped
    timings: dict[str, float] = field(default_factory=dict)
    grader_version: str = ""
    artifacts: dict[str, Any] = field(default_factory=dict)  #: data for views (curves, PNGs), never scores
    #: integrity flags for a human to review, never scored: {"code", "message", "where": {"cell", "line"} | None}
    flags: tuple[dict[str, Any], ...] = ()
    #: how the child was confined: {"mode": "namespaces" | "landlock" | "permissions" | "none", "layers": [...]}
    confinement: dict[str, Any] = field(default_factory=dict)
    #: what stopped part of the submission, root causes: {"kind": "syntax_error" | "load_error" | "timeout" | "crashed",
    #: "cell", "line", "offset" (caret column, from 1), "message", "text" (the line), "defines": [names lost]}
    problems: tuple[dict[str, Any], ...] = ()

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.checks), 6)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status is not Status.PASSED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "submission": self.submission,
            "source_kind": self.source_kind,
            "digest": self.digest,
            "score": self.score,
            "max_score": self.max_score,
            "checks": [c.to_dict() for c in self.checks],
            "notes": list(self.notes),
            "output": self.output,
            "timings": self.timings,
            "grader_version": self.grader_version,
            "artifacts": self.artifacts,
            "flags": [dict(f) for f in self.flags],
            "confinement": self.confinement,
            "problems": [dict(p) for p in self.problems],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        return cls(
            submission=data["submission"],
            source_kind=data["source_kind"],
            digest=data["digest"],
            checks=tuple(CheckResult.from_dict(c) for c in data["checks"]),
            notes=tuple(data["notes"]),
            output=data["output"],
            timings=dict(data["timings"]),
            grader_version=data["grader_version"],
            artifacts=dict(data.get("artifacts", {})),
            flags=tuple(data.get("flags", ())),
            confinement=dict(data.get("confinement", {})),
            problems=tuple(data.get("problems", ())),
        )
