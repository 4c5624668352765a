"""CHILD side: a refused process start says why, in words a student understands.

The seccomp filter (grader/confine/seccomp.py) refuses every new process
with EPERM, which Python reports as a bare "Operation not permitted". Each
way of starting one is wrapped here so that the student reads "a
submission may not start processes" instead. The kernel enforces the rule:
a submission that undoes these wrappers only gets the bare message back.
"""
from __future__ import annotations

import errno
import functools
import os
import sys

MESSAGE = "a submission may not start processes (the grader runs it in one process; threads are fine)"


def _refused(call, name: str):
    @functools.wraps(call)
    def wrapper(*args, **kwargs):
        try:
            result = call(*args, **kwargs)
        except PermissionError as error:
            if error.errno != errno.EPERM:
                raise
            raise PermissionError(errno.EPERM, f"{MESSAGE}: {name} was refused") from None
        if name == "os.system" and result == -1:  # system() reports a refused fork as -1, raising nothing
            raise PermissionError(errno.EPERM, f"{MESSAGE}: {name} was refused")
        return result
    return wrapper


def install() -> None:
    """Wrap every process start: os's, and the one subprocess and multiprocessing share."""
    import _posixsubprocess

    for name in ("fork", "forkpty", "system", "posix_spawn", "posix_spawnp"):
        if hasattr(os, name):
            setattr(os, name, _refused(getattr(os, name), f"os.{name}"))
    _posixsubprocess.fork_exec = _refused(_posixsubprocess.fork_exec, "subprocess")
    subprocess = sys.modules.get("subprocess")  # it binds fork_exec when imported
    if subprocess is not None:
        subprocess._fork_exec = _posixsubprocess.fork_exec
