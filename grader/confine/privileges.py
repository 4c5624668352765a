"""An unprivileged uid and no capabilities, for good.

The child becomes uid:uid (no supplementary groups), a uid no one else uses
(see grader/sandbox/uids.py), so it can signal no process but its own kind,
RLIMIT_NPROC (which never applies to root) counts its processes, and the
grader can kill everything it left behind by uid. Then every capability is
dropped with securebits and the bounding set locked and no_new_privs set, so
nothing it execs (a setuid binary, say) gets root back.
"""
from __future__ import annotations

import ctypes
import os

from grader.confine import syscalls

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECBIT_NOROOT, SECBIT_NOROOT_LOCKED = 1 << 0, 1 << 1
SECBIT_NO_SETUID_FIXUP, SECBIT_NO_SETUID_FIXUP_LOCKED = 1 << 2, 1 << 3
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def reachable_as(uid: int, paths: list[str], executable: str, temp: str) -> bool:
    """Could uid:uid exec the interpreter, read what it needs and pass through `temp` to its scratch?

    Asked with only the effective ids switched: the saved uid stays 0, so
    switching back is allowed. Only meaningful without a whitelist tree,
    where the host's own folders (a mode-700 home, say) stand in the way.
    """
    os.setresgid(-1, uid, -1)
    try:
        os.setresuid(-1, uid, -1)
        try:
            if not os.access(executable, os.R_OK | os.X_OK, effective_ids=True):
                return False
            for path in paths:
                mode = os.R_OK | (os.X_OK if os.path.isdir(path) else 0)
                if os.path.exists(path) and not os.access(path, mode, effective_ids=True):
                    return False
            return os.access(temp, os.X_OK, effective_ids=True)
        finally:
            os.setresuid(-1, 0, -1)
    finally:
        os.setresgid(-1, 0, -1)


def hand_over(scratch: str, uid: int) -> None:
    """Scratch and what the grader put in it now belong to uid:uid."""
    os.chown(scratch, uid, uid)
    for root, dirs, files in os.walk(scratch):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def become(uid: int) -> None:
    """Switch to uid:uid, keeping capabilities just long enough to drop them cleanly."""
    libc = syscalls.libc
    # The bounding set and securebits need CAP_SETPCAP, which a plain
    # setuid would clear before drop_capabilities() could use it.
    syscalls.check(libc.prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0))
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def drop_capabilities() -> None:
    libc = syscalls.libc
    if os.geteuid() == 0 or _has_capabilities():
        # Order matters: securebits and the bounding set need CAP_SETPCAP,
        # which capset() then drops. With SECBIT_NOROOT, exec'ing as uid 0
        # no longer grants capabilities; an empty bounding set adds none.
        secure = (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED
                  | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED)
        libc.prctl(PR_SET_SECUREBITS, secure, 0, 0, 0)
        for cap in range(_last_capability() + 1):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
        header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)  # version, pid 0 = self
        data = (ctypes.c_uint32 * 6)()  # 2 x {effective, permitted, inheritable}, all zero
        syscalls.check(libc.capset(header, data))
    set_no_new_privs()


def set_no_new_privs() -> None:
    """Nothing exec'd gains privileges; also what Landlock and seccomp require of an unprivileged caller."""
    syscalls.check(syscalls.libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))


def die_with_parent() -> None:
    """If the launcher dies outright, so does this process (set after the uid change, which clears it)."""
    syscalls.libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)


def _has_capabilities() -> bool:
    status = _status()
    return any(int(status[name], 16) for name in (b"CapPrm", b"CapEff", b"CapAmb"))


def _status() -> dict[bytes, bytes]:
    with open("/proc/self/status", "rb") as file:
        return dict(line.split(b":\t", 1) for line in file.read().splitlines() if b":\t" in line)


def _last_capability() -> int:
    with open("/proc/sys/kernel/cap_last_cap", "rb") as file:
        return int(file.read())
