"""TRUSTED launcher: confine this process, then exec the child that runs student code.

Started by the grader as `python -I -c BOOT SPEC` in a fresh session. It
applies the layers the plan chose (grader/confine/plan.py), in an order
where each still has the privileges it needs, reports on a status pipe
which ones took, and execs the interpreter on the child runner. Nothing of
the submission has run yet: the child only starts after the exec, with no
way back to this process's privileges. A layer that fails stops the launch
(fail closed): the grader then refuses to go on rather than grade unconfined.
"""
from __future__ import annotations

import json
import os
import resource
import signal
import sys

from grader.confine import landlock, namespaces, privileges, seccomp


def main() -> None:
    spec = json.loads(sys.argv[1])
    status_fd = spec["status_fd"]
    privileges.die_with_parent()
    if os.getppid() != spec["grader_pid"]:
        os._exit(1)  # the grader died before the line above could take effect
    try:
        applied = confine(spec)
        for which, value in spec["rlimits"]:
            resource.setrlimit(which, (value, value))
    except BaseException as error:  # SystemExit included: the grader must hear why
        _send(status_fd, {"error": f"{type(error).__name__}: {error}"})
        os._exit(1)
    _send(status_fd, {"applied": applied})
    os.close(status_fd)
    run = spec["exec"]
    os.execve(run["path"], run["argv"], run["env"])


def confine(spec: dict) -> list[str]:
    layers, uid, scratch = spec["layers"], spec["uid"], spec["scratch"]
    applied = []
    if uid is not None:
        privileges.hand_over(scratch, uid)
    if "namespaces" in layers:
        init = namespaces.enter()
        if init:
            _stand_in_for(init, spec["status_fd"])
        namespaces.build_root(spec["new_root"], spec["readable"], [tuple(link) for link in spec["links"]],
                              scratch)
        applied.append("namespaces")
    if "uid" in layers:
        privileges.become(uid)
        applied.append("uid")
    privileges.die_with_parent()
    privileges.drop_capabilities()
    if "capabilities" in layers:
        applied.append("capabilities")
    if "landlock" in layers:
        landlock.restrict(spec["readable"], [scratch], spec["listed"])
        applied.append("landlock")
    if "seccomp" in layers:
        if not seccomp.install():
            raise OSError("the seccomp filter was refused")
        applied.append("seccomp")
    return [layer for layer in layers if layer in applied]  # the plan's order


def _stand_in_for(init: int, status_fd: int) -> None:
    """Outside the pid namespace: wait for its init (the child) and end as it ended.

    Every inherited pipe is closed first, so the grader sees end-of-file
    as soon as the child and everything it started are gone.
    """
    os.closerange(0, status_fd)
    os.closerange(status_fd + 1, 1 << 16)
    os.close(status_fd)
    _, status = os.waitpid(init, 0)
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _send(fd: int, message: dict) -> None:
    data = memoryview(json.dumps(message).encode())
    while data:
        data = data[os.write(fd, data):]
