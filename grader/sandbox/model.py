"""What the sandbox is asked (probes, limits) and what it answers (outcomes)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SandboxError(Exception):
    """The child could not be confined as this machine promised: grading stops, nothing runs unconfined."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 2048  #: address space: all the submission holds, since it may start no process
    cpu_seconds: int = 600  #: CPU time per child
    processes: int = 32  #: threads of the sandbox uid (RLIMIT_NPROC)
    open_files: int = 256
    file_size_mb: int = 16
    disk_mb: int = 256  #: scratch and shared memory together, all files of the child
    output_kb: int = 64  #: stdout/stderr kept for the report
    channel_mb: int = 64  #: most a child may send
    load_seconds: float = 60.0  #: the submission's top-level code
    total_seconds: float = 600.0  #: the whole submission, all children together


@dataclass(frozen=True)
class Probe:
    id: str
    kind: str
    args: dict
    timeout: float
    max_bytes: int = 1 << 20  #: the longest answer this probe can legitimately send
    #: the submission's functions it calls ("Class.method" or "function"), the one it is about first
    calls: tuple[str, ...] = ()
    #: the shape of its answer: "list", or the keys of a dict; any other answer is the child's doing
    #: (a probe swapped by the submission), never the judge's to trip over
    answer: str | tuple[str, ...] | None = None
    #: it asks whether a call is cheap: running out of time or memory is its answer, not a hang, so the
    #: function it calls stays callable for the other probes
    measures_cost: bool = False

    def needs(self, name: str) -> bool:
        """Whether it calls `name`, or anything of the class `name`."""
        return any(call == name or call.startswith(name + ".") for call in self.calls)


@dataclass
class Outcome:
    status: str  #: "ok", "error" (the submission raised), "timeout", "crashed", "not_run", "blocked"
    value: Any = None
    error: dict | None = None  #: {"type", "message", "where"}, and "blocked_by" when blocked
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Run:
    outcomes: dict[str, Outcome]
    load_errors: list[dict] = field(default_factory=list)
    defined: list[str] = field(default_factory=list)
    output: str = ""
    children: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    confinement: dict = field(default_factory=dict)  #: {"mode", "layers"} as the launcher applied them
    #: the submission's functions that hung or crashed a child: {name: ("timeout" | "crashed", why)}
    stopped: dict[str, tuple[str, str]] = field(default_factory=dict)


def reason(message: str, kind: str = "GraderLimit") -> dict:
    return {"type": kind, "message": message, "where": None}
