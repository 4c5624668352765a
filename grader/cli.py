"""python -m grader SUBMISSION: grade one submission and report.

python -m grader merge OUT_DIR SHARD_DIR...: one class from its shards' folders.

Exit status: 0 graded; 1 graded but below --fail-under; 2 usage error or no
submission; 3 the grader itself failed (please report it); 130 interrupted
(Ctrl-C or SIGTERM).
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import traceback
from pathlib import Path
from typing import Mapping, TextIO

from grader import __version__, canvas, dependencies, engine
from grader.backprop import Backprop
from grader.backprop.settings import ConfigError
from grader.exits import ExitStatus, UsageError
from grader.report import classroom, github, gradescope, json_report, junit, locate, terminal
from grader.report.points import shown
from grader.sandbox import SandboxError
from grader.submission import SubmissionError
from grader.writing import append, check_file, write_atomic


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade a backpropagation submission: a folder with backprop.py or one notebook, "
                    "or such a file.")
    p.add_argument("submission", type=Path, nargs="?", help="folder or file to grade")
    p.add_argument("--doctor", action="store_true", help="say how this machine confines the code it grades "
                   "(namespaces, Landlock, seccomp, sandbox uid), and why a layer is missing; exit 2 if "
                   "grading would be refused here")
    p.add_argument("--config", type=Path, metavar="TOML", help="instructor settings: points, thresholds, "
                   "accepted objectives, seeds, limits (see README)")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the whole result as JSON")
    p.add_argument("--fail-under", type=float, metavar="SCORE", help="exit 1 when the score is below SCORE")
    p.add_argument("--gradescope", type=Path, metavar="PATH", help="also write Gradescope's results.json; "
                   "test visibility comes from the [visibility] table of --config")
    p.add_argument("--classroom", type=Path, metavar="PATH", help="also write the runner JSON GitHub Classroom's "
                   "autograding-grading-reporter reads (base64-encode it into its RUNNER_RESULTS variable)")
    p.add_argument("--junit", type=Path, metavar="PATH", help="also write JUnit XML, one testcase per check")
    p.add_argument("--html", type=Path, metavar="PATH", help="also write a self-contained HTML report with figures")
    batch = p.add_argument_group("grading a class", "SUBMISSION is then a folder with one folder or "
                                 ".py/.ipynb file per student")
    batch.add_argument("--batch", action="store_true", help="grade every student in SUBMISSION, in parallel")
    batch.add_argument("--out", type=Path, metavar="DIR", help="where --batch writes per-student reports, "
                       "gradebook.csv and summary.md; a rerun regrades only changed submissions")
    batch.add_argument("-j", "--jobs", type=int, metavar="N", default=os.cpu_count() or 1,
                       help="students graded at once (default: the number of CPUs)")
    batch.add_argument("--student-html", action="store_true", help="also write each student's HTML report "
                       "(about doubles the time per student)")
    batch.add_argument("--shard", metavar="K/N", help="grade only shard K of N (counted from 1) of the class, "
                       "for `merge`; in a Slurm array, K and N come from SLURM_ARRAY_TASK_*")
    batch.add_argument("--shard-count", type=int, metavar="N", help="in a Kubernetes Indexed Job: N shards, "
                       "this one numbered by JOB_COMPLETION_INDEX")
    _canvas_options(batch)
    _class_view_options(batch)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def _class_view_options(group) -> None:
    group.add_argument("--boilerplate", type=Path, action="append", default=[], metavar="PATH",
                       help="starter code of the course's own (a .py, a notebook or a folder of them), left out "
                            "of the similarity comparison like the lesson's code and the template; repeatable")
    group.add_argument("--similarity-threshold", type=float, default=0.7, metavar="X",
                       help="list pairs of students whose code is at least this similar, 0 to 1 "
                            "(default: %(default)s); never changes a score")


def _canvas_options(group) -> None:
    group.add_argument("--canvas", type=Path, metavar="PATH", help="also write the scores as a CSV for "
                       "Canvas's gradebook import (needs --roster)")
    group.add_argument("--roster", type=Path, metavar="CSV", help="which Canvas student each folder is: Canvas's "
                       "gradebook export with a `folder` column (or folders named by SIS Login ID)")
    group.add_argument("--canvas-assignment", metavar="NAME", default=canvas.DEFAULT_ASSIGNMENT,
                       help="the Canvas column: 'Title (assignment id)' fills in that assignment, a new title "
                            "creates one (default: %(default)s)")


def merge_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m grader merge",
        description="Join the output folders of a class's shards (--batch --shard K/N) into one: the students' "
                    "folders are copied into OUT_DIR, which gets the gradebook and summary of the whole class.")
    p.add_argument("out", type=Path, metavar="OUT_DIR", help="where the merged class goes")
    p.add_argument("shards", type=Path, nargs="+", metavar="SHARD_DIR", help="every shard's --out folder")
    _canvas_options(p)
    _class_view_options(p)
    p.set_defaults(merge=True)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
         env: Mapping[str, str] | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    env = os.environ if env is None else env
    argv = sys.argv[1:] if argv is None else argv
    try:  # a student folder named merge is graded as ./merge
        args = merge_parser().parse_args(argv[1:]) if argv[:1] == ["merge"] else parser().parse_args(argv)
    except SystemExit as exit_:  # argparse already printed its message
        return ExitStatus.OK if exit_.code == 0 else ExitStatus.USAGE
    try:
        return program(args, stdout, env, stderr)
    except (SubmissionError, ConfigError, UsageError, SandboxError) as error:
        print(f"grader: error: {error}", file=stderr)
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        print("grader: interrupted", file=stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:  # `python -m grader ... | head`: the reader left; what it missed is not an error
        _quiet_stdout()
        return ExitStatus.OK
    except Exception:
        print("grader: internal error: the grader failed, not your submission. Please report this "
              "output to your instructor.", file=stderr)
        traceback.print_exc(file=stderr)
        return ExitStatus.INTERNAL_ERROR


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit does not fail on the closed pipe."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a file (tests pass a StringIO)
        pass


def program(args: argparse.Namespace, stdout: TextIO, env: Mapping[str, str] = os.environ,
            stderr: TextIO | None = None) -> int:
    if getattr(args, "merge", False):
        from grader import merge
        return merge.main(args, stdout)
    if args.doctor:
        return doctor(stdout)
    if args.submission is None:
        raise UsageError("name the submission to grade (a folder or a .py/.ipynb file), or pass --doctor")
    dependencies.require()  # before any grading: a missing one would read as every student's load error
    assignment = Backprop(args.config)
    if args.batch:
        from grader import batch
        return batch.main(args, assignment, stdout, env)
    given = [flag for flag, value in (("--shard", args.shard), ("--shard-count", args.shard_count),
                                      ("--canvas", args.canvas), ("--roster", args.roster)) if value is not None]
    if given:
        raise UsageError(f"{', '.join(given)} apply to a class: add --batch --out DIR")
    visibility = _visibility(assignment)  # checked before grading, so a typo costs no grading time
    _check_fail_under(args.fail_under, assignment)
    for flag, path in _views(args):
        check_file(path, flag)
    result = engine.grade(args.submission, assignment)
    report = terminal.render(result)
    stdout.write(_inert(report) if env.get("GITHUB_ACTIONS") == "true" else report)
    write_views(args, result, visibility)
    report_to_github(args, result, stdout, env)
    if args.fail_under is not None and result.score < args.fail_under:
        print(f"grader: the score, {shown(result.score)}/{shown(result.max_score)}, is below --fail-under "
              f"{shown(args.fail_under)}", file=stderr or sys.stderr)
        return ExitStatus.BELOW_THRESHOLD
    return ExitStatus.OK


def _check_fail_under(threshold: float | None, assignment: Backprop) -> None:
    """A threshold outside the assignment's points is a typo (150 for 15.0): refused before grading."""
    top = sum(c.points for c in assignment.checks())
    if threshold is not None and not 0 <= threshold <= top:  # also refuses nan
        raise UsageError(f"--fail-under must be between 0 and {shown(top)}, the assignment's points; "
                         f"got {threshold:g}")


