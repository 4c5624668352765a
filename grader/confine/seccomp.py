"""Seccomp: the system calls no submission needs, refused with EPERM.

Landlock covers files, TCP and signals; this filter covers the rest:
every new process (fork, vfork, and clone without CLONE_THREAD: a
submission needs threads, for numpy's BLAS, and no process of its own, so
everything it computes happens where the grader counts it), every new socket (UDP, raw, netlink, and unix sockets too: Landlock does
not cover connecting to a host's pathname socket) but an AF_UNIX
socketpair; new namespaces
(unshare, setns, clone with a CLONE_NEW* flag), ptrace and reading other
processes' memory, mounts, kernel modules, BPF, keyrings, io_uring (whose
operations seccomp cannot see), System V IPC and POSIX message queues
(memory no rlimit bounds, which outlives the child where there is no IPC
namespace) and the like. clone3 answers ENOSYS, as in
Docker's default profile: its flags sit behind a pointer a filter cannot
read, and the C library then falls back to clone, whose flags it can.
Calls of another architecture's table (x32 included) are refused whole.
"""
from __future__ import annotations

import ctypes
import errno
import platform

from grader.confine import syscalls

PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
RET_ALLOW, RET_ERRNO, RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
AF_UNIX = 1
CLONE_NEW_ANY = 0x7E020000  # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
CLONE_THREAD = 0x00010000  #: a thread of this process, not a new one

# (AUDIT_ARCH, numbers by name); a name missing from a table does not exist there
TABLES = {
    "x86_64": (0xC000003E, {
        "socket": 41, "socketpair": 53, "clone": 56, "fork": 57, "vfork": 58, "clone3": 435, "unshare": 272, "setns": 308,
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "pidfd_getfd": 438,
        "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "kexec_load": 246, "kexec_file_load": 320,
        "init_module": 175, "finit_module": 313, "delete_module": 176, "add_key": 248, "request_key": 249,
        "keyctl": 250, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "acct": 163, "swapon": 167, "swapoff": 168,
        "reboot": 169, "quotactl": 179, "settimeofday": 164, "clock_settime": 227, "adjtimex": 159,
        "iopl": 172, "ioperm": 173,
        "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "msgget": 68, "mq_open": 240}),
    "aarch64": (0xC00000B7, {
        "socket": 198, "socketpair": 199, "clone": 220, "clone3": 435, "unshare": 97, "setns": 268,
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "pidfd_getfd": 438,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "kexec_load": 104, "kexec_file_load": 294,
        "init_module": 105, "finit_module": 273, "delete_module": 106, "add_key": 217, "request_key": 218,
        "keyctl": 219, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_by_handle_at": 265, "name_to_handle_at": 264, "acct": 89, "swapon": 224, "swapoff": 225,
        "reboot": 142, "quotactl": 60, "settimeofday": 170, "clock_settime": 112, "adjtimex": 171,
        "shmget": 194, "shmat": 196, "shmctl": 195, "semget": 190, "msgget": 186, "mq_open": 180}),
}
X32_BIT = 0x40000000
#: called with arguments the filter inspects, below; every other name in a table is refused outright
#: (aarch64 has no fork or vfork: its C library forks through clone)
INSPECTED = ("socket", "socketpair", "clone", "clone3")

# classic BPF
LD_W_ABS, JEQ_K, JSET_K, JGE_K, RET_K = 0x20, 0x15, 0x45, 0x35, 0x06
NR, ARCH, ARG0 = 0, 4, 16  # offsets in struct seccomp_data (args[0]'s low half, little-endian)


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def program(machine: str | None = None) -> list[tuple[int, int, int, int]] | None:
    """The filter as (code, jt, jf, k) instructions for this machine, None if it is not supported."""
    machine = machine or platform.machine()
    table = TABLES.get(machine)
    if table is None:
        return None
    arch, numbers = table
    deny = RET_ERRNO | errno.EPERM
    code = [(LD_W_ABS, 0, 0, ARCH), (JEQ_K, 1, 0, arch), (RET_K, 0, 0, RET_KILL_PROCESS),
            (LD_W_ABS, 0, 0, NR)]
    if machine == "x86_64":
        code += [(JGE_K, 0, 1, X32_BIT), (RET_K, 0, 0, deny)]
    code += [(JEQ_K, 0, 1, numbers["clone3"]), (RET_K, 0, 0, RET_ERRNO | errno.ENOSYS)]
    code += [(JEQ_K, 0, 1, numbers["socket"]), (RET_K, 0, 0, RET_ERRNO | errno.EAFNOSUPPORT)]
    # socketpair: AF_UNIX only (a connected pair, reaching nothing outside)
    code += [(JEQ_K, 0, 4, numbers["socketpair"]), (LD_W_ABS, 0, 0, ARG0), (JEQ_K, 0, 1, AF_UNIX),
             (RET_K, 0, 0, RET_ALLOW), (RET_K, 0, 0, RET_ERRNO | errno.EAFNOSUPPORT)]
    # clone: a thread, in no new namespace (x86-64's clone takes its flags first, as aarch64's does)
    code += [(JEQ_K, 0, 5, numbers["clone"]), (LD_W_ABS, 0, 0, ARG0), (JSET_K, 2, 0, CLONE_NEW_ANY),
             (JSET_K, 0, 1, CLONE_THREAD), (RET_K, 0, 0, RET_ALLOW), (RET_K, 0, 0, deny)]
    for name, number in numbers.items():
        if name not in INSPECTED:
            code += [(JEQ_K, 0, 1, number), (RET_K, 0, 0, deny)]
    code.append((RET_K, 0, 0, RET_ALLOW))
    return code


def install() -> bool:
    """Load the filter into this process (no_new_privs must be set); False where it cannot be."""
    code = program()
    if code is None or syscalls.libc is None:
        return False
    filters = (_Filter * len(code))(*(_Filter(*instruction) for instruction in code))
    prog = _Program(len(code), filters)
    return syscalls.libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) == 0
