"""Confine a child process before it runs student code.

`confine(scratch)` runs in the child between fork and exec (Popen's
preexec_fn). When the child is root on Linux it applies three layers, each on
its own and best effort (a layer whose syscalls fail is simply left off):

- network: a fresh network namespace, whose only interface is a loopback that
  is down, so no connection can be made, not even to the grader's 127.0.0.1.
- readonly_fs: a private mount namespace in which every mount is read-only
  except `scratch`, so the child can write nowhere else. Read-only does not
  cover device nodes, so every mount also gets nodev, except bind mounts of
  the few harmless devices Python uses (/dev/null, /dev/urandom, ...):
  otherwise root could still write to /dev/loop0, /dev/kmsg, swap, ...
- capabilities: every capability dropped, for good (securebits, bounding set,
  no_new_privs), so the child cannot remount read-write or leave the
  namespaces. A uid-0 child still owns root's files, but they now sit on
  read-only mounts: writes fail with EROFS.

Dropping to an unprivileged user is not an option: the interpreter lives
under /root (mode 700).

`probe_support()` tells the parent which layers actually work here, by
forking a throwaway child that applies them and checks their effect.

Only ctypes calls and plain os calls run in the child: nothing is imported
after fork, because the parent may hold locks (imports, threads) at fork time.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import shutil
import sys
import tempfile

# <sched.h>
CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000

# <sys/mount.h>
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24

# <linux/prctl.h>, <linux/securebits.h>, <linux/capability.h>
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECBIT_NOROOT = 1 << 0
SECBIT_NOROOT_LOCKED = 1 << 1
SECBIT_NO_SETUID_FIXUP = 1 << 2
SECBIT_NO_SETUID_FIXUP_LOCKED = 1 << 3
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

# A bind remount replaces the mount's flags, so the ones it already has must
# be passed again (inside a user namespace the kernel refuses to clear them).
_KEPT_MOUNT_FLAGS = {
    b"nosuid": MS_NOSUID, b"nodev": MS_NODEV, b"noexec": MS_NOEXEC,
    b"noatime": MS_NOATIME, b"nodiratime": MS_NODIRATIME,
    b"relatime": MS_RELATIME, b"strictatime": MS_STRICTATIME,
}

# The device nodes a confined child may still open.
_DEVICES = (b"/dev/null", b"/dev/zero", b"/dev/full", b"/dev/random", b"/dev/urandom", b"/dev/tty")

_OCTAL_ESCAPE = re.compile(rb"\\([0-7]{3})")

LAYERS = ("network", "readonly_fs", "capabilities")


def _load_libc():
    """libc with the four calls used here typed, or None off Linux.

    Typed so that ctypes passes full-width unsigned longs: prctl rejects
    PR_SET_NO_NEW_PRIVS unless its unused arguments are exactly zero.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    ulong, char_p, void_p = ctypes.c_ulong, ctypes.c_char_p, ctypes.c_void_p
    libc.unshare.argtypes = [ctypes.c_int]
    libc.mount.argtypes = [char_p, char_p, char_p, ulong, void_p]
    libc.prctl.argtypes = [ctypes.c_int, ulong, ulong, ulong, ulong]
    libc.capset.argtypes = [void_p, void_p]
    return libc


_libc = _load_libc()


def confine(scratch: str) -> None:
    """Confine this (child) process: only `scratch` stays writable.

    Called between fork and exec, as the first thing. Never raises.
    """
    if _libc is None or os.geteuid() != 0:
        return
    for layer in (_isolate_network, lambda: _readonly_except(scratch), _drop_capabilities):
        try:
            layer()
        except Exception:  # best effort: a broken layer must not stop the child
            pass


def _isolate_network() -> None:
    _libc.unshare(CLONE_NEWNET)


def _readonly_except(scratch: str) -> None:
    if _libc.unshare(CLONE_NEWNS) != 0:
        return
    # Private first: otherwise, on a host with shared propagation, the bind
    # mount below would show up in the grader's own mount table.
    if _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return
    # Binding scratch onto itself makes it a mount point of its own, which
    # keeps its write bit when the mount holding it goes read-only.
    keep = os.fsencode(os.path.realpath(scratch))
    if _libc.mount(keep, keep, None, MS_BIND, None) != 0:
        return
    # Likewise each allowed device, so that it escapes the nodev below.
    for device in _DEVICES:
        _libc.mount(device, device, None, MS_BIND, None)
    for target, flags in _mounts():
        if target == keep or target.startswith(keep + b"/"):
            continue
        if target not in _DEVICES:
            flags |= MS_NODEV
        # Failures (some /proc or /sys sub-mounts) leave that mount as is.
        _libc.mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | flags, None)
    # Popen already chdir'ed into cwd, so the cwd still points into the mount
    # *under* the new scratch mount, now read-only: look it up again.
    os.chdir(os.getcwd())


