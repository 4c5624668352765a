"""Which confinement layers this machine allows, decided once per grading process.

- namespaces: a whitelist file tree, no network, a pid namespace (root with
  CAP_SYS_ADMIN: a CI virtual machine, say).
- landlock: the same file whitelist, no TCP, no signals out (any user, kernel
  5.13+; where namespaces are forbidden, as in plain Docker and Gradescope).
- seccomp: no new process (threads only), no other socket families, ptrace, unshare, mount, bpf, ...
- uid: a sandbox uid of this grader's own (root only).
- capabilities: every capability dropped for good (root only).

Root must drop to the sandbox uid: if it cannot (an interpreter it cannot
reach without a whitelist tree), grading is refused with the fix. Where
neither namespaces nor Landlock hide the grader, its files must be
unreadable to the sandbox uid (the Gradescope bundle installs it so).
`describe()` is what `python -m grader --doctor` prints.
"""
from __future__ import annotations

import functools
import os
import sys
import tempfile
from dataclasses import dataclass, field

from grader.confine import landlock, namespaces, paths, privileges, seccomp, uids

LAYERS = ("namespaces", "landlock", "seccomp", "uid", "capabilities")


@dataclass(frozen=True)
class Plan:
    layers: tuple[str, ...]  #: what every child gets, in LAYERS order
    missing: dict[str, str]  #: layer -> why this machine does not allow it
    uid: int | None
    readable: tuple[str, ...]  #: the whitelist
    links: tuple[tuple[str, str], ...]
    refusal: str | None = None  #: why grading here would be unsafe, and how to fix it
    notes: tuple[str, ...] = field(default=())
    listed: tuple[str, ...] = ()  #: folders of the whitelist split around the grader: listable, not readable

    @property
    def mode(self) -> str:
        for layer in ("namespaces", "landlock", "uid"):
            if layer in self.layers:
                return {"uid": "permissions"}.get(layer, layer)
        return "none"

    def record(self) -> dict:
        """What a result keeps of it."""
        return {"mode": self.mode, "layers": list(self.layers)}


@functools.cache
def current() -> Plan:
    root = os.geteuid() == 0
    hidden = paths.grader_paths()
    listed: list[str] = []
    readable = tuple(paths.readable(hidden, listed))
    links = tuple(paths.links())
    missing: dict[str, str] = {}
    layers = []
    if not root:
        missing["namespaces"] = missing["uid"] = missing["capabilities"] = "the grader does not run as root"
    elif namespaces.available():
        layers.append("namespaces")
    else:
        missing["namespaces"] = "this machine forbids new namespaces (a container without CAP_SYS_ADMIN?)"
    if landlock.abi() >= 1:
        layers.append("landlock")
    else:
        missing["landlock"] = "the kernel offers no Landlock (Linux 5.13+ with landlock among its LSMs)"
    if _in_fork(seccomp.install):
        layers.append("seccomp")
    else:
        missing["seccomp"] = "the kernel refused a seccomp filter, or this architecture is not supported"
    uid, refusal, notes = None, None, []
    if root:
        uid = uids.claim()
        if "namespaces" in layers or privileges.reachable_as(uid, list(readable), sys.executable,
                                                              tempfile.gettempdir()):
            layers += ["uid", "capabilities"]
        else:
            missing["uid"] = missing["capabilities"] = f"uid {uid} cannot reach the interpreter"
            refusal = (f"the grader runs as root but its sandbox uid {uid} cannot reach the Python interpreter "
                       f"{sys.executable} or its libraries, and this machine forbids the namespaces that would "
                       "make them reachable. Install Python where every user can read it (/usr/local, /opt) "
                       "and run the grader with that interpreter, or run it as a non-root user.")
        if not refusal and not {"namespaces", "landlock"} & set(layers):
            readable_grader = [p for p in hidden if _readable_by(uid, p)]
            if readable_grader:
                refusal = (f"neither namespaces nor Landlock can hide the grader here, and the sandbox uid {uid} "
                           f"can read {readable_grader[0]}: make the grader and the course files readable by "
                           "root only (chmod -R go-rwx), as the Gradescope bundle's setup.sh does.")
            notes.append("confined by file permissions only: the child can read what every user can read")
    return Plan(tuple(n for n in LAYERS if n in layers), missing, uid, readable, links, refusal, tuple(notes),
                tuple(listed))


def _in_fork(apply) -> bool:
    """Whether `apply()` works here, asked in a throwaway process."""
    pid = os.fork()
    if pid == 0:
        try:
            privileges.set_no_new_privs()
            os._exit(0 if apply() else 1)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _readable_by(uid: int, path: str) -> bool:
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            if os.path.isdir(path):
                os.listdir(path)
            else:
                open(path, "rb").close()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def describe(plan: Plan) -> str:
    """The doctor's report: each layer, whether it applies, and why not."""
    lines = [f"confinement mode: {plan.mode}", f"interpreter: {sys.executable}",
             f"running as uid {os.geteuid()}" + (f"; children run as uid {plan.uid}" if plan.uid else "")]
    for layer in LAYERS:
        mark = "yes" if layer in plan.layers else "no "
        lines.append(f"  {mark}  {layer:<13}" + ("" if layer in plan.layers else f"  {plan.missing.get(layer, '')}"))
    lines.append(f"whitelist: {len(plan.readable)} paths the child may read, and its scratch folder")
    lines += [f"note: {note}" for note in plan.notes]
    lines.append(f"REFUSED: {plan.refusal}" if plan.refusal else "grading is allowed here")
    return "\n".join(lines) + "\n"
