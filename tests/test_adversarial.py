"""Hostile submissions: each attack is contained and costs only what it breaks."""
import os
from pathlib import Path

import pytest

from grader.confine import plan as confinement
from grader.results import Status
from tests.conftest import ROOT, SUBMISSIONS, grade
from tests.submissions import mutants

FAST = Path(__file__).with_name("fast_limits.toml")
CORRECT = SUBMISSIONS / "correct"


def check(result, name):
    return next(c for c in result.checks if c.name == name)


def assert_graded_sanely(result):
    assert not any(c.status is Status.GRADER_ERROR for c in result.checks)
    assert check(result, "sigmoid.values").status is Status.PASSED


def test_sys_exit_at_import_keeps_the_definitions(hostile):
    result = grade(hostile("exit_in_a_class_body"), FAST)
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


def test_a_submission_may_start_no_process_and_is_told_so(hostile):
    before = set(_alive_sleepers())
    result = grade(hostile("fork_bomb_light"), FAST)
    assert result.score == 100
    if "seccomp" in confinement.current().layers:
        for way in ("helpers", "fork"):
            assert f"{way}: [Errno 1] a submission may not start processes" in result.output
    assert set(_alive_sleepers()) - before == set()


@pytest.mark.skipif("seccomp" not in confinement.current().layers, reason="this machine refuses seccomp filters")
def test_finite_differences_in_a_forked_copy_earn_nothing_and_are_flagged(hostile):
    """The fork, reached by a name built at run time, would evaluate the network where no count sees it."""
    folder = hostile("numerical_backward_in_a_fork")
    result = grade(folder, FAST)
    backward = check(result, "network.backward")
    assert backward.score == 0 and "a submission may not start processes" in backward.feedback.summary
    (flag,) = [f for f in result.flags if f["code"] == "fork"]
    line = (folder / "backprop.py").read_text().splitlines()[flag["where"]["line"] - 1]
    assert 'getattr(os, "fo" + "rk")' in line
    assert check(result, "network.forward").status is Status.PASSED


@pytest.mark.skipif("seccomp" not in confinement.current().layers, reason="this machine refuses seccomp filters")
def test_a_multiprocessing_pool_is_refused_and_costs_only_its_check(hostile):
    result = grade(hostile("multiprocessing_in_explore_hyperparameters"), FAST)
    curves = check(result, "hyperparameters.curves")
    assert curves.status is Status.ERROR and "a submission may not start processes" in curves.feedback.summary
    assert result.score == 100 - curves.max_score


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
    import json

    from grader.backprop import Backprop

    result = grade(hostile("fake_stdout_json"), FAST)
    fake = json.dumps({"event": "result", "score": 100, "max_score": 100, "status": "passed"})
    assert fake in result.output.splitlines()  # shown as the submission printed it
    assert [c.name for c in result.checks] == [c.name for c in Backprop(FAST).checks()]  # no check of its own
    assert check(result, "network.backward").score == 0
    assert result.score < 100


def test_hand_made_weights_do_not_pass_xor(hostile):
    result = grade(hostile("hardcoded_xor"), FAST)
    assert_graded_sanely(result)
    xor = check(result, "xor.trains")
    assert xor.score == 0 and "not gradient descent" in xor.feedback.text()


def test_huge_output_is_capped(hostile):
    result = grade(hostile("huge_output_in_a_class_body"), FAST)
    assert result.score == 100, [c.feedback.summary for c in result.failed]
    assert len(result.output) < 70_000 and "more bytes of output not shown" in result.output


def test_top_level_attacks_that_are_plain_calls_are_not_run(hostile):
    for name in ("sleep_forever_in_import", "exit_on_import", "channel_loaded_wrong_types"):
        result = grade(hostile(name), FAST)
        assert result.score == 100 and any(n.startswith("not run: ") for n in result.notes), name