def _mounts() -> list[tuple[bytes, int]]:
    """(mount point, flags to keep) for every line of /proc/self/mountinfo."""
    with open("/proc/self/mountinfo", "rb") as file:
        lines = file.read().splitlines()
    mounts = []
    for line in lines:
        fields = line.split(b" ")  # id parent dev root MOUNT_POINT OPTIONS ...
        flags = 0
        for option in fields[5].split(b","):
            flags |= _KEPT_MOUNT_FLAGS.get(option, 0)
        mounts.append((_unescape(fields[4]), flags))
    return mounts


def _unescape(path: bytes) -> bytes:
    """mountinfo writes space, tab, newline and backslash as octal (\\040)."""
    return _OCTAL_ESCAPE.sub(lambda m: bytes([int(m[1], 8)]), path)


def _drop_capabilities() -> None:
    # Order matters: securebits and the bounding set need CAP_SETPCAP, which
    # capset() then drops. With SECBIT_NOROOT, exec'ing as uid 0 no longer
    # grants capabilities; with an empty bounding set nothing can add them.
    secure = (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED
              | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED)
    _libc.prctl(PR_SET_SECUREBITS, secure, 0, 0, 0)
    for cap in range(_last_capability() + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)  # version, pid 0 = self
    data = (ctypes.c_uint32 * 6)()  # 2 x {effective, permitted, inheritable}, all zero
    _libc.capset(header, data)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def _last_capability() -> int:
    with open("/proc/sys/kernel/cap_last_cap", "rb") as file:
        return int(file.read())


@functools.cache
def probe_support() -> list[str]:
    """Names of the layers confine() applies on this machine, in LAYERS order.

    Forks a child that confines itself to a fresh scratch folder and checks
    each layer's effect. Cached per process.
    """
    if _libc is None or os.geteuid() != 0:
        return []
    base = tempfile.mkdtemp(prefix="isolation-probe-")
    try:
        scratch = os.path.join(base, "scratch")
        os.mkdir(scratch)
        return _probe_in_child(scratch, outside=base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _probe_in_child(scratch: str, outside: str) -> list[str]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: confine, check, report, and never return
        status = 1
        try:
            os.close(read_end)
            confine(scratch)
            working = _working_layers(scratch, outside)
            os.write(write_end, " ".join(working).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return []
    return report.split()


def _working_layers(scratch: str, outside: str) -> list[str]:
    checks = {
        "network": _network_is_isolated,
        "readonly_fs": lambda: _only_scratch_writable(scratch, outside),
        "capabilities": _capabilities_are_gone,
    }
    return [name for name in LAYERS if checks[name]()]


def _network_is_isolated() -> bool:
    """/proc/self/net/dev lists this namespace's interfaces: only lo."""
    with open("/proc/self/net/dev", "rb") as file:
        interfaces = [line.split(b":")[0].strip() for line in file.read().splitlines()[2:]]
    return interfaces == [b"lo"]


def _only_scratch_writable(scratch: str, outside: str) -> bool:
    os.close(os.open(os.path.join(scratch, "probe"), os.O_WRONLY | os.O_CREAT))
    try:
        os.close(os.open(os.path.join(outside, "probe"), os.O_WRONLY | os.O_CREAT))
    except OSError as error:
        return error.errno == errno.EROFS
    return False


def _capabilities_are_gone() -> bool:
    """No capability now, and none that an exec could bring back."""
    with open("/proc/self/status", "rb") as file:
        status = dict(line.split(b":\t", 1) for line in file.read().splitlines() if b":\t" in line)
    sets = (b"CapInh", b"CapPrm", b"CapEff", b"CapBnd", b"CapAmb")
    return all(int(status[name], 16) == 0 for name in sets) and status[b"NoNewPrivs"].strip() == b"1"
