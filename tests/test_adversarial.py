"""Hostile submissions: each attack is contained and costs only what it breaks."""
import os
from pathlib import Path

import pytest

from grader.confine import plan as confinement
from grader.results import Status
from tests.conftest import grade

FAST = Path(__file__).with_name("fast_limits.toml")


def check(result, name):
    return next(c for c in result.checks if c.name == name)


def assert_graded_sanely(result):
    assert not any(c.status is Status.GRADER_ERROR for c in result.checks)
    assert check(result, "sigmoid.values").status is Status.PASSED


def test_sys_exit_at_import_keeps_the_definitions(hostile):
    result = grade(hostile("exit_on_import"), FAST)
    assert result.score == 100
    assert any("SystemExit" in note for note in result.notes)


def test_os_exit_costs_only_the_checks_that_call_it(hostile):
    result = grade(hostile("os_exit"), FAST)
    assert_graded_sanely(result)
    backward = check(result, "network.backward")
    assert backward.status is Status.ERROR and "exited early" in backward.feedback.summary
    assert check(result, "network.forward").status is Status.PASSED


def test_infinite_loop_times_out_per_call(hostile):
    result = grade(hostile("infinite_loop"), FAST)
    assert_graded_sanely(result)
    forward = check(result, "network.forward")
    assert forward.status is Status.ERROR and "did not finish within" in forward.feedback.summary
    assert check(result, "network.compute_loss").status is Status.PASSED


def test_memory_hog_hits_the_memory_limit(hostile):
    result = grade(hostile("memory_hog"), FAST)
    assert_graded_sanely(result)
    assert check(result, "network.train_step").status is Status.ERROR
    assert check(result, "network.backward").status is Status.PASSED


def _alive_sleepers() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if b"sleep\x001000" in cmdline and state != "Z":
            pids.append(int(entry))
    return pids


def test_processes_a_submission_starts_are_all_killed(hostile):
    before = set(_alive_sleepers())
    result = grade(hostile("fork_bomb_light"), FAST)
    assert result.score == 100
    assert set(_alive_sleepers()) - before == set()


def test_monkeypatched_numpy_cannot_make_wrong_answers_pass(hostile):
    result = grade(hostile("monkeypatch_numpy"), FAST)
    assert_graded_sanely(result)
    assert "missing 1/m" in check(result, "network.backward").feedback.text()
    assert check(result, "network.compute_loss").score == 0


def test_objects_with_rigged_eq_are_not_taken_for_arrays(hostile):
    result = grade(hostile("rigged_eq"), FAST)
    assert_graded_sanely(result)
    assert check(result, "network.forward").score == 0
    assert check(result, "network.backward").score == 0


def test_json_printed_on_stdout_is_output_not_results(hostile):
    result = grade(hostile("fake_stdout_json"), FAST)
    assert '"score": 100' in result.output or "score" in result.output
    assert check(result, "network.backward").score == 0
    assert result.score < 100


def test_hand_made_weights_do_not_pass_xor(hostile):
    result = grade(hostile("hardcoded_xor"), FAST)
    assert_graded_sanely(result)
    xor = check(result, "xor.trains")
    assert xor.score == 0 and "not gradient descent" in xor.feedback.text()


def test_huge_output_is_capped(hostile):
    result = grade(hostile("huge_output"), FAST)
    assert result.score == 100
    assert len(result.output) < 70_000 and "more bytes of output not shown" in result.output


def test_endless_import_is_reported_not_fatal(hostile):
    result = grade(hostile("sleep_forever_in_import"), FAST)
    assert result.score == 0
    assert all(c.status is Status.ERROR for c in result.checks)
    assert "top-level code" in result.checks[0].feedback.summary


@pytest.mark.skipif(not {"namespaces", "landlock"} & set(confinement.current().layers),
                    reason="this machine allows neither namespaces nor Landlock: only file permissions confine")
def test_writes_outside_the_scratch_space_fail(tmp_path, hostile):
    sentinel = Path("/tmp/grader-sentinel")
    sentinel.write_text("keep me")
    pwned = Path("/tmp/pwned-by-submission")
    pwned.unlink(missing_ok=True)
    try:
        folder = hostile("write_outside")
        result = grade(folder, FAST)
        assert result.score == 100
        assert sentinel.exists()
        assert not pwned.exists()
        assert not (folder / "pwned-by-submission").exists()
    finally:
        sentinel.unlink(missing_ok=True)
        pwned.unlink(missing_ok=True)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (the launcher, the child, what it started)."""
    found, stack = [], [pid]
    while stack:
        try:
            stack += [int(p) for p in Path(f"/proc/{stack[0]}/task/{stack[0]}/children").read_text().split()]
        except OSError:
            pass
        found.append(stack.pop(0))
    return found[1:]


def _children(pid: int) -> list[int]:
    """The grader's sandbox processes, once the child runs the submission (not a probe it forks)."""
    below = _descendants(pid)
    return below if any(b"child.main()" in _cmdline(p) for p in below) else []


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _gone(pid: int) -> bool:
    try:
        return "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]
    except OSError:
        return True


def test_a_grader_killed_outright_takes_its_child_with_it(hostile):
    import signal
    import subprocess
    import sys
    import time

    grader = subprocess.Popen([sys.executable, "-m", "grader", str(hostile("sleep_forever_in_import"))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not _children(grader.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    child = _children(grader.pid)
    assert child, "the grader started no child"
    time.sleep(3)  # into the submission's endless sleep, past writing anything a dead pipe would stop
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    deadline = time.monotonic() + 10
    while not all(map(_gone, child)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(map(_gone, child)), [_cmdline(p) for p in child if not _gone(p)]


@pytest.mark.parametrize("name", ["forge_channel_with_grader_math", "patch_the_probes", "exec_the_reference"])
def test_a_forgery_scores_what_the_stubs_score(hostile, name):
    result = grade(hostile(name), FAST)
    assert result.score == grade(Path(__file__).parents[1] / "student_template", FAST).score == 0
    assert "borrowed" not in result.output


def test_a_lingering_zombie_leader_neither_hangs_grading_nor_survives_it(hostile):
    import time

    from grader.sandbox import lifetime

    started = time.monotonic()
    result = grade(hostile("zombie_leader_holds_output"), FAST)
    assert result.score == 100
    assert time.monotonic() - started < 120
    assert "still here" in result.output
    uid = confinement.current().uid
    if uid is not None:
        assert lifetime.leftovers(uid) == []
