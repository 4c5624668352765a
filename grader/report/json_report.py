"""The whole result as JSON (schema in the README)."""
from __future__ import annotations

import json

from grader.results import SubmissionResult

SCHEMA_VERSION = 1


def render(result: SubmissionResult) -> str:
    return json.dumps({"schema_version": SCHEMA_VERSION, **result.to_dict()}, indent=2, allow_nan=False) + "\n"
