"""The confinement's own tables and choices, without a sandboxed child: a fraction of a second.

The seccomp filter names system calls by number, and a wrong number lets the
call through while refusing another: its tables must be the kernel's own
(the system's headers, for both architectures). The plan must pick the
strongest layers the machine allows: namespaces as root with CAP_SYS_ADMIN,
Landlock and the sandbox uid without them, and no uid layer for a grader
that is not root.
"""
from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from grader.confine import namespaces, privileges, seccomp
from grader.confine import plan as confinement

# Where linux-libc-dev puts each table: x86-64's own, and the generic one aarch64 uses.
HEADERS = {"x86_64": ("x86_64-linux-gnu/asm/unistd_64.h", "asm/unistd_64.h"),
           "aarch64": ("asm-generic/unistd.h",)}


def kernel_numbers(machine: str) -> dict[str, int]:
    for name in HEADERS[machine]:
        header = Path("/usr/include", name)
        if header.is_file():
            text = header.read_text(encoding="utf-8")
            return {m[1]: int(m[2]) for m in re.finditer(r"#define __NR_(\w+)\s+(\d+)\b", text)}
    pytest.skip(f"no kernel headers for {machine} (linux-libc-dev)")


@pytest.mark.parametrize("machine, elf", [("x86_64", "EM_X86_64"), ("aarch64", "EM_AARCH64")])
def test_the_filter_admits_only_its_architectures_audit_number(machine, elf):
    """AUDIT_ARCH_*: the ELF machine, 64-bit, little-endian (linux/audit.h); another table is refused whole."""
    header = Path("/usr/include/linux/elf-em.h")
    if not header.is_file():
        pytest.skip("no kernel headers (linux-libc-dev)")
    em = int(re.search(rf"#define {elf}\s+(\d+)", header.read_text(encoding="utf-8"))[1])
    assert seccomp.TABLES[machine][0] == em | 0x80000000 | 0x40000000


@pytest.mark.parametrize("machine", sorted(seccomp.TABLES))
def test_the_filter_names_each_system_call_by_the_kernels_number(machine):
    known = kernel_numbers(machine)
    table = seccomp.TABLES[machine][1]
    assert {name: known.get(name) for name in table} == table


def filtered(calls) -> dict:
    """What `calls()` returns, run in a throwaway process under the filter alone (errno names)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            privileges.set_no_new_privs()
            ok = seccomp.install()
            os.write(write, repr(calls() if ok else "not installed").encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        said = pipe.read().decode()
    os.waitpid(pid, 0)
    assert said, "the filtered process died before answering (a filter that kills it)"
    return eval(said)  # our own repr of a dict of str


def raw(number: int, *args: int) -> str:
    """The system call itself, past the C library: "ok" or the errno's name."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(ctypes.c_long(number), *(ctypes.c_ulong(a) for a in args))
    if result == 0 and args[:1] == (SIGCHLD,) or result == 0 and not args:
        os._exit(0)  # a fork or clone that got through: this is the new process, which goes at once
    return "ok" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")


SIGCHLD, CLONE_NEWNET, CLONE_THREADS = 17, 0x40000000, 0x00010000 | 0x00000100 | 0x00000800


def test_the_filter_refuses_new_processes_and_namespaces_with_the_kernels_numbers():
    if os.uname().machine != "x86_64":
        pytest.skip("the raw calls below use x86-64's fork")
    nr = kernel_numbers("x86_64")

    def calls():
        def thread():
            done.append(1)
        done: list = []
        worker = threading.Thread(target=thread)
        worker.start()
        worker.join()
        return {"fork": raw(nr["fork"]), "clone": raw(nr["clone"], SIGCHLD, 0, 0, 0, 0),
                "clone_newnet": raw(nr["clone"], CLONE_THREADS | CLONE_NEWNET, 0, 0, 0, 0),
                "clone3": raw(nr["clone3"], 0, 0), "setns": raw(nr["setns"], 2**32 - 1, 0),
                "unshare": raw(nr["unshare"], 0), "x32_getpid": raw(seccomp.X32_BIT | nr["getpid"]),
                "getpid": raw(nr["getpid"]), "threads": "ok" if done == [1] else "none",
                "unix_pair": _pair(1), "inet_pair": _pair(2), "unix_socket": raw(nr["socket"], 1, 1, 0)}
    got = filtered(calls)
    assert got == {"fork": "EPERM", "clone": "EPERM", "clone_newnet": "EPERM", "clone3": "ENOSYS",
                   "setns": "EPERM", "unshare": "EPERM", "x32_getpid": "EPERM", "getpid": "ok",
                   "threads": "ok", "unix_pair": "ok", "inet_pair": "EAFNOSUPPORT",
                   "unix_socket": "EAFNOSUPPORT"}


