"""The sandbox: results come only through the channel, limits hold, errors stay local."""
from pathlib import Path

from grader import definitions, sandbox

PROBES = Path(__file__).with_name("sandbox_probes.py")

FAST = sandbox.Limits(load_seconds=5, total_seconds=60)


def run(code: str, probes, module="backprop", whole=False, unavailable=None):
    """Every top-level statement of `code`, exploration included: the sandbox runs what it is given."""
    chunks = [{"cell": "backprop.py", "code": c.code, "first_line": c.first_line, "whole": whole,
               "defines": list(c.defines)} for c in definitions.split([("backprop.py", code)], whole).chunks]
    return sandbox.run(chunks, module, [PROBES], probes, FAST, unavailable)


def probe(probe_id, kind="echo", args=None, timeout=3.0):
    return sandbox.Probe(probe_id, kind, args or {}, timeout)


def test_printed_protocol_lines_are_output_not_results():
    fake = '{"event": "result", "id": "p1", "value": 999}'
    r = run(f"print({fake!r})\nVALUE = 1\n", [probe("p1")])
    assert r.outcomes["p1"].value == 1
    assert fake in r.output


def test_an_error_in_one_statement_keeps_the_rest_of_a_py_file():
    r = run("VALUE = 1\nundefined_name\nOTHER = 2\n", [probe("p1")])
    assert r.outcomes["p1"].status == "ok"
    assert r.load_errors[0]["type"] == "NameError"
    assert "OTHER" in r.defined


def test_a_notebook_cell_stops_at_its_first_error():
    r = run("VALUE = 1\nundefined_name\nOTHER = 2\n", [probe("p1")], whole=True)
    assert "OTHER" not in r.defined


def test_a_probe_that_hangs_is_timed_out_and_the_next_one_still_runs():
    r = run("VALUE = 1\n", [probe("slow", "hang", timeout=1.0), probe("after")])
    assert r.outcomes["slow"].status == "timeout"
    assert r.outcomes["after"].status == "ok"
    assert r.children == 2


def test_a_probe_that_kills_its_process_is_reported_as_crashed():
    r = run("VALUE = 1\n", [probe("dies", "die"), probe("after")])
    assert r.outcomes["dies"].status == "crashed"
    assert "exited early" in r.outcomes["dies"].error["message"]
    assert r.outcomes["after"].status == "ok"


def test_exceptions_become_error_outcomes_with_the_students_line():
    r = run("VALUE = 1\ndef broken():\n    return 1 / 0\n", [probe("p", "call_broken")])
    outcome = r.outcomes["p"]
    assert outcome.status == "error" and outcome.error["type"] == "ZeroDivisionError"
    assert outcome.error["where"]["line"] == 3


def test_output_is_capped():
    r = run("print('x' * 1_000_000)\nVALUE = 1\n", [probe("p1")])
    assert len(r.output) < 70_000 and "more bytes of output not shown" in r.output
