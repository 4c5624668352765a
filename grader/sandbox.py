"""Run submission code in child processes, under limits, and collect what they send.

The grader never imports submission code. A child runs the submission's cells
and then the probes asked of it (grader/child.py), sending one JSON line per
event over a pipe of its own. This module enforces the limits: a wall-clock
deadline for loading and for each probe, rlimits on memory, CPU time,
processes, open files and file size, and a cap on output. When a child
misbehaves (times out, crashes, exits early) the probe it was on is marked and
a fresh child takes the remaining probes. Every process a child started is
killed when it ends.
"""
from __future__ import annotations

import ctypes
import os
import resource
import select
import signal
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import isolation, wire

GRADER_PARENT = str(Path(__file__).resolve().parent.parent)
# -I keeps the user's site-packages and PYTHON* variables out; the grader's
# own folder goes last on sys.path so a submission cannot shadow it.
BOOT = f"import sys; sys.path.append({GRADER_PARENT!r}); from grader.child import main; main()"
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 2048  #: address space per child
    cpu_seconds: int = 600  #: CPU time per child
    processes: int = 32
    open_files: int = 256
    file_size_mb: int = 16
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


@dataclass
class Outcome:
    status: str  #: "ok", "error" (the submission raised), "timeout", "crashed", "not_run"
    value: Any = None
    error: dict | None = None  #: {"type", "message", "where"}
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


def run(cells: list[dict], module_name: str, probe_module: str, probes: list[Probe],
        limits: Limits = Limits()) -> Run:
    """Run every probe against the submission; each gets an Outcome, whatever happens."""
    _become_subreaper()
    started = time.monotonic()
    result = Run(outcomes={})
    output = _Capped(limits.output_kb * 1024)
    remaining = list(probes)
    while remaining:
        left = limits.total_seconds - (time.monotonic() - started)
        if left <= 0:
            for probe in remaining:
                result.outcomes[probe.id] = Outcome("timeout", error=_reason(
                    f"the whole submission used its {limits.total_seconds:g} s"))
            break
        session = _Session(cells, module_name, probe_module, remaining, limits, output, left)
        session.run()
        result.children += 1
        if result.children == 1:
            result.load_errors, result.defined = session.load_errors, session.defined
        result.outcomes.update(session.outcomes)
        result.notes.extend(n for n in session.notes if n not in result.notes)
        if not session.loaded:
            # Its top level never finished: another child would fare no better.
            for probe in remaining:
                result.outcomes.setdefault(probe.id, Outcome("not_run", error=session.load_failure))
            break
        remaining = [p for p in remaining if p.id not in result.outcomes]
    result.output = output.text()
    result.seconds = time.monotonic() - started
    return result


def _reason(message: str, kind: str = "GraderLimit") -> dict:
    return {"type": kind, "message": message, "where": None}


class _Capped:
    """The first `limit` bytes of everything the children printed."""

    def __init__(self, limit: int):
        self.limit, self.data, self.dropped = limit, bytearray(), 0
        self.lock = threading.Lock()

    def feed(self, stream) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            with self.lock:
                room = self.limit - len(self.data)
                self.data += chunk[:max(room, 0)]
                self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output not shown]"
        return text


class _Session:
    """One child process working through a list of probes."""

    def __init__(self, cells, module_name, probe_module, probes, limits, output, seconds_left):
        self.probes, self.limits, self.output = probes, limits, output
        self.deadline_total = time.monotonic() + seconds_left
        self.request = {"cells": cells, "module_name": module_name,
                        "probe_module": probe_module,
                        "probes": [{"id": p.id, "kind": p.kind, "args": p.args} for p in probes]}
        self.outcomes: dict[str, Outcome] = {}
        self.loaded = False
        self.load_errors: list[dict] = []
        self.defined: list[str] = []
        self.load_failure: dict | None = None
        self.notes: list[str] = []

    def run(self) -> None:
        scratch = tempfile.mkdtemp(prefix="grader-")
        try:
            request_path = os.path.join(scratch, "request.json")
            with open(request_path, "wb") as f:
                f.write(wire.dumps(self.request))
            read_fd, write_fd = os.pipe()
            try:
                process = self._start(scratch, request_path, write_fd)
            finally:
                os.close(write_fd)
            reader = threading.Thread(target=self.output.feed, args=(process.stdout,), daemon=True)
            reader.start()
            try:
                self._converse(read_fd, process)
            finally:
                _kill_tree(process)
                os.close(read_fd)
                reader.join(timeout=5)
                process.stdout.close()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _start(self, scratch: str, request_path: str, write_fd: int) -> subprocess.Popen:
        _seed_matplotlib_cache(os.path.join(scratch, ".matplotlib"))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": os.path.join(scratch, ".matplotlib"),
            # One BLAS/OpenMP thread: limits and timings stay stable.
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        }
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # some CPUs need these
            if name in os.environ:
                env[name] = os.environ[name]
        limits = self.limits
        # A uid per grading process: concurrent graders (a batch) cannot
        # signal each other's children or share their process count.
        uid = isolation.SANDBOX_UID - os.getpid() % 2000

        def confine() -> None:
            isolation.confine(scratch, uid)
            # If the grader dies outright, its child goes too (set after
            # confine: a change of uid clears it).
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            mb = 1024 * 1024
            for which, value in ((resource.RLIMIT_AS, limits.memory_mb * mb),
                                 (resource.RLIMIT_CPU, limits.cpu_seconds),
                                 (resource.RLIMIT_NPROC, limits.processes),
                                 (resource.RLIMIT_NOFILE, limits.open_files),
                                 (resource.RLIMIT_FSIZE, limits.file_size_mb * mb),
                                 (resource.RLIMIT_CORE, 0)):
                resource.setrlimit(which, (value, value))

        return subprocess.Popen(
            [sys.executable, "-I", "-c", BOOT, request_path, str(write_fd)],
            cwd=scratch, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, pass_fds=(write_fd,), start_new_session=True,
            preexec_fn=confine)

    def _converse(self, fd: int, process: subprocess.Popen) -> None:
        """Read events until `done`, a deadline, or the child's end."""
        lines = _Lines(fd, self.limits.channel_mb * 1024 * 1024)
        pending = list(self.probes)
        phase_start = time.monotonic()
        while True:
            current = pending[0] if self.loaded and pending else None
            budget = current.timeout if current else self.limits.load_seconds
            deadline = min(phase_start + budget, self.deadline_total)
            try:
                message = lines.next(deadline)
            except _Timeout:
                self._fail(current, "timeout", f"did not finish within {deadline - phase_start:.3g} s")
                return
            except _TooMuch:
                self._fail(current, "crashed", "sent more data than the grader accepts")
                return
            if message is None:
                process.wait()
                self._fail(current, "crashed", _exit_reason(process.returncode))
                return
            event = message.get("event") if isinstance(message, dict) else None
            if event == "loaded" and not self.loaded:
                self.loaded = True
                self.load_errors = list(message.get("errors") or [])
                self.defined = list(message.get("defined") or [])
                phase_start = time.monotonic()
            elif event == "result" and current is not None and message.get("id") == current.id:
                self.outcomes[current.id] = _outcome(message)
                pending.pop(0)
                phase_start = time.monotonic()
            elif event == "done" and self.loaded and not pending:
                return
            # Anything else is out of protocol: ignored, the deadlines still hold.

    def _fail(self, probe: Probe | None, status: str, why: str) -> None:
        if probe is None:
            self.load_failure = _reason(f"running the submission's top-level code {why}")
        else:
            self.outcomes[probe.id] = Outcome(status, error=_reason(why))


