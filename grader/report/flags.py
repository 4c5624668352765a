"""Integrity flags as every report shows them: a heading, a notice, one line each.

A result may come back from JSON a person edited, so a flag is read with
.get and never trusted to have every key. Each reporter escapes the line
for where it lands.
"""
from __future__ import annotations

from typing import Any

HEADING = "Flags for review"
NOTICE = "for a person to look at; flags do not change the score"


def line(flag: Any) -> str:
    """`numerical_differentiation (backprop.py, line 131): backward evaluated the network ...`."""
    if not isinstance(flag, dict):
        return str(flag)
    where = flag.get("where")
    at = ""
    if isinstance(where, dict) and where.get("cell"):
        at = f" ({where['cell']}" + (f", line {where['line']}" if where.get("line") else "") + ")"
    return f"{flag.get('code', 'flag')}{at}: {flag.get('message', '')}"
