"""One confined child working through a list of probes.

Its scratch folder holds the request, the child runner (with refusals.py), the wire format and
the assignment's probes: the only grader code the child can see. The
trusted launcher confines it (grader/sandbox/launch.py) and says on a
status pipe which layers took; then the child runs the submission and
answers probes on its channel until done, a deadline, or its end. Whatever
happens, everything it started is killed and the scratch folder removed
before the session returns.
"""
from __future__ import annotations

import json
import os
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from grader import wire
from grader.confine.plan import Plan
from grader.sandbox import disk, fonts, lifetime, messages
from grader.sandbox.model import Limits, Outcome, Probe, SandboxError, reason
from grader.sandbox.streams import Output, Pipes, Timeout, TooMuch

GRADER_PARENT = str(Path(__file__).resolve().parents[2])
LAUNCH = f"import sys; sys.path.insert(0, {GRADER_PARENT!r}); from grader.sandbox.launch import main; main()"
RUNNER = {"child.py": Path(__file__).with_name("child.py"), "refusals.py": Path(__file__).with_name("refusals.py"),
          "wire.py": Path(wire.__file__)}
STATUS_SECONDS = 30.0  #: for the launcher to confine itself
LOADED_BYTES = 1 << 20  #: the `loaded` message: errors and defined names


def shipped(probe_files: Sequence[Path]) -> dict[str, Path]:
    """The files a child receives, by the name it imports them as: the runner's, then the assignment's.

    The first probe file is the child's `probes.py`; the integrity flags
    take every name here for one of the grader's modules.
    """
    first, *rest = probe_files
    files = {**{Path(f).name: Path(f) for f in rest}, "probes.py": Path(first), **RUNNER}
    if len(files) != len(RUNNER) + len(probe_files):
        raise ValueError(f"the probe files {[Path(f).name for f in probe_files]} clash with the runner's own")
    return files