def test_endless_import_is_reported_not_fatal(hostile):
    result = grade(hostile("sleep_forever_in_a_class_body"), FAST)
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

    grader = subprocess.Popen([sys.executable, "-m", "grader", str(hostile("sleep_forever_in_a_class_body"))],
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


@pytest.mark.parametrize("name", ["forge_channel_with_grader_math", "patch_the_probes", "exec_the_reference",
                                  "forge_self_consistency"])
def test_a_forgery_scores_what_the_stubs_score(hostile, name):
    result = grade(hostile(name), FAST)
    assert result.score == grade(Path(__file__).parents[1] / "student_template" / "backprop.py", FAST).score == 0
    assert "borrowed" not in result.output


def test_a_lingering_zombie_leader_neither_hangs_grading_nor_survives_it(hostile):
    import time

    from grader.sandbox import lifetime

    started = time.monotonic()
    result = grade(hostile("zombie_leader_in_plot_loss"), FAST)
    plots = check(result, "plots.loss")
    assert plots.status is Status.ERROR and "did not finish within" in plots.feedback.summary
    assert result.score == 100 - plots.max_score
    assert time.monotonic() - started < 120
    assert "still here" in result.output
    uid = confinement.current().uid
    if uid is not None:
        assert lifetime.leftovers(uid) == []


def test_numerical_differentiation_earns_no_backward_points_and_is_flagged(hostile):
    folder = hostile("numerical_backward")
    result = grade(folder, FAST)
    assert_graded_sanely(result)
    for name in ("network.backward", "network.backward_repeatable"):
        summary = check(result, name).feedback.summary
        assert check(result, name).score == 0
        assert "evaluated the network" in summary and "numerical differentiation, not backpropagation" in summary
    (flag,) = [f for f in result.flags if f["code"] == "numerical_differentiation"]
    lines = (folder / "backprop.py").read_text().splitlines()
    assert lines[flag["where"]["line"] - 1].strip().startswith("def backward(")
    assert check(result, "network.forward").status is Status.PASSED


def test_numerical_differentiation_through_a_private_sigmoid_is_counted_too(hostile):
    result = grade(hostile("numerical_diff_private_sigmoid"), FAST)
    for name in ("network.backward", "network.backward_repeatable"):
        assert check(result, name).score == 0
        assert "numerical differentiation, not backpropagation" in check(result, name).feedback.summary
    assert [f["code"] for f in result.flags] == ["numerical_differentiation"]
    assert result.score == 0



@pytest.mark.parametrize("name", ["lazy_gradients_after_the_count", "lazy_gradients_in_a_key"])
def test_gradients_computed_after_backward_returns_are_counted_as_its_own(hostile, name):
    """A mapping's __getitem__ or a key's __str__ that differentiates runs while backward is counted."""
    result = grade(hostile(name), FAST)
    for check_name in ("network.backward", "network.backward_repeatable"):
        assert check(result, check_name).score == 0
        assert "numerical differentiation, not backpropagation" in check(result, check_name).feedback.summary
    assert "numerical_differentiation" in [f["code"] for f in result.flags]

@pytest.mark.parametrize("folder", [ROOT / "reference", *sorted(p for p in CORRECT.iterdir() if p.is_dir()), "float32"],
                         ids=lambda p: getattr(p, "name", p))
def test_backpropagation_in_every_correct_style_is_not_flagged(variant, folder):
    result = grade(variant(folder) if folder == "float32" else folder)
    assert result.score == 100
    assert result.flags == ()


# The reference's backward, from its output-layer comment to db1 (as the hostile edit has it).
BACKWARD_BODY = mutants.HOSTILE["numerical_backward"]["edit"][0]["old"]
HONEST = {
    "forward_then_per_sample_loop": '''
        self.forward(X)  # recomputes z1, a1, z2, a2: one pass, then one sample at a time
        dW1, db1 = np.zeros_like(self.W1), np.zeros_like(self.b1)
        dW2, db2 = np.zeros_like(self.W2), np.zeros_like(self.b2)
        for i in range(m):
            dz2 = self.a2[i:i + 1] - y[i:i + 1]
            dz1 = np.dot(dz2, self.W2.T) * sigmoid_derivative(self.z1[i:i + 1])
            dW2 += np.dot(self.a1[i:i + 1].T, dz2) / m
            db2 += dz2 / m
            dW1 += np.dot(X[i:i + 1].T, dz1) / m
            db1 += dz1 / m
''',
    "derivatives_from_exp": '''
        def slope(z):
            return np.exp(-z) / (1 + np.exp(-z)) ** 2

        dz2 = (self.a2 - y) * slope(self.z2) / (sigmoid(self.z2) * (1 - sigmoid(self.z2)))
        dW2 = (1 / m) * np.dot(self.a1.T, dz2)
        db2 = (1 / m) * np.sum(dz2, axis=0, keepdims=True)
        dz1 = np.dot(dz2, self.W2.T) * slope(self.z1)
        dW1 = (1 / m) * np.dot(X.T, dz1)
        db1 = (1 / m) * np.sum(dz1, axis=0, keepdims=True)
''',
}
# compute_loss, probed after backward, tells whether everything counted was put back.
RESTORED = [{"old": "\n        return np.mean((y_true - y_pred) ** 2)\n", "new": '''
        if np.exp is not _EXP or sigmoid is not _SIGMOID or NeuralNetwork.forward is not _FORWARD:
            return 12345.0
        if np.sum is not _SUM or __import__("sys").gettrace() or __import__("sys").getprofile():
            return 12345.0
        return np.mean((y_true - y_pred) ** 2)
'''}, {"old": "\ndef train(network, X, y, epochs):\n", "new": '''
_EXP, _SIGMOID, _FORWARD, _SUM = np.exp, sigmoid, NeuralNetwork.forward, np.sum


def train(network, X, y, epochs):
'''}]


def _probe_backward(tmp_path, name: str):
    """Only the backward probes and then compute_loss, in the real child; judged here."""
    from grader import definitions, engine, sandbox, submission
    from grader.backprop import Backprop
    from grader.judging import Observations

    corpus = {name: {"edit": [{"old": BACKWARD_BODY, "new": HONEST[name]}, *RESTORED]}}
    source = submission.load(mutants.write(corpus, name, tmp_path))
    assignment = Backprop(FAST)
    probes = [p for p in assignment.probes() if p.id.startswith("network.backward")]
    probes += [p for p in assignment.probes() if p.id == "network.compute_loss"]
    split = definitions.split([(c.label, c.code) for c in source.cells], False, assignment.interface)
    run = sandbox.run(definitions.runnable(split.chunks, False), assignment.module_name, assignment.probe_files,
                      probes, assignment.limits())
    observations = Observations(run.outcomes)
    judged = {c.name: engine.judge(c, observations) for c in assignment.checks()}
    return judged, assignment.flags(observations)


@pytest.mark.parametrize("name", list(HONEST))
def test_honest_backward_styles_count_as_one_or_two_evaluations(tmp_path, name):
    judged, flags = _probe_backward(tmp_path, name)
    assert flags == []
    assert judged["network.backward"].status is Status.PASSED, judged["network.backward"].feedback.text()
    assert judged["network.backward_repeatable"].status is Status.PASSED
    assert judged["network.compute_loss"].status is Status.PASSED, "a counter or a hook was not restored"


def test_losses_that_only_claim_to_be_numbers_earn_nothing(hostile):
    result = grade(hostile("fake_float_losses"), FAST)
    assert_graded_sanely(result)
    assert check(result, "train.losses").score == 0
    assert "not a number" in check(result, "train.losses").feedback.summary
    assert check(result, "hyperparameters.curves").score == 0
    for name in ("network.train_step", "network.backward", "xor.trains"):
        assert check(result, name).status is Status.PASSED


@pytest.mark.parametrize("name, score, broken, phrase", [
    ("channel_deep_nesting", 98, ["plots.loss"], "sent a malformed message: it nests 200000 levels deep"),
    ("channel_huge_seconds", 90, ["manual_backprop.exercise1", "manual_backprop.hidden_cases"],
     "result.seconds is a 401-digit integer"),
    ("channel_result_wrong_types", 98, ["plots.decision_boundary"], "result.warnings is an integer, expected a list"),
    ("channel_done_wrong_types", 98, ["hyperparameters.curves"], "its event is a list"),
    ("channel_huge_array", 95, ["spiral.data"], "sent a message longer than the"),
    ("hyperparameter_curves_flood", 98, ["hyperparameters.curves"], "sent a message longer than the"),
])
def test_a_forged_channel_line_costs_only_the_probe_it_came_during(hostile, name, score, broken, phrase):
    result = grade(hostile(name), FAST)
    assert not any(c.status is Status.GRADER_ERROR for c in result.checks)
    for c in result.checks:
        if c.name == broken[0]:
            assert c.status is Status.ERROR and phrase in c.feedback.summary, (c.name, c.feedback.summary)
        elif c.name in broken:  # its function already crashed a child once: never called again
            assert c.status is Status.BLOCKED and c.blocked_by == c.where, (c.name, c.feedback.summary)
        else:
            assert c.status is Status.PASSED, (c.name, c.feedback.summary)
    assert result.score == score


def test_a_malformed_loaded_message_is_a_contained_load_failure(hostile):
    result = grade(hostile("channel_loaded_in_a_class_body"), FAST)
    assert result.score == 0
    assert all(c.status is Status.ERROR and "top-level code sent a malformed message: loaded.errors[0] is a string"
               in c.feedback.summary for c in result.checks)


def test_many_extra_curves_are_judged_but_drawn_only_up_to_the_bound(hostile):
    import time

    from grader.report import bounds, html_report

    result = grade(hostile("hyperparameter_curves_many"), FAST)
    assert result.score == 100
    assert len(result.artifacts["hyperparameters"]) == bounds.MAX_CURVES
    started = time.monotonic()
    assert "explore_hyperparameters: one loss curve" in html_report.render(result)
    assert time.monotonic() - started < 10


def _wire_network(n, h, k):
    import numpy as np

    from grader import wire

    rng = np.random.default_rng(0)
    return {name: wire.encode(rng.normal(0, 1, shape))
            for name, shape in {"W1": (n, h), "b1": (1, h), "W2": (h, k), "b2": (1, k)}.items()}


def _result_with(artifacts, errors):
    from grader.results import CheckResult, Feedback, SubmissionResult

    check = CheckResult(name="network.backward", title="gradients", max_score=24, score=0, status=Status.FAILED,
                        feedback=Feedback("wrong"), measured={"relative_error": errors, "tolerance": 1e-5},
                        where="NeuralNetwork.backward")
    return SubmissionResult(submission="s", source_kind="py", digest="0" * 64, checks=(check,), notes=(), output="",
                            timings={}, grader_version="t", artifacts=artifacts, confinement={})


@pytest.mark.parametrize("size", ["at the bounds", "far past them"])
def test_html_figures_stay_within_a_time_and_memory_bound(size):
    """A result file may be edited by hand: the figures cut what they draw, whatever it holds."""
    import resource
    import time

    import numpy as np

    from grader import wire
    from grader.report import bounds, html_report

    big = size == "far past them"
    points, curves, units = (200_000, 16_000, 4096) if big else (bounds.MAX_POINTS, bounds.MAX_CURVES, bounds.MAX_UNITS)
    X = np.random.default_rng(1).normal(0, 1, (50_000 if big else bounds.MAX_SAMPLES, 2))
    run = {"losses": list(np.geomspace(1, 1e-3, points)), "loss_step": 1, "final": _wire_network(2, units, 1),
           **wire.encode({"X": X, "y": (X[:, :1] > 0).astype(float)})}
    artifacts = {"xor": run, "spiral": run,
                 "hyperparameters": {f"config {i}": list(np.geomspace(1, 0.1, 30 if big else points))
                                     for i in range(curves)}}
    errors = {f"dW{i}": 1e-3 for i in range(10_000 if big else bounds.MAX_BARS)}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    page = html_report.render(_result_with(artifacts, errors))
    assert time.monotonic() - started < 10  # about 3 s at the bounds, on 2 cores
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 400 * 1024  # kB
    assert page.count("<figure>") >= 3


def test_a_forged_checkpoint_stride_is_refused_without_replaying_it(hostile):
    import time

    started = time.monotonic()
    result = grade(hostile("forged_checkpoint_stride"), FAST)
    assert time.monotonic() - started < 60
    for name in ("xor.trains", "spiral.trains"):
        assert check(result, name).score == 0
        assert "other than the ones the grader asked for" in check(result, name).feedback.text()


@pytest.mark.skipif("seccomp" not in confinement.current().layers, reason="this machine refuses seccomp filters")
def test_a_unix_socket_of_the_host_is_out_of_reach(hostile):
    import socket

    path = "/tmp/grader-test-host.sock"
    if os.path.exists(path):
        os.unlink(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        os.chmod(path, 0o777)
        server.listen()
        try:
            result = grade(hostile("unix_socket_in_a_class_body"), FAST)
            server.setblocking(False)
            with pytest.raises(BlockingIOError):  # a connection would wait here, accepted or not
                server.accept()
        finally:
            os.unlink(path)
    assert "no socket:" in result.output
    assert result.score == 100


def test_files_past_the_disk_budget_stop_the_child_and_are_removed(hostile):
    result = grade(hostile("fill_shared_memory"), FAST)
    plots = check(result, "plots.loss")
    # Landlock mode: the host's /dev/shm, stopped by the budget; namespaces: a private 64 MB one, full
    assert plots.status is Status.ERROR
    assert "MB of files" in plots.feedback.summary or "No space left" in plots.feedback.summary
    assert result.score == 98
    assert not [name for name in os.listdir("/dev/shm") if name.startswith("fill-")]


def test_an_answer_of_the_wrong_shape_is_never_a_grader_error(hostile):
    result = grade(hostile("judge_error_at_will"), FAST)
    assert not [c.name for c in result.checks if c.status is Status.GRADER_ERROR]
    assert result.score == 0


@pytest.mark.skipif(confinement.current().uid is None, reason="open files are measured by the sandbox uid")
def test_files_held_open_after_unlinking_count_against_the_disk_budget(hostile):
    result = grade(hostile("files_held_open_unlinked"), FAST)
    assert "MB of files" in check(result, "plots.loss").feedback.summary
    assert result.score == 98


def test_an_honest_first_step_does_not_let_hand_made_weights_pass(hostile):
    result = grade(hostile("honest_first_step_then_hand_made"), FAST)
    assert_graded_sanely(result)
    xor = check(result, "xor.trains")
    assert xor.score == 0 and "later stretches of the run are not such steps" in xor.feedback.text()
    assert {c.name for c in result.checks if c.score < c.max_score} <= {"xor.trains", "hyperparameters.curves"}


def test_a_train_step_by_finite_differences_earns_no_training_points(hostile):
    result = grade(hostile("numerical_train_step"), FAST)
    assert result.score == 0
    assert [f["code"] for f in result.flags if f["code"] == "numerical_differentiation"] == ["numerical_differentiation"]
    assert "numerical differentiation" in check(result, "xor.trains").feedback.summary


def test_answers_of_the_wrong_shape_from_any_probe_are_never_grader_errors(hostile):
    result = grade(hostile("every_probe_answers_a_list"), FAST)
    assert not [c.name for c in result.checks if c.status is Status.GRADER_ERROR]
    assert "not what its probe sends" in check(result, "network.forward").feedback.summary
    assert result.score == 0


def test_the_probes_arguments_are_gone_before_the_submission_loads(hostile):
    """A class body that reads request.json could compute every answer while loading, uncounted."""
    result = grade(hostile("gradients_precomputed_from_the_request"), FAST)
    assert "no request to read" in result.output
    assert check(result, "network.backward").score == 0
    assert check(result, "sigmoid.values").status is Status.PASSED


def test_an_answer_the_submission_writes_to_the_channel_itself_is_refused(hostile):
    """The runner signs its lines with the session's token; a forged answer (finite differences with
    'evaluations: 1') lacks it, so backward earns nothing, whatever the answer says."""
    result = grade(hostile("forged_backward_answer_on_the_channel"), FAST)
    backward = check(result, "network.backward")
    assert backward.score == 0 and "did not write it" in backward.feedback.summary
    assert check(result, "network.backward_repeatable").score == 0
