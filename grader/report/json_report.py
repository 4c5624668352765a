"""The whole result as JSON (schema in the README)."""
from __future__ import annotations

import json
import math
from typing import Any

from grader.results import SubmissionResult

SCHEMA_VERSION = 1


def render(result: SubmissionResult) -> str:
    data = finite({"schema_version": SCHEMA_VERSION, **result.to_dict()})
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def finite(value: Any) -> Any:
    """NaN and infinity, which strict JSON readers reject, become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value
