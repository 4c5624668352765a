"""What a confined child can and cannot do, through the real launcher and runner.

One child tries everything (tests/confinement_probes.py) and reports; each
test reads one answer. What must hold depends on the layers this machine
allows (grader/confine/plan.py): a test of a layer the machine lacks is
skipped, saying so. CI runs this file twice: as root with namespaces, and
with CAP_SYS_ADMIN dropped (no namespaces, as in Docker and Gradescope).
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from grader import sandbox
from grader.confine import plan as confinement
from grader.sandbox import lifetime
from tests import confinement_probes as probes

REPO = Path(__file__).resolve().parents[1]
PROBES = Path(__file__).with_name("confinement_probes.py")
SHM_MARK = Path("/dev/shm/pwned-by-confinement-test")  # what confinement_probes.py tries to leave
PLAN = confinement.current()


def _require(*layers: str) -> None:
    if not set(layers) & set(PLAN.layers):
        pytest.skip(f"this machine allows none of {', '.join(layers)}: {PLAN.mode} mode")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    outside.chmod(0o755)
    (outside / "secret.txt").write_text("the instructor's")
    SHM_MARK.unlink(missing_ok=True)  # another run's leftover would read as this one's
    config = outside / "course.toml"
    config.write_text("[points]\n")
    with socket.create_server(("127.0.0.1", 0)) as server:
        args = {"outside": str(outside), "reference": str(REPO / "reference" / "backprop.py"),
                "repo": str(REPO), "config": str(config), "port": server.getsockname()[1],
                "grader_pid": os.getpid()}
        chunk = {"cell": "backprop.py", "code": "x = 1\n", "first_line": 1, "whole": False}
        run = sandbox.run([chunk], "backprop", [PROBES],
                          [sandbox.Probe("try", "try", args, timeout=60)],
                          sandbox.Limits(load_seconds=30, total_seconds=120))
    outcome = run.outcomes["try"]
    assert outcome.status == "ok", outcome.error
    yield {"answers": outcome.value, "outside": outside, "run": run}
    Path("/tmp/pwned-by-confinement-test").unlink(missing_ok=True)


def test_the_result_records_the_layers_that_applied(report):
    assert report["run"].confinement == {"mode": PLAN.mode, "layers": list(PLAN.layers)}


def test_the_child_cannot_import_the_grader(report):
    _require("namespaces", "landlock")
    # Absent from the whitelist tree; under Landlock, an editable install's finder still names it
    assert report["answers"]["import_grader"].startswith(("ModuleNotFoundError", "PermissionError"))


@pytest.mark.parametrize("attempt", ["read_reference", "list_repo", "read_config", "read_outside", "read_proc"])
def test_the_child_cannot_read_outside_its_whitelist(report, attempt):
    _require("namespaces", "landlock")
    assert report["answers"][attempt] != "ok"


@pytest.mark.parametrize("attempt", ["write_outside", "write_tmp"])
def test_the_child_writes_nowhere_but_scratch(report, attempt):
    _require("namespaces", "landlock")
    assert report["answers"][attempt] != "ok"
    assert not (report["outside"] / "pwned.txt").exists()


def test_nothing_the_child_wrote_in_shared_memory_outlives_grading(report):
    _require("namespaces", "uid")
    assert not SHM_MARK.exists()


def test_numpy_matplotlib_and_threads_still_work(report):
    answers = report["answers"]
    assert (answers["write_scratch"], answers["plot"], answers["threads"]) == ("ok", "ok", "ok")


@pytest.mark.parametrize("attempt", ["fork", "subprocess", "multiprocessing"])
def test_the_child_may_start_no_process_and_is_told_so(report, attempt):
    _require("seccomp")
    assert report["answers"][attempt].startswith("PermissionError: [Errno 1] a submission may not start processes")


@pytest.mark.parametrize("call", ["fork", "vfork", "clone_process", "ptrace", "mount", "setns", "bpf",
                                  "shmget", "msgget", "semget", "mq_open",
                                  *(f"{kind}_{ns}" for kind in ("clone", "thread") for ns in probes.NAMESPACES)])
def test_each_forbidden_system_call_is_refused_by_the_filter(report, call):
    """Straight to the kernel, past every wrapper: the filter's EPERM, not the kernel's own EINVAL or success."""
    _require("seccomp")
    assert report["answers"]["raw"][call] in ("EPERM", "absent")


def test_clone3_answers_enosys_so_the_c_library_falls_back_to_clone(report):
    _require("seccomp")
    assert report["answers"]["raw"]["clone3"] == "ENOSYS"


@pytest.mark.parametrize("family", ["inet_stream", "inet6_dgram", "unix_stream", "netlink", "packet"])
def test_the_child_can_make_no_socket(report, family):
    _require("seccomp")
    assert report["answers"]["sockets"][family].startswith("OSError: [Errno 97]")


def test_no_network(report):
    _require("namespaces", "landlock")
    assert report["answers"]["connect"] != "ok"


def test_no_udp_socket(report):
    _require("seccomp")  # an empty network namespace still lets a UDP socket be made, not used
    assert report["answers"]["udp"] != "ok"


def test_the_child_cannot_signal_the_grader(report):
    _require("uid", "landlock")
    assert report["answers"]["signal_grader"] != "ok"


def test_the_child_runs_as_the_sandbox_uid(report):
    _require("uid")
    assert report["answers"]["uid"] == [PLAN.uid] * 3


def test_the_child_cannot_make_namespaces(report):
    assert report["answers"]["unshare"] != "ok"


def test_nothing_of_the_sandbox_uid_outlives_grading(report):
    _require("uid")
    assert lifetime.leftovers(PLAN.uid) == []


def test_a_folder_split_around_an_installed_grader_stays_listable(tmp_path):
    """site-packages holding the grader: its other entries are whitelisted one by one, and the
    folder itself must stay listable, or the child's imports find nothing in it."""
    from grader.confine import paths

    site = tmp_path / "site-packages"
    for name in ("grader", "numpy", "matplotlib"):
        (site / name).mkdir(parents=True)
    listed = []
    kept = paths._without(str(site), [str(site / "grader")], listed)
    assert sorted(kept) == [str(site / "matplotlib"), str(site / "numpy")]
    assert listed == [str(site)]
    assert PLAN.listed == () or all(os.path.isdir(p) for p in PLAN.listed)