def _outcome(message: dict) -> Outcome:
    seconds = message.get("seconds")
    seconds = float(seconds) if isinstance(seconds, (int, float)) else 0.0
    warnings = [str(w)[:300] for w in message.get("warnings") or []][:20]
    error = message.get("error")
    if isinstance(error, dict):
        return Outcome("error", error={"type": str(error.get("type", "Error"))[:100],
                                       "message": str(error.get("message", ""))[:500],
                                       "where": error.get("where") if isinstance(error.get("where"), dict) else None},
                       seconds=seconds, warnings=warnings)
    return Outcome("ok", value=message.get("value"), seconds=seconds, warnings=warnings)


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        sig = signal.Signals(-code)
        hint = {signal.SIGXCPU: " (CPU time limit)", signal.SIGKILL: " (killed: memory or time limit?)",
                signal.SIGSEGV: " (segmentation fault)", signal.SIGXFSZ: " (file size limit)"}.get(sig, "")
        return f"the process was ended by {sig.name}{hint}"
    return f"the process exited early with status {code} (sys.exit or os._exit?)"


class _Timeout(Exception):
    pass


class _TooMuch(Exception):
    pass


class _Lines:
    """JSON lines from a pipe, with a deadline per line and a cap in total."""

    def __init__(self, fd: int, cap: int):
        self.fd, self.cap, self.buffer, self.total = fd, cap, b"", 0

    def next(self, deadline: float) -> dict | None:
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.total += len(chunk)
            if self.total > self.cap:
                raise _TooMuch
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            return wire.loads(line)
        except ValueError:
            return {}


_font_cache_tried: list[bool] = []


def _seed_matplotlib_cache(folder: str) -> None:
    """Copy the grader's matplotlib font cache into the child's config folder.

    A fresh MPLCONFIGDIR would make every child rebuild it, about a second
    each. The cache is where matplotlib.get_cachedir() looks; on a new
    machine it is built once, by a trusted process, never by a child.
    """
    os.makedirs(folder, exist_ok=True)
    cache = Path(os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib"))
    font_lists = list(cache.glob("fontlist-*.json"))
    if not font_lists and not _font_cache_tried:
        _font_cache_tried.append(True)  # once per process, even if it cannot be written
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
        font_lists = list(cache.glob("fontlist-*.json"))
    for font_list in font_lists:
        try:
            shutil.copy(font_list, folder)
        except OSError:
            pass  # the child builds its own


def _become_subreaper() -> None:
    """Orphans of a child reparent to us, so _kill_tree can still find them."""
    try:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _kill_tree(process: subprocess.Popen) -> None:
    """Kill the child and every process it started.

    First its session and descendants; then, since the grader is a subreaper,
    whatever escaped both (setsid plus a double fork) has been reparented to
    the grader, which starts no other processes while a child runs.
    """
    doomed = _alive_descendants(process.pid, session=process.pid) | {process.pid}
    for _ in range(3):
        for pid in doomed:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait()
        _reap()
        doomed = _alive_descendants(os.getpid(), session=process.pid)
        if not doomed:
            return


def _alive_descendants(root: int, session: int) -> set[int]:
    """Live processes below `root`, and every live member of `session`."""
    children: dict[int, list[int]] = {}
    members = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2:].split()
        if fields[0] == b"Z":
            continue
        pid, ppid, sid = int(entry), int(fields[1]), int(fields[3])
        children.setdefault(ppid, []).append(pid)
        if sid == session:
            members.add(pid)
    found, stack = set(), [root, *members]
    while stack:
        for pid in children.get(stack.pop(), []):
            if pid not in found:
                found.add(pid)
                stack.append(pid)
    return (found | members) - {os.getpid()}


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
