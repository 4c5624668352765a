"""The sandbox pinned from the outside: the whitelist the child really gets, and no leftover at its start.

The whitelist is read where the grader is started from a course folder of
its own (on `sys.path`, as `python -m grader` puts it there): the child's
mount table (namespaces) and what it can open (both modes) must be the
interpreter, its libraries, the system's, scratch and the runner's files,
never that folder, the checkout or an output path.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

import pytest

from grader import sandbox
from grader.confine import namespaces, paths
from grader.confine import plan as confinement
from grader.sandbox import lifetime

REPO = Path(__file__).resolve().parents[1]
PLAN = confinement.current()

# Started from the course folder; the grader package comes from the install, the probes from this checkout.
# While the probe waits, its mount table is read from outside (Landlock keeps the child out of /proc).
GRADE_HERE = """
import glob, json, os, sys, threading, time
from grader import sandbox
from grader.confine import plan
args = json.loads(sys.argv[1])
chunk = {"cell": "backprop.py", "code": "x = 1\\n", "first_line": 1, "whole": False}
mounts = []
def look():
    for _ in range(1200):
        for waiting in glob.glob("/tmp/grader-*/scratch/waiting"):
            scratch = os.path.dirname(waiting)
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if os.readlink(f"/proc/{pid}/cwd") == scratch and b"child.main" in open(f"/proc/{pid}/cmdline", "rb").read():
                        mounts.extend(sorted({line.split()[4] for line in open(f"/proc/{pid}/mountinfo")}))
                except OSError:
                    continue
            open(os.path.join(scratch, "seen"), "w").close()
            return
        time.sleep(0.05)
threading.Thread(target=look).start()
run = sandbox.run([chunk], "backprop", [args["probes"]], [sandbox.Probe("w", "whitelist", args, timeout=60)],
                  sandbox.Limits(load_seconds=30, total_seconds=120))
outcome = run.outcomes["w"]
print(json.dumps({"status": outcome.status, "value": outcome.value, "error": outcome.error, "mounts": mounts,
                  "readable": plan.current().readable, "layers": plan.current().layers}))
"""


def _allowed_roots() -> list[str]:
    """What the whitelist may hold: the system's libraries, the interpreter's install, its packages."""
    roots = set(paths.SYSTEM) | paths._interpreter_chain() | {sys.prefix, sys.exec_prefix, sys.base_prefix,
                                                              sys.base_exec_prefix}
    roots |= {sysconfig.get_path(n) for n in ("stdlib", "platstdlib", "purelib", "platlib")}
    return [os.path.realpath(r) for r in roots if r]


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@pytest.fixture(scope="module")
def seen():
    # Folders every user may pass through, unlike pytest's own (mode 700): only confinement keeps the child out
    base = Path(tempfile.mkdtemp(prefix="whitelist-test-"))
    base.chmod(0o755)
    try:
        yield _seen(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _seen(base: Path) -> dict:
    course, out = base / "course", base / "out"
    for folder in (course, out):
        folder.mkdir(mode=0o755)
    (course / "solutions.py").write_text("ANSWER = 42\n")
    (out / "gradebook.csv").write_text("name,score\n")
    forbidden = [str(course), str(course / "solutions.py"), str(out / "gradebook.csv"), str(REPO / "reference"),
                 str(REPO / "grader")]
    args = {"probes": str(Path(__file__).with_name("confinement_probes.py")), "forbidden": forbidden}
    done = subprocess.run([sys.executable, "-c", GRADE_HERE, json.dumps(args)], cwd=course, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["status"] == "ok", report["error"]
    return {**report, "course": str(course), "out": str(out), "forbidden": forbidden}


def test_the_whitelist_holds_only_the_interpreter_and_the_system_libraries(seen):
    roots = _allowed_roots()
    strays = [p for p in seen["readable"] if not any(_within(p, r) for r in roots)]
    assert strays == []
    for place in (seen["course"], seen["out"], str(REPO)):
        assert not [p for p in seen["readable"] if _within(p, os.path.realpath(place))
                    and not _within(p, os.path.realpath(sys.prefix))], place


def test_the_child_reaches_neither_the_folder_it_was_started_from_nor_the_checkout_nor_the_outputs(seen):
    if not {"namespaces", "landlock"} & set(seen["layers"]):
        pytest.skip("confined by file permissions only: what every user can read stays readable")
    assert {path: answer for path, answer in seen["value"]["reads"].items() if answer == "ok"} == {}


def test_the_childs_mount_table_is_the_whitelist_scratch_and_a_few_devices(seen):
    if "namespaces" not in seen["layers"]:
        pytest.skip("no namespaces here: the whitelist is Landlock's, pinned by what the child can open")
    scratch = seen["value"]["scratch"]
    expected = {"/", "/proc", "/dev/shm", scratch, *namespaces.DEVICES}
    assert seen["mounts"], "the child's mount table was not read"
    strays = [m for m in seen["mounts"] if m not in expected
              and not any(_within(m, r) for r in seen["readable"])]
    assert strays == []
    assert set(seen["readable"]) <= set(seen["mounts"]) | {p for p in seen["readable"] if not os.path.exists(p)}


def _leftover(uid: int) -> tuple[int, list]:
    """A process of the sandbox uid, as a grader killed outright leaves one; and when it died (filled in)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.set_inheritable(write, True)
            os.execv("/bin/sleep", ["sleep", "1000"])
        finally:
            os._exit(1)
    os.close(write)
    died: list[float] = []

    def watch():
        os.read(read, 1)  # end of file: the only writer is gone
        died.append(time.monotonic())
        os.close(read)

    threading.Thread(target=watch, daemon=True).start()
    return pid, died


@pytest.mark.skipif(PLAN.uid is None, reason="no sandbox uid here (the grader does not run as root)")
def test_a_leftover_of_the_sandbox_uid_is_gone_before_the_next_child_runs_the_submission():
    pid, died = _leftover(PLAN.uid)
    deadline = time.monotonic() + 10
    while pid not in lifetime.leftovers(PLAN.uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid in lifetime.leftovers(PLAN.uid)
    chunk = {"cell": "backprop.py", "code": "import time\nVALUE = time.monotonic()\n", "first_line": 1,
             "whole": False}
    run = sandbox.run([chunk], "backprop", [Path(__file__).with_name("sandbox_probes.py")],
                      [sandbox.Probe("p", "echo", {}, timeout=30)], sandbox.Limits(load_seconds=30, total_seconds=60))
    started = run.outcomes["p"].value  # the submission's first line, on the machine's monotonic clock
    deadline = time.monotonic() + 10
    while not died and time.monotonic() < deadline:
        time.sleep(0.05)
    assert died and died[0] < started


def test_a_submission_holds_no_more_memory_than_memory_mb_in_all():
    """No process of its own to start, so the address-space limit of its one process bounds all it holds."""
    limit = 512
    chunk = {"cell": "backprop.py", "code": "x = 1\n", "first_line": 1, "whole": False}
    run = sandbox.run([chunk], "backprop", [Path(__file__).with_name("confinement_probes.py")],
                      [sandbox.Probe("m", "memory", {}, timeout=60)],
                      sandbox.Limits(memory_mb=limit, load_seconds=30, total_seconds=90))
    answer = run.outcomes["m"].value
    assert run.outcomes["m"].status == "ok", run.outcomes["m"].error
    assert 0 < answer["held_mb"] < limit  # the interpreter and numpy take their share first
    if "seccomp" in PLAN.layers:
        assert answer["fork"].startswith("PermissionError: [Errno 1] a submission may not start processes")
