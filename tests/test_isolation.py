"""grader.isolation: what a confined child can and cannot do.

One confined child (module fixture) tries everything and reports back as
JSON; each test reads one line of that report. Tests of a layer that
probe_support() says this machine lacks are skipped, saying so.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from grader import isolation
from grader.isolation import confine, probe_support

REPO = Path(__file__).resolve().parents[1]

# argv: outside folder, file to remove, repo file to create, listener port.
CHILD = r"""
import ctypes, errno, json, os, socket, sys

outside, victim, repo_file, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
report = {}

def attempt(name, action):
    try:
        action()
        report[name] = "ok"
    except OSError as error:
        report[name] = errno.errorcode.get(error.errno, str(error))

def write(path):
    with open(path, "w") as file:
        file.write("x")

attempt("write_scratch_relative", lambda: write("relative.txt"))
attempt("write_scratch_absolute", lambda: write(os.path.join(os.getcwd(), "absolute.txt")))
attempt("write_outside", lambda: write(os.path.join(outside, "new.txt")))
attempt("write_repo", lambda: write(repo_file))
attempt("remove_outside", lambda: os.remove(victim))
attempt("dev_null", lambda: write("/dev/null"))
attempt("dev_urandom", lambda: open("/dev/urandom", "rb").read(8))
report["other_devices"] = {}
for device in ("/dev/kmsg", "/dev/loop0", "/dev/loop-control"):
    if os.path.exists(device):
        try:
            os.close(os.open(device, os.O_WRONLY | os.O_NOCTTY))  # opened only, never written
            report["other_devices"][device] = "ok"
        except OSError as error:
            report["other_devices"][device] = errno.errorcode[error.errno]
attempt("connect", lambda: socket.create_connection(("127.0.0.1", port), timeout=2).close())

libc = ctypes.CDLL(None, use_errno=True)
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
rc = libc.mount(None, b"/", None, ctypes.c_ulong(MS_REMOUNT | MS_BIND), None)
report["remount_rw"] = "ok" if rc == 0 else errno.errorcode[ctypes.get_errno()]
attempt("write_outside_after_remount", lambda: write(os.path.join(outside, "after.txt")))

import numpy as np
report["numpy"] = float(np.linalg.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 8.0])).sum())
import matplotlib.pyplot as plt
plt.plot([0, 1, 2], [0, 1, 4])
plt.savefig("plot.png")
report["plot_bytes"] = os.path.getsize("plot.png")

