"""What a batch prints while it grades.

On a terminal: one line rewritten in place (done/total, errors so far, the
time left), with each error kept on a line of its own above it. Elsewhere
(a log file, CI): one plain line per student, as it finishes.
"""
from __future__ import annotations

import shutil
import time
from typing import Callable, TextIO

from grader.report import inert
from grader.report.points import shown
from grader.report.roster import Entry


def outcome_line(done: int, total: int, entry: Entry, how: str, seconds: float) -> str:
    """One student's line: `[3/40] carol: 76/100 (4.2 s)`; names and errors made inert (see inert.py)."""
    prefix = f"[{done}/{total}] {inert.line(entry.identifier)}:"
    if entry.result is None:
        return f"{prefix} ERROR {inert.line(entry.error)}"
    score = f"{shown(entry.result.score)}/{shown(entry.result.max_score)}"
    if how == "unchanged":
        return f"{prefix} {score} (unchanged since the last run, not regraded)"
    return f"{prefix} {score} ({seconds:.1f} s)"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else \
        f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Reports each finished student; `live` rewrites one line with `\\r` instead of adding lines."""

    def __init__(self, stream: TextIO, total: int, live: bool, clock: Callable[[], float] = time.monotonic,
                 width: Callable[[], int] = lambda: shutil.get_terminal_size().columns):
        self.stream, self.total, self.live = stream, total, live
        self._clock, self._width = clock, width
        self._started = clock()
        self.done = self.errors = self._graded = 0
        self._showing = False  # a live line is on the screen, not yet ended by a newline

    def finished(self, entry: Entry, how: str, seconds: float = 0.0) -> None:
        self.done += 1
        self.errors += entry.result is None
        self._graded += how == "graded"
        line = outcome_line(self.done, self.total, entry, how, seconds)
        if not self.live:
            self._write(line + "\n")
        elif entry.result is None:
            self._write(self._erase() + line + "\n")
            self._show(inert.line(entry.identifier))
        else:
            self._show(line.split("] ", 1)[1])

    def eta(self) -> str:
        """Time left, from the wall time per student regraded so far (students skipped cost nothing)."""
        if self._graded == 0:
            return "ETA unknown"
        per_student = (self._clock() - self._started) / self._graded
        return f"ETA {_duration(per_student * (self.total - self.done))}"

    def close(self) -> None:
        """End the live line, so what is printed next starts on a line of its own."""
        if self._showing:
            self._write("\n")
            self._showing = False

    def _show(self, last: str) -> None:
        errors = f"{self.errors} error{'s' * (self.errors != 1)}"
        text = f"[{self.done}/{self.total}] {errors}, {self.eta()} · last: {last}"
        self._write("\r" + text[:max(20, self._width() - 1)] + "\x1b[K")
        self._showing = True

    def _erase(self) -> str:
        return "\r\x1b[K" if self._showing else ""

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
