"""grader.isolation: what a confined child can and cannot do.

One confined child (module fixture) tries everything and reports back as
JSON; each test reads one line of that report (one more, small child checks a
scratch folder the sandbox uid could not reach by itself). Tests of a layer that
probe_support() says this machine lacks are skipped, saying so.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader import isolation
from grader.isolation import confine, probe_support

REPO = Path(__file__).resolve().parents[1]
NPROC = 8  # RLIMIT_NPROC for the child
# A uid of this test run's own: RLIMIT_NPROC counts every process of a uid,
# and graders running meanwhile use isolation.SANDBOX_UID.
UID = 64533 + os.getpid() % 1000

# argv: outside folder, file to remove, repo file to create, listener port,
# pid of a root process, JSON {hidden folder: [names in it to look for]}.
CHILD = r"""
import ctypes, errno, json, os, signal, socket, sys

outside, victim, repo_file, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
root_pid, hidden = int(sys.argv[5]), json.loads(sys.argv[6])
report = {"ids": [list(os.getresuid()), list(os.getresgid()), os.getgroups()]}

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

attempt("kill_root_process", lambda: os.kill(root_pid, signal.SIGKILL))
attempt("signal_parent", lambda: os.kill(os.getppid(), 0))  # 0: the permission check only
report["hidden"] = {}
for folder, names in hidden.items():
    try:
        listing = sorted(os.listdir(folder))
    except OSError as error:
        listing = errno.errorcode[error.errno]
    found = {}
    for name in names:
        try:
            os.stat(os.path.join(folder, name))
            found[name] = "ok"
        except OSError as error:
            found[name] = errno.errorcode[error.errno]
    report["hidden"][folder] = {"listing": listing, "stat": found}

import numpy as np
report["numpy"] = float(np.linalg.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 8.0])).sum())
import matplotlib.pyplot as plt
plt.plot([0, 1, 2], [0, 1, 4])
plt.savefig("plot.png")
report["plot_bytes"] = os.path.getsize("plot.png")

import multiprocessing  # its queues and locks are POSIX semaphores, in /dev/shm
def square(queue, x):
    queue.put(x * x)
context = multiprocessing.get_context("fork")
queue = context.Queue()
worker = context.Process(target=square, args=(queue, 7))
worker.start()
report["multiprocessing"] = queue.get(timeout=10)
worker.join()

# As many processes as RLIMIT_NPROC lets us: each waits for the pipe to close.
read_end, write_end = os.pipe()
pids, report["fork_error"] = [], None
for _ in range(3 * int(os.environ["NPROC"])):
    try:
        pid = os.fork()
    except OSError as error:
        report["fork_error"] = errno.errorcode[error.errno]
        break
    if pid == 0:
        os.close(write_end)
        os.read(read_end, 1)
        os._exit(0)
    pids.append(pid)
os.close(write_end)
for pid in pids:
    os.waitpid(pid, 0)
report["forks"] = len(pids)

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
def root_process():
    """A process of root's, for the child to try to kill."""
    sleeper = subprocess.Popen(["sleep", "60"])
    yield sleeper
    sleeper.kill()
    sleeper.wait()


def _hidden_plan(scratch) -> dict[str, list[str]]:
    """{folder the sandbox uid cannot search: the paths confine() binds back into it}."""
    paths = isolation._NEEDED + (os.fsencode(os.path.realpath(scratch)),)
    plan = isolation._hidden_ancestors(paths, UID, UID)
    return {os.fsdecode(folder): [os.fsdecode(p) for p in inner] for folder, inner in plan.items()}