def doctor(stdout: TextIO) -> int:
    from grader.confine import plan

    current = plan.current()
    stdout.write(plan.describe(current))
    return ExitStatus.USAGE if current.refusal else ExitStatus.OK


def write_views(args: argparse.Namespace, result, visibility: dict[str, str]) -> None:
    """Each file asked for on the command line, all views of the one result."""
    render = {"--json": lambda: json_report.render(result),
              "--gradescope": lambda: gradescope.render(result, visibility),
              "--classroom": lambda: classroom.render(result),
              "--junit": lambda: junit.render(result),
              "--html": lambda: html(result)}
    for flag, path in _views(args):
        write_atomic(path, render[flag]())


def _views(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(flag, path) of each report file asked for."""
    given = (("--json", args.json), ("--gradescope", args.gradescope), ("--classroom", args.classroom),
             ("--junit", args.junit), ("--html", args.html))
    return [(flag, path) for flag, path in given if path]


def report_to_github(args: argparse.Namespace, result, stdout: TextIO, env: Mapping[str, str]) -> None:
    """In GitHub Actions: the step summary, then the points and per-check annotations."""
    if env.get("GITHUB_STEP_SUMMARY"):
        append(Path(env["GITHUB_STEP_SUMMARY"]), github.summary(result))
    if env.get("GITHUB_ACTIONS") == "true":
        stdout.write(github.annotations(result, *locate.submission_lines(args.submission)))


def _inert(text: str) -> str:
    """`text` between stop-commands markers: it quotes the submission, whose lines must not act as
    workflow commands (a `::error::` in an exception message, say)."""
    token = secrets.token_hex(16)
    return f"::stop-commands::{token}\n{text}::{token}::\n"


def _visibility(assignment: Backprop) -> dict[str, str]:
    try:
        return gradescope.check_visibility(assignment.settings.get("visibility", {}),
                                           [c.name for c in assignment.checks()])
    except ValueError as error:  # the message names the setting
        raise UsageError(str(error)) from None


def html(result) -> str:
    from grader.report import html_report  # matplotlib: ~0.4 s to import, paid only when asked for
    return html_report.render(result)
