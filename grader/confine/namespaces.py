"""Namespaces: a child that sees a whitelist file tree, no network and no other process.

Needs root with CAP_SYS_ADMIN (a CI virtual machine, say; not plain Docker
or Gradescope). `enter()` unshares the mount, network, pid and IPC
namespaces and forks: the caller goes on as pid 1 of the new pid namespace,
so when it dies the kernel kills everything it started. `build_root()` then
lays a fresh tmpfs, binds into it read-only only the paths given (the
interpreter and its libraries), binds scratch writable at its own path,
adds a few harmless devices, a fresh /proc and /dev/shm, and pivots into it:
the grader, the reference, the class folder and the instructor's config
are not hidden, they are simply absent. Intermediate folders are the
tmpfs's own (mode 755), so an interpreter under a mode-700 home is reachable
by an unprivileged uid without exposing anything else in that home.
"""
from __future__ import annotations

import os

from grader.confine import syscalls
from grader.confine.syscalls import check

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
ROOT_OPTIONS = b"size=4m,nr_inodes=4096,mode=755"
SHM_OPTIONS = b"size=64m,nr_inodes=4096,mode=1777"


def available() -> bool:
    """Whether this process may create the namespaces (asked in a throwaway fork)."""
    if syscalls.libc is None or os.geteuid() != 0:
        return False
    pid = os.fork()
    if pid == 0:
        ok = syscalls.libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC) == 0
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def enter() -> int:
    """Unshare, then fork. Returns 0 in the new pid namespace's init, the init's pid outside."""
    check(syscalls.libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC))
    # Private first: otherwise, on a host with shared propagation, the mounts
    # below would show up in the grader's own mount table.
    check(syscalls.libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None))
    return os.fork()


def build_root(new_root: str, readable: list[str], links: list[tuple[str, str]], scratch: str) -> None:
    """Pivot into a tmpfs at `new_root` holding only `readable` (read-only), `links` and `scratch`."""
    mount = syscalls.libc.mount
    root = os.fsencode(new_root)
    check(mount(b"tmpfs", root, b"tmpfs", MS_NOSUID | MS_NODEV, ROOT_OPTIONS))
    for path in readable:
        _bind(path, new_root, writable=False)
    for path, target in links:
        os.makedirs(os.path.dirname(new_root + path), mode=0o755, exist_ok=True)
        os.symlink(target, new_root + path)
    for device in DEVICES:
        _bind(device, new_root, writable=False, devices=True)
    _bind(scratch, new_root, writable=True)
    for name, kind, flags, options in (("proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None),
                                       ("dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, SHM_OPTIONS)):
        target = os.path.join(new_root, name)
        os.makedirs(target, mode=0o755, exist_ok=True)
        check(mount(kind, os.fsencode(target), kind, flags, options))
    os.chdir(new_root)
    # pivot_root(".", ".") stacks the old root under the new one; detaching
    # it leaves nothing of the host reachable.
    check(syscalls.libc.syscall(syscalls.SYS_PIVOT_ROOT, b".", b"."))
    check(syscalls.libc.umount2(b".", MNT_DETACH))
    os.chdir("/")
    check(mount(None, b"/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None))
    os.chdir(scratch)


def _bind(path: str, new_root: str, writable: bool, devices: bool = False) -> None:
    if not os.path.lexists(path):
        return
    target = new_root + path
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if os.path.isdir(path):
        os.makedirs(target, mode=0o755, exist_ok=True)
    elif not os.path.exists(target):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
    source, dest = os.fsencode(path), os.fsencode(target)
    mount = syscalls.libc.mount
    check(mount(source, dest, None, MS_BIND | MS_REC, None))
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (0 if devices else MS_NODEV) | (0 if writable else MS_RDONLY)
    # A bind remount must repeat the flags the source mount already has
    # (noexec, say), or the kernel refuses it.
    flags |= _kept_flags(dest)
    check(mount(None, dest, None, flags, None))


def _kept_flags(path: bytes) -> int:
    flags = os.statvfs(path).f_flag
    kept = flags & (MS_NOEXEC | 1024 | 2048)  # ST_NOEXEC, ST_NOATIME, ST_NODIRATIME: same bits as MS_*
    return kept | ((1 << 21) if flags & 4096 else 0)  # ST_RELATIME -> MS_RELATIME
