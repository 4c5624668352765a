"""The channel's edges: the limits at their boundary, and what a judge says of a value it cannot use.

Beside test_messages.py: each case is a limit (integers, shapes, line
numbers) met exactly and passed by one, and the wording a student reads
when a value is unusable (observations.py).
"""
import json

import numpy as np
import pytest

from grader import observations, wire
from grader.observations import Invalid
from grader.sandbox import messages

BUDGET = 1 << 20
TOKEN = "0" * 32


def parse(message: dict) -> dict:
    return messages.parse(json.dumps({**message, "token": TOKEN}).encode(), BUDGET, TOKEN)


def result(value) -> dict:
    return {"event": "result", "id": "p", "seconds": 0.5, "value": value}


def failure(where) -> dict:
    return {"event": "result", "id": "p", "seconds": 0.5,
            "error": {"type": "ValueError", "message": "m", "where": where}}


def refused(message: dict) -> str:
    with pytest.raises(messages.Malformed) as error:
        parse(message)
    return str(error.value)


def test_integers_are_accepted_up_to_2_to_the_63_and_refused_past_it():
    big = 2 ** 63
    assert parse(result({"a": {"b": [big, -big]}}))["value"] == {"a": {"b": [big, -big]}}
    assert "result.value.a.b is a 19-digit integer" in refused(result({"a": {"b": big + 1}}))  # nested dicts too
    assert "result.value[1] is a 20-digit integer" in refused(result([0, -big - 1]))  # the sign counts
    array = {"__ndarray__": [-big, big], "dtype": "int64", "shape": [2]}
    assert parse(result(array))["value"] == array
    assert "integer too large for any array" in refused(result({**array, "__ndarray__": [1.0, big + 1]}))
    assert "integer too large" in refused(result({**array, "__ndarray__": [-big - 1, 2]}))


def test_an_array_shape_is_whole_numbers_and_may_be_empty():
    empty = {"__ndarray__": [], "dtype": "float64", "shape": [0, 3]}  # an empty answer is a judge's to fail
    assert parse(result(empty))["value"] == empty
    assert "result.value.shape[0]" in refused(result({"__ndarray__": [1.0, 2.0], "dtype": "float64", "shape": [2.0]}))


def test_an_error_line_and_a_chunk_are_whole_numbers():
    assert parse(failure({"file": "backprop.py", "line": 3, "function": "f"}))["error"]["where"]["line"] == 3
    assert "result.error.where.line" in refused(failure({"file": "backprop.py", "line": 3.5, "function": "f"}))
    assert parse(failure({"file": "f", "line": 10 ** 9, "function": "f"}))  # far past any real file
    assert "result.error.where.line" in refused(failure({"file": "f", "line": 10 ** 9 + 1, "function": "f"}))
    loaded = {"event": "loaded", "defined": [], "errors": [
        {"cell": "c", "type": "T", "message": "m", "where": None, "chunk": 2}]}
    assert parse(loaded)["errors"][0]["chunk"] == 2
    loaded["errors"][0]["chunk"] = 2.5
    assert "loaded.errors[0].chunk" in refused(loaded)


def test_a_wrong_shape_says_expected_and_got_and_spots_a_transpose():
    with pytest.raises(Invalid) as wrong:
        observations.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "dW1", (3, 2))
    assert wrong.value.feedback.summary == "dW1 has the wrong shape (transposed?)"
    assert wrong.value.feedback.details == ("expected: shape (3, 2)", "got:      shape (2, 3)")
    with pytest.raises(Invalid) as wrong:
        observations.array([1.0, 2.0, 3.0], "b1", (1, 3))
    assert wrong.value.feedback.summary == "b1 has the wrong shape"
    with pytest.raises(Invalid) as wrong:  # the reverse of a 3-d shape is no transpose of a matrix
        observations.array(np.zeros((2, 1, 3)).tolist(), "a", (3, 1, 2))
    assert wrong.value.feedback.summary == "a has the wrong shape"
    assert observations.array([[1.0, 2.0]], "b1", (1, 2)).shape == (1, 2)


def test_unusable_values_are_described_in_the_students_terms():
    with pytest.raises(Invalid) as wrong:
        observations.mapping(None, "backward's answer", ("W1", "b1"))
    assert wrong.value.feedback.summary == "backward's answer should be a dict with keys W1, b1"
    assert wrong.value.feedback.details == ("got: None",)
    assert observations.describe([1, 2]) == "a list ([1, 2])"
    assert observations.describe({"__object__": "Tensor", "repr": "t" * 100}) == f"a Tensor object ({'t' * 60})"
    with pytest.raises(Invalid, match="holds 2 NaN or infinite"):
        observations.array(wire.encode(np.array([1.0, np.nan, np.inf])), "a2")
    with pytest.raises(Invalid, match="is a bool"):
        observations.array(True, "loss")
    with pytest.raises(Invalid, match="should be a single number"):
        observations.number([1.0, 2.0], "loss")
    assert observations.number(3, "loss") == 3.0
    answer = {"W1": 1, "b1": 2, "extra": 3}
    assert observations.mapping(answer, "backward's answer", ("W1", "b1")) is answer