class Session:
    def __init__(self, chunks: list[dict], module_name: str, probe_files: Sequence[Path], probes: list[Probe],
                 limits: Limits,
                 output: Output, seconds_left: float, plan: Plan):
        self.probes, self.limits, self.output, self.plan = probes, limits, output, plan
        self.shipped = shipped(probe_files)
        self.deadline_total = time.monotonic() + seconds_left
        self.token = secrets.token_hex(16)  # marks the runner's own lines on the channel (child.py)
        self.request = {"token": self.token, "chunks": chunks, "module_name": module_name,
                        "probes": [{"id": p.id, "kind": p.kind, "args": p.args} for p in probes]}
        self.outcomes: dict[str, Outcome] = {}
        self.loaded = False
        self.load_errors: list[dict] = []
        self.defined: list[str] = []
        self.load_failure: dict | None = None
        self.applied: list[str] = []
        self.scratch = ""

    def run(self) -> None:
        base = tempfile.mkdtemp(prefix="grader-")
        os.chmod(base, 0o711)  # the sandbox uid may pass through to scratch, not list or write here
        fds: list[int] = []
        process = pipes = None
        try:
            scratch = self.scratch = os.path.join(base, "scratch")
            os.mkdir(scratch, 0o700)
            os.mkdir(os.path.join(base, "root"), 0o700)
            request_path = self._prepare(scratch)
            status_r, status_w = os.pipe()
            channel_r, channel_w = os.pipe()
            output_r, output_w = os.pipe()
            fds += [status_r, channel_r, output_r]
            try:
                process = self._start(base, scratch, request_path, status_w, channel_w, output_w)
            finally:
                for fd in (status_w, channel_w, output_w):
                    os.close(fd)
            pipes = Pipes(channel_r, output_r, self.output, self.limits.channel_mb * 1024 * 1024)
            self.applied = _confinement(status_r, process)
            if self._converse(pipes, process):
                _wait(process, 2.0)  # it flushes its output and exits right after `done`
        finally:
            if process is not None:
                lifetime.kill_all(process.pid, self.plan.uid)
                process.wait()
                if self.plan.uid is not None:
                    lifetime.remove_files(self.plan.uid)
            if pipes is not None:
                pipes.drain()  # every writer is dead: what is left is read to its end, without waiting
            for fd in fds:
                os.close(fd)
            shutil.rmtree(base, ignore_errors=True)

    def _prepare(self, scratch: str) -> str:
        runner = os.path.join(scratch, "runner")
        os.mkdir(runner)
        for name, source in self.shipped.items():
            shutil.copyfile(source, os.path.join(runner, name))
        fonts.seed(os.path.join(scratch, ".matplotlib"))
        request_path = os.path.join(scratch, "request.json")
        with open(request_path, "wb") as f:
            f.write(wire.dumps(self.request))
        return request_path

    def _start(self, base, scratch, request_path, status_w, channel_w, output_w) -> subprocess.Popen:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": os.path.join(scratch, ".matplotlib"),
            # One BLAS/OpenMP thread: limits and timings stay stable.
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        }
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # some CPUs need these
            if name in os.environ:
                env[name] = os.environ[name]
        boot = ("import sys; sys.path.insert(0, sys.argv[1]); del sys.argv[1]; "
                "import child; child.main()")
        mb, limits, uid = 1024 * 1024, self.limits, self.plan.uid
        spec = {
            "layers": list(self.plan.layers), "uid": uid, "scratch": scratch,
            "new_root": os.path.join(base, "root"), "readable": list(self.plan.readable), "listed": list(self.plan.listed),
            "links": [list(link) for link in self.plan.links], "status_fd": status_w, "grader_pid": os.getpid(),
            "rlimits": [(resource.RLIMIT_AS, limits.memory_mb * mb), (resource.RLIMIT_CPU, limits.cpu_seconds),
                        (resource.RLIMIT_NPROC, limits.processes), (resource.RLIMIT_NOFILE, limits.open_files),
                        (resource.RLIMIT_FSIZE, limits.file_size_mb * mb), (resource.RLIMIT_CORE, 0)],
            "exec": {"path": sys.executable, "env": env,
                     "argv": [sys.executable, "-I", "-c", boot, os.path.join(scratch, "runner"),
                              request_path, str(channel_w)]},
        }
        return subprocess.Popen(
            [sys.executable, "-I", "-c", LAUNCH, json.dumps(spec)], cwd=scratch, env=env,
            stdin=subprocess.DEVNULL, stdout=output_w, stderr=output_w, pass_fds=(status_w, channel_w),
            start_new_session=True)

    def _converse(self, pipes: Pipes, process: subprocess.Popen) -> bool:
        """Read events until `done` (True), a deadline, or the child's end."""
        pending = list(self.probes)
        phase_start = time.monotonic()
        while True:
            current = pending[0] if self.loaded and pending else None
            budget = current.timeout if current else self.limits.load_seconds
            deadline = min(phase_start + budget, self.deadline_total)
            limit = current.max_bytes if current else LOADED_BYTES
            try:
                line = pipes.next_line(deadline, limit, self._watch_disk)
            except disk.Full:
                self._fail(current, "crashed", f"wrote more than {self.limits.disk_mb} MB of files")
                return False
            except Timeout:
                self._fail(current, "timeout", f"did not finish within {deadline - phase_start:.3g} s")
                return False
            except TooMuch:
                self._fail(current, "crashed", _too_much(pipes, limit))
                return False
            if line is None:
                self._fail(current, "crashed", _exit_reason(_wait(process, 5.0)))
                return False
            try:
                message = messages.parse(line, limit, self.token)
            except messages.Malformed as bad:
                self._fail(current, "crashed", f"sent a malformed message: {bad}")
                return False
            event = message["event"]
            if event == "loaded" and not self.loaded:
                self.loaded = True
                self.load_errors, self.defined = message["errors"], message["defined"]
                phase_start = time.monotonic()
            elif event == "result" and current is not None and message["id"] == current.id:
                self.outcomes[current.id] = _shaped(_outcome(message), current.answer)
                pending.pop(0)
                phase_start = time.monotonic()
            elif event == "done" and self.loaded and not pending:
                return True
            # Any other well-formed message is out of turn (a repeat, another
            # probe's id): ignored, the deadlines and the channel's cap still hold.

    def _watch_disk(self) -> None:
        if disk.usage(self.scratch, self.plan.uid) > self.limits.disk_mb * 1024 * 1024:
            raise disk.Full

    def _fail(self, probe: Probe | None, status: str, why: str) -> None:
        if probe is None:
            self.load_failure = reason(f"running the submission's top-level code {why}")
        else:
            self.outcomes[probe.id] = Outcome(status, error=reason(why))


