"""The messages a child may send, checked field by field before the session believes any of them.

A submission can write anything to the channel (its fd is the child's last
argument), so each line is parsed with bounded depth and then held against
the schema below: known events, known fields, their types, strings and
lists of bounded length, finite numbers in range, arrays whose data fills
the shape they claim. Anything else is `Malformed`, and the probe it came
during is marked crashed. Values a probe returns are only checked for form
here; whether they are right is for the judges (grader/observations.py).
"""
from __future__ import annotations

import hmac
import json
import math
import re
from typing import Any, Callable

import numpy as np

from grader import wire
from grader.text import clean_tree

MAX_DEPTH = 32  #: nesting of objects and lists; the deepest real message has about 8
MAX_INT = 2 ** 63  #: past this an int is not a value any probe returns
# A JSON string, quotes included, or an unclosed one to the end of the line:
# what to skip when counting brackets. It matches wherever a quote starts, so
# the scan never fails and retries, and stays linear on any line.
STRING = re.compile(rb'"[^"\\]*(?:\\.?[^"\\]*)*"?', re.DOTALL)
NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")


class Malformed(ValueError):
    """A line that is not a message the child could have sent; the text says what is wrong."""


Validator = Callable[[Any, str], Any]


def depth(line: bytes) -> int:
    """How deeply `line`'s lists and objects nest, counted without parsing (so without recursion)."""
    codes = np.frombuffer(STRING.sub(b"", line).translate(None, NOT_BRACKETS), dtype=np.uint8)
    if not codes.size:
        return 0
    return int(np.cumsum(np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)).max())


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a bool", int: "an integer",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def text(longest: int) -> Validator:
    def check(value, where):
        if not isinstance(value, str):
            raise Malformed(f"{where} is {_kind(value)}, expected a string")
        if len(value) > longest:
            raise Malformed(f"{where} holds {len(value)} characters, at most {longest}")
        return value
    return check


def number(low: float, high: float, integer: bool = False) -> Validator:
    def check(value, where):
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            raise Malformed(f"{where} is {_kind(value)}, expected {'an integer' if integer else 'a number'}")
        if not (isinstance(value, int) or math.isfinite(value)) or not low <= value <= high:
            shown = value if isinstance(value, float) or abs(value) < 10 ** 20 else f"a {len(str(value))}-digit integer"
            raise Malformed(f"{where} is {shown}, expected {low:g} to {high:g}")
        return value
    return check


