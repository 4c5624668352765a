"""Probes for tests/test_confinement.py: run in a confined child, they try what a submission must not.

Each attempt reports "ok" or the error it met; the test decides what should have happened.
"""
import ctypes
import errno
import os
import socket
import time

CLONE_NEWUSER = 0x10000000
SIGCHLD = 17
#: clone(2)'s namespace flags: each must be refused, with or without CLONE_THREAD's company
NAMESPACES = {"newns": 0x00020000, "newcgroup": 0x02000000, "newuts": 0x04000000, "newipc": 0x08000000,
              "newuser": 0x10000000, "newpid": 0x20000000, "newnet": 0x40000000}
THREAD = 0x00010000 | 0x00000100 | 0x00000800  # CLONE_THREAD | CLONE_VM | CLONE_SIGHAND
SYSCALLS = {"x86_64": {"clone": 56, "fork": 57, "vfork": 58, "clone3": 435, "ptrace": 101, "mount": 165,
                       "setns": 308, "bpf": 321, "shmget": 29, "msgget": 68, "semget": 64, "mq_open": 240},
            "aarch64": {"clone": 220, "clone3": 435, "ptrace": 117, "mount": 40, "setns": 268, "bpf": 280,
                        "shmget": 194, "msgget": 186, "semget": 190, "mq_open": 180}}


def _attempt(action):
    try:
        result = action()
        return "ok" if result is None else result
    except BaseException as error:  # noqa: BLE001 - every failure is an answer here
        return f"{type(error).__name__}: {error}"


def _write(path):
    with open(path, "w") as f:
        f.write("pwned")


def _read(path):
    with open(path, "rb") as f:
        f.read(1)


def _connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def _plot(path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    plt.plot(np.arange(3))
    plt.savefig(path)


def _multiprocessing():
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return "ok" if pool.map(abs, [-1, -2]) == [1, 2] else "wrong"


def _threads():
    import threading

    import numpy as np
    results = []
    workers = [threading.Thread(target=lambda: results.append(float(np.ones((50, 50)).dot(np.ones(50)).sum())))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return "ok" if results == [2500.0] * 4 else f"wrong: {results}"


def _subprocess():
    import subprocess
    subprocess.run(["true"], check=True)


def _fork():
    if os.fork() == 0:
        os._exit(0)


def _raw(name, *args):
    """The system call itself, bypassing the C library's wrappers; "ok" if the kernel let it through."""
    number = SYSCALLS[os.uname().machine].get(name)
    if number is None:
        return "absent"  # not in this architecture's table
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(ctypes.c_long(number), *(ctypes.c_ulong(a) for a in args))
    if result == 0:  # a clone or fork that worked: this is the new process, which goes at once
        if name in ("clone", "fork", "vfork"):
            os._exit(0)
        return "ok"
    if result > 0:
        return "ok"
    code = ctypes.get_errno()
    return f"{errno.errorcode.get(code, code)}"


def _clone(flags):
    # Flags alone, no new stack: a child that got through would share nothing and _exit at once.
    return _raw("clone", flags, 0, 0, 0, 0)


def _socket(family, kind):
    socket.socket(family, kind).close()


def _unshare():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def _import_grader():
    import grader  # noqa: F401


def _whitelist(args):
    """What the child can reach of the places the test named; it waits while the test reads its mount table."""
    _write("waiting")
    for _ in range(600):
        if os.path.exists("seen"):
            break
        time.sleep(0.05)
    return {"reads": {path: _attempt(lambda p=path: os.listdir(p) if os.path.isdir(p) else _read(p))
                      for path in args["forbidden"]}, "scratch": os.getcwd()}


def _memory():
    """Four threads take 16 MB blocks until refused, then a fork tries for a fresh address space."""
    import threading
    held, lock, go = [], threading.Lock(), threading.Event()

    def take():
        go.wait()  # all four started first: a thread's stack needs address space too
        try:
            while True:
                block = bytearray(16 << 20)  # mapped, not touched: the address space counts it all the same
                with lock:
                    held.append(block)
        except MemoryError:
            pass

    workers = [threading.Thread(target=take) for _ in range(4)]
    for worker in workers:
        worker.start()
    go.set()
    for worker in workers:
        worker.join()
    total = len(held) * 16
    held.clear()
    return {"held_mb": total, "fork": _attempt(_fork)}


def run(kind, namespace, args):
    if kind == "whitelist":
        return _whitelist(args)
    if kind == "memory":
        return _memory()
    outside = args["outside"]
    return {
        "uid": list(os.getresuid()),
        "import_grader": _attempt(_import_grader),
        "read_reference": _attempt(lambda: _read(args["reference"])),
        "list_repo": _attempt(lambda: os.listdir(args["repo"])),
        "read_config": _attempt(lambda: _read(args["config"])),
        "read_outside": _attempt(lambda: _read(os.path.join(outside, "secret.txt"))),
        "write_outside": _attempt(lambda: _write(os.path.join(outside, "pwned.txt"))),
        "write_tmp": _attempt(lambda: _write("/tmp/pwned-by-confinement-test")),
        "write_scratch": _attempt(lambda: _write("mine.txt")),
        "plot": _attempt(lambda: _plot("plot.png")),
        "multiprocessing": _attempt(_multiprocessing),
        "subprocess": _attempt(_subprocess),
        "fork": _attempt(_fork),
        "threads": _attempt(_threads),
        "raw": {"fork": _raw("fork"), "vfork": _raw("vfork"), "clone_process": _clone(SIGCHLD),
                "clone3": _raw("clone3", 0, 0), "ptrace": _raw("ptrace", 0, 0, 0, 0),
                "mount": _raw("mount", 0, 0, 0, 0, 0), "setns": _raw("setns", 0, 0), "bpf": _raw("bpf", 0, 0, 0),
                "shmget": _raw("shmget", 0, 1 << 20, 0o1600), "msgget": _raw("msgget", 0, 0o1600),
                "semget": _raw("semget", 0, 1, 0o1600), "mq_open": _raw("mq_open", 0, 0, 0, 0),
                **{f"clone_{name}": _clone(SIGCHLD | flag) for name, flag in NAMESPACES.items()},
                **{f"thread_{name}": _clone(THREAD | flag) for name, flag in NAMESPACES.items()}},
        "sockets": {name: _attempt(lambda f=family, k=kind: _socket(f, k)) for name, (family, kind) in {
            "inet_stream": (socket.AF_INET, socket.SOCK_STREAM), "inet6_dgram": (socket.AF_INET6, socket.SOCK_DGRAM),
            "unix_stream": (socket.AF_UNIX, socket.SOCK_STREAM), "netlink": (16, socket.SOCK_RAW),
            "packet": (17, socket.SOCK_RAW)}.items()},
        "connect": _attempt(lambda: _connect(args["port"])),
        "udp": _attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()),
        "signal_grader": _attempt(lambda: os.kill(args["grader_pid"], 0)),
        "unshare": _attempt(_unshare),
        "read_proc": _attempt(lambda: _read(f"/proc/{args['grader_pid']}/cmdline")),
        "write_shm": _attempt(lambda: _write("/dev/shm/pwned-by-confinement-test")),
    }