def _confinement(status_fd: int, process: subprocess.Popen) -> list[str]:
    """The layers the launcher applied; SandboxError if it could not confine the child."""
    data, deadline = b"", time.monotonic() + STATUS_SECONDS
    while time.monotonic() < deadline and len(data) < 65536:
        ready, _, _ = select.select([status_fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            break
        chunk = os.read(status_fd, 4096)
        if not chunk:
            break
        data += chunk
    try:
        status = json.loads(data)
    except ValueError:
        status = {"error": f"the launcher said nothing ({_exit_reason(process.poll())})"}
    if "applied" not in status:
        raise SandboxError(f"could not confine the child: {status.get('error')}")
    return list(status["applied"])


def _wait(process: subprocess.Popen, seconds: float) -> int | None:
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


def _outcome(message: dict) -> Outcome:
    """A result already checked against grader/sandbox/messages.py."""
    warnings = [w[:300] for w in message.get("warnings", [])]
    if "error" in message:
        error = message["error"]
        return Outcome("error", error={**error, "type": error["type"][:100], "message": error["message"][:500]},
                       seconds=message["seconds"], warnings=warnings)
    return Outcome("ok", value=message["value"], seconds=message["seconds"], warnings=warnings)


def _shaped(outcome: Outcome, answer: str | tuple[str, ...] | None) -> Outcome:
    """The outcome, or "crashed" when its value is not the shape its probe always answers."""
    value = outcome.value
    if outcome.status != "ok" or answer is None:
        return outcome
    if answer == "list":
        fits, expected = isinstance(value, list), "a list"
    else:
        fits = isinstance(value, dict) and "__ndarray__" not in value and all(k in value for k in answer)
        expected = f"a dict with {', '.join(answer)}"
    if fits:
        return outcome
    got = type(value).__name__ if not isinstance(value, dict) else f"a dict with {', '.join(map(str, list(value)[:6]))}"
    return Outcome("crashed", error=reason(f"answered {got[:200]}, not what its probe sends ({expected}): "
                                           "was the probe replaced?"), seconds=outcome.seconds)


def _too_much(pipes: Pipes, limit: int) -> str:
    if pipes.total > pipes.cap:
        return f"sent more than the {pipes.cap / 2 ** 20:g} MB a child may send in all"
    return (f"sent a message longer than the {_size(limit)} the grader accepts here (more than this "
            "step can legitimately send)")


def _size(n: int) -> str:
    return f"{n / 2 ** 20:.1f} MB" if n >= 2 ** 20 else f"{n / 2 ** 10:.0f} kB"


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "the process stopped answering"
    if code < 0:
        sig = signal.Signals(-code)
        hint = {signal.SIGXCPU: " (CPU time limit)", signal.SIGKILL: " (killed: memory or time limit?)",
                signal.SIGSEGV: " (segmentation fault)", signal.SIGXFSZ: " (file size limit)"}.get(sig, "")
        return f"the process was ended by {sig.name}{hint}"
    return f"the process exited early with status {code} (sys.exit or os._exit?)"
