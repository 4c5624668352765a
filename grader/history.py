"""A student's earlier results: kept in DIR/<student>/history/ when a rerun regrades them, never deleted.

Files are named `<n>-<UTC time the result was written>.json`, n counting
up from 1, so they sort in the order they were graded.
"""
from __future__ import annotations

import datetime
import os
from pathlib import Path

HISTORY = "history"


def keep(result: Path) -> Path | None:
    """Move `result` (DIR/<student>/result.json) into the history beside it; None if there is none."""
    try:
        written = datetime.datetime.fromtimestamp(result.stat().st_mtime, datetime.timezone.utc)
    except FileNotFoundError:
        return None
    folder = result.parent / HISTORY
    folder.mkdir(exist_ok=True)
    n = 1 + max((int(p.name.split("-", 1)[0]) for p in earlier(result.parent)), default=0)
    kept = folder / f"{n:03d}-{written:%Y%m%dT%H%M%SZ}.json"
    os.replace(result, kept)
    return kept


def earlier(student_folder: Path) -> list[Path]:
    """The kept results, oldest first."""
    folder = student_folder / HISTORY
    found = folder.glob("*-*.json") if folder.is_dir() else ()
    return sorted((p for p in found if p.name.split("-", 1)[0].isdigit()), key=lambda p: int(p.name.split("-")[0]))
