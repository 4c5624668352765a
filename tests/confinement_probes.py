"""Probes for tests/test_confinement.py: run in a confined child, they try what a submission must not.

Each attempt reports "ok" or the error it met; the test decides what should have happened.
"""
import ctypes
import os
import socket

CLONE_NEWUSER = 0x10000000


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


def _unshare():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def _import_grader():
    import grader  # noqa: F401


def run(kind, namespace, args):
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
        "connect": _attempt(lambda: _connect(args["port"])),
        "udp": _attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()),
        "signal_grader": _attempt(lambda: os.kill(args["grader_pid"], 0)),
        "unshare": _attempt(_unshare),
        "read_proc": _attempt(lambda: _read(f"/proc/{args['grader_pid']}/cmdline")),
        "write_shm": _attempt(lambda: _write("/dev/shm/pwned-by-confinement-test")),
    }
