"""The channel's schema: what the child really sends passes; anything a submission forges is refused with a reason."""
import json
import time
from pathlib import Path

import numpy as np
import pytest

from grader import wire
from grader.backprop import Backprop
from grader.sandbox import messages

BUDGET = 1 << 20


TOKEN = "0" * 32  # the session's (messages.parse refuses a line without it)


def line(message: dict) -> bytes:
    return json.dumps({**message, "token": TOKEN}).encode()


def result(**fields) -> dict:
    return {"event": "result", "id": "p", "seconds": 0.5, "value": None, **fields}


def loaded(**fields) -> dict:
    return {"event": "loaded", "errors": [], "defined": ["sigmoid"], **fields}


WHERE = {"file": "backprop.py", "line": 3, "function": "f"}
ERROR = {"type": "ZeroDivisionError", "message": "division by zero", "where": WHERE}


@pytest.mark.parametrize("message", [
    {"event": "started"},
    loaded(errors=[{"cell": "backprop.py", **ERROR}]),
    result(value={"array": np.array([[np.nan, np.inf], [1.0, -2.0]]), "obj": range(3), "n": 3},
           warnings=["RuntimeWarning: overflow encountered in exp"]),
    {"event": "result", "id": "p", "seconds": 0.1, "error": {**ERROR, "where": None}},
    {"event": "done"},
], ids=["started", "loaded", "result", "error", "done"])
def test_what_the_child_sends_is_accepted(message):
    parsed = messages.parse(wire.dumps({**message, "token": TOKEN}).rstrip(b"\n"), BUDGET, TOKEN)
    assert parsed["event"] == message["event"]