@pytest.fixture(scope="module")
def run(listener, root_process):
    """Paths the child was pointed at, and its JSON report."""
    # Searchable by the sandbox uid (unlike pytest's tmp folders, mode 700),
    # so that `outside` stays in the child's sight and read-only is what stops it.
    base = Path(tempfile.mkdtemp(prefix="isolation-test-"))
    base.chmod(0o755)
    scratch, outside = base / "scratch", base / "outside"
    scratch.mkdir()
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me")
    repo_file = REPO / f".isolation-test-{os.getpid()}.txt"
    hidden = _hidden_plan(scratch)
    # Up to three names in each hidden folder that confine() should hide.
    look_for = {folder: sorted(set(os.listdir(folder)) - {_first_name(folder, p) for p in paths})[:3]
                for folder, paths in hidden.items()}
    env = {"MPLBACKEND": "Agg", "MPLCONFIGDIR": str(scratch), "OPENBLAS_NUM_THREADS": "1",
           "NPROC": str(NPROC)}

    # Only under the sandbox uid: for any other user the count would include
    # that user's other processes (and root ignores the limit).
    limit_processes = "uid" in probe_support()

    def preexec():
        confine(str(scratch), uid=UID)
        if limit_processes:
            resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(outside), str(victim), str(repo_file), str(listener),
         str(root_process.pid), json.dumps(look_for)],
        preexec_fn=preexec, cwd=scratch, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate(timeout=60)
    try:
        assert child.returncode == 0, err
        yield {"scratch": scratch, "outside": outside, "victim": victim, "repo_file": repo_file,
               "hidden": hidden, "look_for": look_for, "report": json.loads(out)}
    finally:
        repo_file.unlink(missing_ok=True)  # only there if confinement failed
        shutil.rmtree(base, ignore_errors=True)


def _first_name(folder: str, path: str) -> str:
    return path[len(folder) + 1:].split("/")[0]


def test_probe_support_names_known_layers_once():
    layers = probe_support()
    assert set(layers) <= set(isolation.LAYERS)
    assert "uid" in isolation.LAYERS
    assert layers == [name for name in isolation.LAYERS if name in layers]  # in order
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


def test_child_runs_as_the_sandbox_uid(run):
    _require("uid")
    assert run["report"]["ids"] == [[UID] * 3, [UID] * 3, []]
    assert run["scratch"].stat().st_uid == UID
    assert (run["scratch"] / "plot.png").stat().st_uid == UID


def test_child_cannot_kill_a_root_process(run, root_process):
    _require("uid")
    assert run["report"]["kill_root_process"] == "EPERM"
    assert root_process.poll() is None  # still sleeping


def test_child_cannot_signal_its_parent(run):
    _require("uid")
    assert run["report"]["signal_parent"] == "EPERM"


def test_rlimit_nproc_caps_the_childs_processes(run):
    _require("uid")
    assert run["report"]["fork_error"] == "EAGAIN"
    assert 1 <= run["report"]["forks"] < NPROC  # the child itself is one of the NPROC


def test_multiprocessing_works(run):
    assert run["report"]["multiprocessing"] == 49


def test_child_sees_only_the_interpreters_path_in_hidden_folders(run):
    _require("uid")
    if not run["hidden"]:
        pytest.skip("the sandbox uid can reach the interpreter, venv and grader here: nothing hidden")
    for folder, paths in run["hidden"].items():
        seen = run["report"]["hidden"][folder]
        assert seen["listing"] == sorted({_first_name(folder, p) for p in paths}), folder
        assert set(seen["stat"]) == set(run["look_for"][folder])
        assert set(seen["stat"].values()) <= {"ENOENT"}, seen["stat"]


CHILD_IN_HIDDEN_SCRATCH = r"""
import errno, json, os, sys
base, sibling = sys.argv[1], sys.argv[2]
with open("mine.txt", "w") as file:
    file.write("x")
try:
    open(sibling).read()
    sibling_read = "ok"
except OSError as error:
    sibling_read = errno.errorcode[error.errno]
print(json.dumps({"listing": sorted(os.listdir(base)), "sibling": sibling_read}))
"""


