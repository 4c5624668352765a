"""DIR/<student>/code.json: the code a result was graded from, kept for views that compare students.

The batch writes it beside result.json; a view trusts it only while its
digest is the result's, so a stale file never speaks for a newer submission.
Nothing in it is run.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from grader import submission
from grader.writing import write_atomic

CODE = "code.json"


class Cell(NamedTuple):
    label: str  #: "backprop.py" or "cell 3"
    code: str


def save(folder: Path, path: Path) -> None:
    """Write the code cells of the submission at `path` (as submission.load reads them) into folder/code.json."""
    source = submission.load(path)
    write_atomic(folder / CODE, json.dumps({"digest": source.digest, "kind": source.kind,
                                            "cells": [{"label": c.label, "code": c.code} for c in source.cells]}))


def load(folder: Path, digest: str) -> tuple[Cell, ...] | None:
    """The cells in folder/code.json if it is of the submission with `digest`, else None."""
    try:
        data = json.loads((folder / CODE).read_text(encoding="utf-8"))
        if data["digest"] != digest:
            return None
        return tuple(Cell(str(c["label"]), str(c["code"])) for c in data["cells"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