print(json.dumps(report))
"""


def _require(layer: str) -> None:
    if layer not in probe_support():
        pytest.skip(f"isolation layer {layer!r} is not available here "
                    f"(probe_support() = {probe_support()}; needs root on Linux with CAP_SYS_ADMIN)")


@pytest.fixture(scope="module")
def listener():
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture(scope="module")
def run(tmp_path_factory, listener):
    """Paths the child was pointed at, and its JSON report."""
    base = tmp_path_factory.mktemp("isolation")
    scratch, outside = base / "scratch", base / "outside"
    scratch.mkdir()
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me")
    repo_file = REPO / f".isolation-test-{os.getpid()}.txt"
    env = {"MPLBACKEND": "Agg", "MPLCONFIGDIR": str(scratch), "OPENBLAS_NUM_THREADS": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(outside), str(victim), str(repo_file), str(listener)],
        preexec_fn=lambda: confine(str(scratch)), cwd=scratch, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate(timeout=60)
    try:
        assert child.returncode == 0, err
        yield {"scratch": scratch, "outside": outside, "victim": victim,
               "repo_file": repo_file, "report": json.loads(out)}
    finally:
        repo_file.unlink(missing_ok=True)  # only there if confinement failed


def test_probe_support_names_known_layers_once():
    layers = probe_support()
    assert set(layers) <= set(isolation.LAYERS)
    assert probe_support() is layers  # cached


def test_child_writes_in_scratch(run):
    assert run["report"]["write_scratch_relative"] == "ok"
    assert run["report"]["write_scratch_absolute"] == "ok"
    assert (run["scratch"] / "relative.txt").read_text() == "x"
    assert (run["scratch"] / "absolute.txt").read_text() == "x"


def test_numpy_and_matplotlib_work(run):
    assert run["report"]["numpy"] == 3.0
    assert run["report"]["plot_bytes"] > 1000
    assert (run["scratch"] / "plot.png").read_bytes().startswith(b"\x89PNG")


def test_child_cannot_write_a_sibling_folder(run):
    _require("readonly_fs")
    assert run["report"]["write_outside"] == "EROFS"
    assert not (run["outside"] / "new.txt").exists()


def test_child_cannot_write_the_repo(run):
    _require("readonly_fs")
    assert run["report"]["write_repo"] == "EROFS"
    assert not run["repo_file"].exists()


def test_child_cannot_remove_a_file_outside_scratch(run):
    _require("readonly_fs")
    assert run["report"]["remove_outside"] == "EROFS"
    assert run["victim"].read_text() == "keep me"


def test_child_can_use_harmless_devices_only(run):
    assert run["report"]["dev_null"] == "ok"
    assert run["report"]["dev_urandom"] == "ok"
    _require("readonly_fs")
    others = run["report"]["other_devices"]
    if not others:
        pytest.skip("none of /dev/kmsg, /dev/loop0, /dev/loop-control exists here")
    assert set(others.values()) == {"EACCES"}, others


def test_child_cannot_connect_to_a_loopback_listener(run, listener):
    _require("network")
    socket.create_connection(("127.0.0.1", listener), timeout=2).close()  # the parent can
    assert run["report"]["connect"] != "ok"


def test_child_cannot_remount_read_write(run):
    _require("capabilities")
    assert run["report"]["remount_rw"] == "EPERM"
    if "readonly_fs" in probe_support():
        assert run["report"]["write_outside_after_remount"] == "EROFS"


def test_parent_is_left_unconfined(run):
    (run["outside"] / "parent.txt").write_text("parent can")
    mount_points = Path("/proc/self/mountinfo").read_text()
    assert f" {os.path.realpath(run['scratch'])} " not in mount_points  # no leaked bind mount


class FakeLibc:
    """Stands in for libc: records calls and answers each with `result`."""

    def __init__(self, result):
        self.result, self.calls = result, []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, *args))
            if isinstance(self.result, Exception):
                raise self.result
            return self.result
        return call


def test_confine_does_nothing_when_not_root(monkeypatch, tmp_path):
    fake = FakeLibc(0)
    monkeypatch.setattr(isolation, "_libc", fake)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert confine(str(tmp_path)) is None
    assert fake.calls == []


@pytest.mark.parametrize("result", [-1, OSError("boom")], ids=["fails", "raises"])
def test_confine_never_raises(monkeypatch, tmp_path, result):
    fake = FakeLibc(result)
    monkeypatch.setattr(isolation, "_libc", fake)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert confine(str(tmp_path)) is None
    assert {call[0] for call in fake.calls} >= {"unshare", "prctl"}  # each layer still tried


def test_confine_remounts_all_but_scratch_read_only_and_nodev(monkeypatch, tmp_path):
    fake = FakeLibc(0)
    monkeypatch.setattr(isolation, "_libc", fake)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    scratch = os.fsencode(os.path.realpath(tmp_path))
    monkeypatch.setattr(isolation, "_mounts", lambda: [
        (b"/", 0), (b"/dev", isolation.MS_NOSUID), (b"/dev/null", 0), (scratch, 0), (scratch + b"/inner", 0)])
    confine(str(tmp_path))
    mounts = [call[1:] for call in fake.calls if call[0] == "mount"]
    remount = isolation.MS_BIND | isolation.MS_REMOUNT | isolation.MS_RDONLY
    nodev = isolation.MS_NODEV
    assert mounts == [
        (None, b"/", None, isolation.MS_REC | isolation.MS_PRIVATE, None),
        (scratch, scratch, None, isolation.MS_BIND, None),
        *[(device, device, None, isolation.MS_BIND, None) for device in isolation._DEVICES],
        (None, b"/", None, remount | nodev, None),
        (None, b"/dev", None, remount | nodev | isolation.MS_NOSUID, None),
        (None, b"/dev/null", None, remount, None),
    ]


def test_mountinfo_paths_are_unescaped():
    assert isolation._unescape(b"/a\\040b\\134c") == b"/a b\\c"