def test_scratch_under_a_folder_the_uid_cannot_search():
    """Scratch comes back through the veil, writable; its siblings stay hidden."""
    _require("uid")
    base = Path(tempfile.mkdtemp(prefix="isolation-test-"))  # mode 700
    try:
        scratch, sibling = base / "scratch", base / "sibling.txt"
        scratch.mkdir()
        sibling.write_text("secret")
        child = subprocess.run(
            [sys.executable, "-I", "-c", CHILD_IN_HIDDEN_SCRATCH, str(base), str(sibling)],
            preexec_fn=lambda: confine(str(scratch), uid=UID), cwd=scratch,
            capture_output=True, text=True, timeout=30)
        assert child.returncode == 0, child.stderr
        assert json.loads(child.stdout) == {"listing": ["scratch"], "sibling": "ENOENT"}
        assert (scratch / "mine.txt").stat().st_uid == UID
        assert sibling.read_text() == "secret"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_hidden_ancestors_names_the_outermost_folder_the_uid_cannot_search():
    base = Path(tempfile.mkdtemp(prefix="isolation-test-"))
    try:
        base.chmod(0o755)
        (base / "open" / "closed" / "inner").mkdir(parents=True)
        (base / "open").chmod(0o755)
        (base / "open" / "closed").chmod(0o700)
        (base / "open" / "closed" / "inner").chmod(0o700)
        deep = os.fsencode(base / "open" / "closed" / "inner" / "deep")
        shallow = os.fsencode(base / "open" / "closed" / "file")
        inside = deep + b"/more"  # under another path: that one is enough
        visible = os.fsencode(base / "open" / "x")
        closed = os.fsencode(base / "open" / "closed")
        uid = UID
        assert isolation._hidden_ancestors([deep, shallow, inside, visible], uid, uid) == {
            closed: [shallow, deep]}  # sorted
        if os.geteuid() != 0:
            return
        os.chown(closed, uid, uid)  # the owner's bits now decide, whatever the others' say
        (base / "open" / "closed").chmod(0o077)
        assert isolation._hidden_ancestors([shallow], uid, uid) == {closed: [shallow]}
        (base / "open" / "closed").chmod(0o700)
        assert isolation._hidden_ancestors([shallow], uid, uid) == {}
    finally:
        shutil.rmtree(base, ignore_errors=True)


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


@pytest.fixture
def uid_layer(monkeypatch):
    """Records calls to the uid layer instead of running it: with a fake libc
    it would change the ids of pytest's own process."""
    calls = []
    monkeypatch.setattr(isolation, "_become_unprivileged", lambda *args: calls.append(args))
    return calls


def test_confine_does_nothing_when_not_root(monkeypatch, tmp_path, uid_layer):
    fake = FakeLibc(0)
    monkeypatch.setattr(isolation, "_libc", fake)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert confine(str(tmp_path)) is None
    assert fake.calls == []
    assert uid_layer == []


@pytest.mark.parametrize("result", [-1, OSError("boom")], ids=["fails", "raises"])
def test_confine_never_raises(monkeypatch, tmp_path, result, uid_layer):
    fake = FakeLibc(result)
    monkeypatch.setattr(isolation, "_libc", fake)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert confine(str(tmp_path)) is None
    assert {call[0] for call in fake.calls} >= {"unshare", "prctl"}  # each layer still tried
    keep = os.fsencode(os.path.realpath(tmp_path))
    assert [(args[0], args[1], bool(args[2])) for args in uid_layer] == [(keep, isolation.SANDBOX_UID, False)]


def test_confine_remounts_all_but_scratch_read_only_and_nodev(monkeypatch, tmp_path, uid_layer):
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
        (b"tmpfs", b"/dev/shm", b"tmpfs", isolation.MS_NOSUID | nodev, isolation._SHM_OPTIONS),
    ]
    assert uid_layer == [(scratch, isolation.SANDBOX_UID, True)]  # in the private namespace


def test_mountinfo_paths_are_unescaped():
    assert isolation._unescape(b"/a\\040b\\134c") == b"/a b\\c"