@pytest.mark.parametrize("message, phrase", [
    (result(seconds=10 ** 400), "result.seconds is a 401-digit integer"),
    (result(seconds=-1), "result.seconds is -1"),
    (result(seconds="1"), "result.seconds is a string"),
    (result(id=7), "result.id is an integer"),
    (result(id="x" * 5000), "result.id holds 5000 characters"),
    (result(warnings=5), "result.warnings is an integer, expected a list"),
    (result(warnings=["w"] * 21), "result.warnings holds 21 entries"),
    (result(warnings=[1]), "result.warnings[0] is an integer"),
    (result(error=ERROR), "exactly one of value and error"),
    ({"event": "result", "id": "p", "seconds": 1}, "exactly one of value and error"),
    ({"event": "result", "id": "p", "seconds": 1, "error": {**ERROR, "where": {**WHERE, "line": "3"}}},
     "result.error.where.line is a string"),
    ({"event": "result", "id": "p", "seconds": 1, "error": "boom"}, "result.error is a string"),
    (result(score=100), "unknown field(s) score"),
    ({"event": "result", "value": 1}, "lacks id, seconds"),
    (result(value=10 ** 30), "too large for any value"),
    (result(value={"__ndarray__": [1.0, 2.0], "dtype": "float64", "shape": [3]}), "claims shape (3,)"),
    (result(value={"__ndarray__": [], "dtype": "float64", "shape": [10 ** 12, 0]}), "result.value.shape[0] is"),
    (result(value={"__ndarray__": ["1.0"], "dtype": "float64", "shape": [1]}), "holds a string, expected only numbers"),
    (result(value={"__ndarray__": [True], "dtype": "float64", "shape": [1]}), "holds a bool"),
    (result(value={"__ndarray__": [1.0], "dtype": "float64", "shape": [1], "x": 1}), "unknown field(s) x"),
    (result(value={"__object__": "T" * 500, "repr": ""}), "result.value.__object__ holds 500 characters"),
    (loaded(errors=["boom"]), "loaded.errors[0] is a string, expected an object"),
    (loaded(errors=5), "loaded.errors is an integer"),
    (loaded(errors=[{"cell": "c", **ERROR, "where": "line 3"}]), "loaded.errors[0].where is a string"),
    (loaded(errors=[{"cell": 1, **ERROR}]), "loaded.errors[0].cell is an integer"),
    (loaded(defined=5), "loaded.defined is an integer"),
    (loaded(defined=[["sigmoid"]]), "loaded.defined[0] is a list"),
    ({"event": "loaded"}, "lacks errors, defined"),
    ({"event": "done", "score": 100}, "unknown field(s) score"),
    ({"event": ["done"]}, "its event is a list"),
    ({"event": "graded"}, "its event is 'graded'"),
    ({"id": "p"}, "its event is null"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_forged_field_is_refused_with_its_path(message, phrase):
    with pytest.raises(messages.Malformed) as refused:
        messages.parse(line(message), BUDGET, TOKEN)
    assert phrase in str(refused.value)


@pytest.mark.parametrize("raw, phrase", [
    (b"[" * 200_000 + b"]" * 200_000, "nests 200000 levels deep"),
    (b'{"event": "result", "value": ' + b'{"a": ' * 40 + b"1" + b"}" * 41, "nests 41 levels deep"),
    (b'{"event": "started"', "not JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    ('{"event": "done", "x": "\u2200"}'.encode("utf-16-le"), "NUL"),
    (b"[1, 2]", "it is a list, expected an object"),
    (b'{"event": "result", "id": "p", "seconds": 1, "value": ' + b"9" * 5000 + b"}", "not JSON"),
    (b'"' + b'\\"' * 400_000, "not JSON"),
], ids=["deep", "deep-in-a-value", "cut", "not-utf8", "utf16", "list", "int-past-python-limit", "unclosed-string"])
def test_a_line_that_is_no_message_is_refused_quickly(raw, phrase):
    started = time.perf_counter()
    with pytest.raises(messages.Malformed) as refused:
        messages.parse(raw, BUDGET, TOKEN)
    assert phrase in str(refused.value)
    assert time.perf_counter() - started < 1


def test_brackets_inside_strings_do_not_count_as_nesting():
    value = {"label": "[[[[{{{{" * 100 + '\\"]]]'}
    assert messages.parse(line(result(value=value)), BUDGET, TOKEN)["value"] == value


def _honest_fit(sizes, epochs, every) -> dict:
    """The longest answer a fit probe can honestly give: no early stop, every number 24 characters long."""
    n, h, k = sizes
    tiny = -2.2250738585072014e-308
    params = {name: np.full(shape, tiny) for name, shape in
              {"W1": (n, h), "b1": (1, h), "W2": (h, k), "b2": (1, k)}.items()}
    return {"checkpoints": [params] * (epochs // every + 1), "first": params, "losses": [tiny] * epochs, "every": every}


def test_a_training_budget_follows_the_epochs_an_instructor_allows(tmp_path):
    config = tmp_path / "long.toml"
    config.write_text("[xor.max_epochs]\ncross_entropy = 60000\nmse = 60000\nhalf_sse = 60000\n")
    for settings in (None, config):
        probe = next(p for p in Backprop(settings).probes() if p.id == "xor.seed1")
        args = probe.args
        honest = wire.dumps(result(token=TOKEN, id=probe.id, value=_honest_fit(args["sizes"], args["max_epochs"],
                                                                  args["check_every"]))).rstrip(b"\n")
        assert len(honest) <= probe.max_bytes < 4 * len(honest)
        assert messages.parse(honest, probe.max_bytes, TOKEN)["id"] == probe.id


def test_every_probe_budget_is_far_below_the_channel_cap():
    budgets = {p.id: p.max_bytes for p in Backprop(Path(__file__).with_name("fast_limits.toml")).probes()}
    assert max(budgets.values()) < 4 << 20
    assert budgets["sigmoid.values"] < 256 << 10


@pytest.mark.parametrize("token", [None, "", "1" * 32, ["0" * 32]])
def test_a_line_without_the_sessions_token_is_the_submissions_and_refused(token):
    forged = {"event": "result", "id": "p", "seconds": 0.1, "value": 1.0}
    raw = json.dumps(forged if token is None else {**forged, "token": token}).encode()
    with pytest.raises(messages.Malformed, match="did not write it"):
        messages.parse(raw, BUDGET, TOKEN)