def items(each: Validator, longest: int) -> Validator:
    def check(value, where):
        if not isinstance(value, list):
            raise Malformed(f"{where} is {_kind(value)}, expected a list")
        if len(value) > longest:
            raise Malformed(f"{where} holds {len(value)} entries, at most {longest}")
        return [each(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return check


def nullable(inner: Validator) -> Validator:
    return lambda value, where: None if value is None else inner(value, where)


def record(required: dict[str, Validator], optional: dict[str, Validator] | None = None) -> Validator:
    """An object with exactly these fields (the optional ones may be absent)."""
    optional = optional or {}

    def check(value, where):
        if not isinstance(value, dict):
            raise Malformed(f"{where} is {_kind(value)}, expected an object")
        missing = [k for k in required if k not in value]
        unknown = [k for k in value if k not in required and k not in optional]
        if missing or unknown:
            raise Malformed(f"{where} " + "; ".join(
                part for part in (f"lacks {', '.join(missing)}" if missing else "",
                                  f"has unknown field(s) {', '.join(k[:40] for k in unknown[:5])}" if unknown else "")
                if part))
        return {k: (required.get(k) or optional[k])(v, f"{where}.{k}") for k, v in value.items()}
    return check


def payload(most_elements: int) -> Validator:
    """A probe's value in wire form (grader/wire.py): any JSON, but arrays and objects well formed."""
    shape = items(number(0, most_elements, integer=True), MAX_DEPTH)
    described = record({"__object__": text(wire.MAX_TYPE_NAME), "repr": text(wire.MAX_REPR)})

    def check(value, where):
        if isinstance(value, dict):
            if "__ndarray__" in value:
                return array(value, where)
            if "__object__" in value:
                return described(value, where)
            for k, v in value.items():
                check(v, f"{where}.{k[:40]}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                check(v, f"{where}[{i}]")
        elif isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT <= value <= MAX_INT:
            raise Malformed(f"{where} is a {len(str(value))}-digit integer, too large for any value")
        return value

    def array(value, where):
        record({"__ndarray__": _flat_numbers, "dtype": text(32), "shape": shape})(value, where)
        claimed = math.prod(value["shape"])
        if claimed != len(value["__ndarray__"]):
            raise Malformed(f"{where} claims shape {tuple(value['shape'])} ({claimed} elements) "
                            f"but carries {len(value['__ndarray__'])}")
        return value

    return check


def _flat_numbers(value, where):
    if not isinstance(value, list):
        raise Malformed(f"{where} is {_kind(value)}, expected a list of numbers")
    kinds = set(map(type, value))
    if not kinds <= {int, float}:
        raise Malformed(f"{where} holds {_kind(next(v for v in value if type(v) not in (int, float)))}, "
                        "expected only numbers")
    if int in kinds and any(type(v) is int and not -MAX_INT <= v <= MAX_INT for v in value):
        raise Malformed(f"{where} holds an integer too large for any array")
    return value


WHERE = record({"file": text(4096), "line": number(0, 10 ** 9, integer=True), "function": text(1000)},
               {"qualname": text(1000)})
ERROR = {"type": text(1000), "message": text(1000), "where": nullable(WHERE)}
LOADED = record({"errors": items(record({"cell": text(1000), **ERROR}, {"chunk": number(0, 10 ** 9, integer=True)}),
                                  10_000),
                 "defined": items(text(1000), 100_000)})
EMPTY = record({})


def _result(most_elements: int) -> Validator:
    fields = record({"id": text(200), "seconds": number(0, 1e7)},
                    {"value": payload(most_elements), "error": record(ERROR), "warnings": items(text(20_000), 20)})

    def check(value, where):
        value = fields(value, where)
        if ("value" in value) == ("error" in value):
            raise Malformed(f"{where} must carry exactly one of value and error")
        return value
    return check


def parse(line: bytes, most_bytes: int, token: str) -> dict:
    """The message on one line of the channel, every field checked; Malformed if it is not one.

    `token` is the session's: a line without it was written by the submission, not the runner.

    `most_bytes` is the most the line may hold; JSON spends at least two
    bytes an element, so no array may claim more than half of it.
    """
    # UTF-8 only: json.loads(bytes) would also take UTF-16 and -32, whose
    # bytes the depth count below does not read as text.
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("it is not UTF-8 text") from None
    if "\x00" in text:
        raise Malformed("it holds a NUL character")
    nesting = depth(line)
    if nesting > MAX_DEPTH:
        raise Malformed(f"it nests {nesting} levels deep, at most {MAX_DEPTH}")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise Malformed(f"it is not JSON ({str(error)[:100]})") from None
    if "\\u" in text:  # a \u escape can spell a lone surrogate, which no report can print (grader/text.py)
        message = clean_tree(message)
    if not isinstance(message, dict):
        raise Malformed(f"it is {_kind(message)}, expected an object")
    signed = message.pop("token", None)
    event = message.pop("event", None)
    schemas = {"started": EMPTY, "loaded": LOADED, "result": _result(most_bytes // 2), "done": EMPTY}
    if not isinstance(event, str) or event not in schemas:
        shown = repr(event[:40]) if isinstance(event, str) else _kind(event)
        raise Malformed(f"its event is {shown}, expected started, loaded, result or done")
    checked = schemas[event](message, event)
    # Last, so a line the submission wrote is still read field by field for what it says.
    if not (isinstance(signed, str) and hmac.compare_digest(signed.encode(), token.encode())):
        raise Malformed("the grader's runner did not write it (it lacks this run's token): "
                        "a submission may not write to the grader's channel")
    return {"event": event, **checked}
