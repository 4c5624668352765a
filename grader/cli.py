"""python -m grader SUBMISSION: grade one submission and report.

Exit status: 0 graded; 1 graded but below --fail-under; 2 usage error or no
submission; 3 the grader itself failed (please report it).
"""
from __future__ import annotations

import argparse
import enum
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import TextIO

from grader import __version__, engine
from grader.backprop import Backprop
from grader.backprop.settings import ConfigError
from grader.report import json_report, terminal
from grader.submission import SubmissionError


class ExitStatus(enum.IntEnum):
    OK = 0
    BELOW_THRESHOLD = 1
    USAGE = 2
    INTERNAL_ERROR = 3


class UsageError(Exception):
    pass


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade a backpropagation submission: a folder with backprop.py or one notebook, "
                    "or such a file.")
    p.add_argument("submission", type=Path, help="folder or file to grade")
    p.add_argument("--config", type=Path, metavar="TOML", help="instructor settings: points, thresholds, "
                   "accepted objectives, seeds, limits (see README)")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the whole result as JSON")
    p.add_argument("--fail-under", type=float, metavar="SCORE", help="exit 1 when the score is below SCORE")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:  # argparse already printed its message
        return ExitStatus.OK if exit_.code == 0 else ExitStatus.USAGE
    try:
        return program(args, stdout)
    except (SubmissionError, ConfigError, UsageError) as error:
        print(f"grader: error: {error}", file=stderr)
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        print("grader: interrupted", file=stderr)
        return 130
    except Exception:
        print("grader: internal error: the grader failed, not your submission. Please report this "
              "output to your instructor.", file=stderr)
        traceback.print_exc(file=stderr)
        return ExitStatus.INTERNAL_ERROR


def program(args: argparse.Namespace, stdout: TextIO) -> int:
    assignment = Backprop(args.config)
    result = engine.grade(args.submission, assignment)
    stdout.write(terminal.render(result))
    if args.json:
        write_atomic(args.json, json_report.render(result))
    if args.fail_under is not None and result.score < args.fail_under:
        return ExitStatus.BELOW_THRESHOLD
    return ExitStatus.OK


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None