def _pair(family: int) -> str:
    import socket
    try:
        a, b = socket.socketpair(family, socket.SOCK_STREAM)
    except OSError as e:
        return errno.errorcode.get(e.errno, "?")
    a.close()
    b.close()
    return "ok"


def fresh_plan() -> confinement.Plan:
    return confinement.current.__wrapped__()  # current() is decided once per process: ask anew


def test_as_root_with_namespaces_the_plan_uses_them_and_the_sandbox_uid():
    if os.geteuid() != 0 or not namespaces.available():
        pytest.skip("needs root with CAP_SYS_ADMIN")
    plan = fresh_plan()
    assert plan.mode == "namespaces" and {"namespaces", "uid", "capabilities"} <= set(plan.layers)
    assert plan.uid is not None and plan.uid != 0 and plan.refusal is None


def test_as_root_without_namespaces_the_plan_falls_back_to_landlock(monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    monkeypatch.setattr(namespaces, "available", lambda: False)
    plan = fresh_plan()
    assert "namespaces" not in plan.layers and "CAP_SYS_ADMIN" in plan.missing["namespaces"]
    if "landlock" in plan.layers:
        assert plan.mode == "landlock"
    # Root always drops to the sandbox uid, or grading is refused with the fix.
    assert {"uid", "capabilities"} <= set(plan.layers) or "cannot reach the Python interpreter" in plan.refusal


def test_a_grader_that_is_not_root_gets_no_uid_or_namespaces(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    plan = fresh_plan()
    assert not {"namespaces", "uid", "capabilities"} & set(plan.layers) and plan.uid is None
    assert plan.missing["uid"] == "the grader does not run as root" and plan.refusal is None


def test_the_sandbox_uid_reads_what_every_user_may_and_nothing_more():
    """Where neither namespaces nor Landlock hide the grader, this is what decides a refusal."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        (folder / "public.py").write_text("x = 1\n")
        (folder / "public.py").chmod(0o644)
        (folder / "grader.py").write_text("SECRET = 1\n")
        (folder / "grader.py").chmod(0o600)
        nobody = 65534
        assert confinement._readable_by(nobody, str(folder / "public.py"))
        assert confinement._readable_by(nobody, str(folder))
        assert not confinement._readable_by(nobody, str(folder / "grader.py"))
        folder.chmod(0o700)
        assert not confinement._readable_by(nobody, str(folder))
    finally:
        shutil.rmtree(folder)


def test_the_doctor_lists_every_layer_with_why_it_is_missing(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    said = confinement.describe(fresh_plan()).splitlines()
    rows = {line.split()[1]: line for line in said if line.startswith("  ")}
    assert list(rows) == list(confinement.LAYERS)
    assert rows["uid"].split()[0] == "no" and rows["uid"].endswith("the grader does not run as root")
    assert said[-1] == "grading is allowed here"


def test_the_mode_is_the_strongest_file_layer_and_none_without_one():
    def mode(*layers):
        return confinement.Plan(layers, {}, None, (), ()).mode
    assert (mode("namespaces", "landlock", "seccomp", "uid"), mode("landlock", "seccomp", "uid")) == \
        ("namespaces", "landlock")
    assert (mode("seccomp", "uid", "capabilities"), mode("seccomp"), mode()) == ("permissions", "none", "none")


def test_a_layer_counts_as_allowed_only_if_its_trial_process_exits_cleanly():
    assert confinement._in_fork(lambda: True)
    assert not confinement._in_fork(lambda: False)
    assert not confinement._in_fork(lambda: os.kill(os.getpid(), 9))  # killed, as a filter may kill it


@pytest.mark.parametrize("trial", ["layer", "reading"])
def test_a_trial_that_raises_ends_in_its_own_process(trial):
    """Else the trial process would go on running the grader's own code, a second grader."""
    if trial == "reading" and os.geteuid() != 0:
        pytest.skip("needs root")
    read, write = os.pipe()
    me = os.getpid()
    try:
        allowed = confinement._in_fork(lambda: 1 / 0) if trial == "layer" else \
            confinement._readable_by(65534, "/nonexistent/grader.py")
    except BaseException:
        allowed = None
    if os.getpid() != me:  # the trial process came back out of _in_fork
        os.write(write, b"escaped")
        os._exit(1)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        assert (allowed, pipe.read()) == (False, b"")


def test_a_python_path_that_does_not_exist_is_left_out_of_the_whitelist(monkeypatch):
    from grader.confine import paths
    monkeypatch.setattr(paths.sysconfig, "get_path", lambda name: "/nonexistent/python-stdlib")
    assert "/nonexistent/python-stdlib" not in paths.readable([], [])
