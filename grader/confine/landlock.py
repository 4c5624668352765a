"""Landlock: the file whitelist, no TCP and no signals out, with no namespace and no privilege.

Where namespaces are forbidden (plain Docker, Gradescope), the launcher
restricts itself before it execs the child: every file right this kernel
knows is handled, then granted back read-only on the whitelist (the
interpreter and its libraries) and in full on scratch alone. From ABI 4,
TCP bind and connect are handled with no port granted; from ABI 6, signals
and abstract unix sockets are scoped to the sandbox. Everything the child
starts inherits the same domain, and nothing can lift it.
"""
from __future__ import annotations

import ctypes
import os
import stat

from grader.confine import syscalls

# The same numbers on every architecture (they came after the tables were unified).
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
TRUNCATE, IOCTL_DEV = 1 << 14, 1 << 15
#: file-system rights by the ABI that brought them: 13 rights, then refer, truncate, ioctl on devices
FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  #: what a rule on a non-folder may grant

READ = EXECUTE | READ_FILE | READ_DIR
#: devices the child reads or writes (/dev/null for subprocess, /dev/urandom for numpy's seeds)
DEVICES = {"/dev/null": READ_FILE | WRITE_FILE | IOCTL_DEV, "/dev/zero": READ_FILE,
           "/dev/full": READ_FILE | WRITE_FILE, "/dev/random": READ_FILE, "/dev/urandom": READ_FILE}
#: multiprocessing's semaphores live here; files the sandbox uid leaves are removed after each child
SHARED_MEMORY = "/dev/shm"


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi() -> int:
    """The Landlock ABI this kernel offers, 0 for none."""
    if syscalls.libc is None:
        return 0
    version = syscalls.libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                                    ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(version, 0)


def restrict(read_only: list[str], read_write: list[str], listed: list[str] = ()) -> int:
    """Confine this process and all it will start; returns the ABI used. Raises OSError on failure.

    Needs no_new_privs (or CAP_SYS_ADMIN). Whitelist paths this process
    cannot open are skipped: they stay out of reach, which is what a
    whitelist means.
    """
    version = abi()
    if version < 1:
        raise OSError("Landlock is not available")
    fs = FS_RIGHTS[max(v for v in FS_RIGHTS if v <= version)]
    attr = _RulesetAttr(handled_access_fs=fs,
                        handled_access_net=NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0,
                        scoped=SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if version >= 6 else (16 if version >= 4 else 8)
    ruleset = syscalls.libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                                    ctypes.c_uint32(0))
    if ruleset < 0:
        _raise()
    try:
        # `listed`: folders whose entries are granted one by one (site-packages around an installed
        # grader); listing them (names only, beneath too) is what the import system needs.
        rules = [(path, READ) for path in read_only] + [(path, fs) for path in read_write]
        rules += [(path, READ_DIR) for path in listed]
        rules += [(path, rights) for path, rights in DEVICES.items()]
        rules.append((SHARED_MEMORY, fs))
        for path, rights in rules:
            _allow(ruleset, path, rights & fs)
        syscalls.check(syscalls.libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)))
    finally:
        os.close(ruleset)
    return version


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FILE_ONLY
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        if syscalls.libc.syscall(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                                 ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            _raise()
    finally:
        os.close(fd)


def _raise() -> None:
    code = ctypes.get_errno()
    raise OSError(code, f"Landlock: {os.strerror(code)}")
