"""python -m grader CLASS_DIR --batch --out DIR [-j N]: grade a whole class.

Every direct child of CLASS_DIR that is a folder or a .py/.ipynb file is one
student. Each is graded by its own `python -m grader` process, N at a time,
so a submission that crashes or hangs the grader costs only its own row.
DIR/<student>/ gets result.json (the SubmissionResult), report.txt (the
terminal report) and, with --student-html, report.html; classview.write
writes the class-level files (gradebook.csv, summary.md, changes.csv...),
and with --canvas a CSV for Canvas's import (canvas.py). With --shard (or
a job engine's numbering, see shards.py) only that shard's students are
graded, for `python -m grader merge` (merge.py) to join.

A rerun resumes. A student is skipped when result.json holds the digest
of the submission as it is now (read with submission.load, nothing run) and
was graded by the same grader code and settings; what that run left out
(report.html without --student-html, a missing code.json) is written then.
result.json is renamed into place last, when everything else of that
student is written, so an interrupted batch (Ctrl-C, a kill) leaves
finished students whole and unfinished ones absent. A student who is
regraded has the earlier result moved into DIR/<student>/history/ first
(history.py): nothing is lost.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, TextIO

import grader
from grader import canvas, history, shards, submission, text
from grader.backprop import settings as settings_module
from grader.classview import check_options as check_class_view_options
from grader.classview import write as write_class_views
from grader.classview import code as class_code
from grader.classview.changes import CSV as CHANGES_CSV
from grader.exits import ExitStatus, UsageError
from grader.processes import Children, interrupt, terminate_like_ctrl_c
from grader.progress import Progress
from grader.report import inert
from grader.writing import check_apart, check_file, check_folder, write_atomic
from grader.report.roster import Entry
from grader.results import SubmissionResult

RESULT, KEY, REPORT, HTML, ERROR, STAGING = "result.json", ".graded-with", "report.txt", "report.html", \
    "error.txt", ".result.json.partial"
PER_SUBMISSION_FLAGS = ("json", "gradescope", "classroom", "junit", "html", "fail_under")
# A child that printed to GitHub's step summary or annotations would do it once per student.
PARENT_ONLY_ENV = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")
INTERRUPTED = ExitStatus.INTERRUPTED  #: a child's exit status after Ctrl-C (see cli.main)
_DRAWING = threading.Lock()  # grading threads share one matplotlib, whose caches are not thread-safe


@dataclass(frozen=True)
class Student:
    identifier: str  #: folder name, or file name without suffix; DIR/<identifier>/ holds the reports
    path: Path


@dataclass(frozen=True)
class Outcome:
    entry: Entry
    how: str  #: "graded", "unchanged" or "error"
    seconds: float = 0.0


def students(class_dir: Path) -> list[Student]:
    """The class, sorted by name. A file keeps its suffix in the identifier only if its stem is taken.

    A symbolic link is a student too, so that submission.load refuses it as an error row: it could
    lead to a classmate's work, which would then be graded under this name. (realpath, unlike
    resolve, does not raise on a link loop.)
    """
    if not class_dir.is_dir():
        raise UsageError(f"--batch needs a folder of submissions, and {class_dir} is not a folder")
    children = sorted(p for p in class_dir.iterdir() if not p.name.startswith((".", "__"))
                      and (p.is_symlink() or p.is_dir() or p.suffix in (".py", ".ipynb")))
    stems = [p.name if p.is_dir() else p.stem for p in children]
    names = {p.name for p in children}
    # A stem that is another entry's whole name (d.py.py beside d.py) would share its folder and row.
    chosen = [stem if stems.count(stem) == 1 and (stem == p.name or stem not in names) else p.name
              for p, stem in zip(children, stems)]
    return [Student(name, p) for name, p in zip(_printable(chosen), children)]


def _printable(names: list[str]) -> list[str]:
    """Each name as text every report can hold: a non-UTF-8 byte of a folder name becomes U+FFFD, and a
    name that then equals another gets a suffix from its own bytes, so no two students share a row."""
    cleaned = [text.clean(n) for n in names]
    return [c if c == n or cleaned.count(c) == 1 and c not in names
            else f"{c}-{hashlib.sha256(os.fsencode(n)).hexdigest()[:8]}" for n, c in zip(names, cleaned)]


def settings_key(config: Path | None) -> str:
    """What else decides a result besides the submission: the grader's code, its defaults, the config."""
    h = hashlib.sha256(grader.__version__.encode())
    package = Path(grader.__file__).parent
    for path in sorted(package.rglob("*.py")) + [settings_module.DEFAULTS_PATH]:
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    if config is not None:
        h.update(b"config\0" + Path(config).read_bytes())
    return h.hexdigest()


#: names of the files a batch writes beside the students' folders
RESERVED = {"gradebook.csv", "summary.md", "index.html", "similarity.csv", CHANGES_CSV, shards.MANIFEST}


@dataclass(frozen=True)
class Job:
    out: Path
    key: str
    config: Path | None
    html: bool
    timeout: float
    env: Mapping[str, str]
    children: Children


def previous_result(folder: Path, digest: str, key: str) -> SubmissionResult | None:
    """The student's earlier result, if it is of this very submission, grader and settings."""
    try:
        if (folder / KEY).read_text() != key:
            return None
        result = SubmissionResult.from_dict(json.loads((folder / RESULT).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return result if result.digest == digest else None


def forget(folder: Path) -> None:
    """Remove a student's earlier reports; result.json first (into the history), since its presence
    means "finished"."""
    history.keep(folder / RESULT)
    for name in (KEY, REPORT, HTML, ERROR, STAGING):
        (folder / name).unlink(missing_ok=True)


def grade_one(student: Student, job: Job) -> Outcome | None:
    """Grade one student in a child process; None if the batch was stopped first."""
    started = time.monotonic()
    if student.identifier.lower() in RESERVED:  # its folder would stand where the class's file goes
        return Outcome(Entry(student.identifier, None, f"{inert.line(student.identifier)} is the name of a file "
                             "the batch writes for the whole class: rename this submission"), "error")
    folder = job.out / student.identifier
    try:
        digest = submission.load(student.path).digest
    except submission.SubmissionError as error:
        return _error(folder, student, str(error))
    previous = previous_result(folder, digest, job.key)
    if previous is not None:
        _complete(folder, student, previous, job)
        return Outcome(Entry(student.identifier, previous), "unchanged")
    folder.mkdir(parents=True, exist_ok=True)
    forget(folder)
    command = [sys.executable, "-m", "grader", str(student.path), "--json", str(folder / STAGING)]
    command += ["--html", str(folder / HTML)] if job.html else []
    command += ["--config", str(job.config)] if job.config else []
    process = job.children.start(command, job.env)
    if process is None:
        return None
    try:
        stdout, stderr = process.communicate(timeout=job.timeout)
    except subprocess.TimeoutExpired:
        interrupt([process])
        process.communicate()
        return _error(folder, student, f"grading took longer than {job.timeout:.0f} s and was stopped")
    finally:
        job.children.finished(process)
    if job.children.stopped or process.returncode == INTERRUPTED:
        return None  # not this student's fault: graded again on the next run
    if process.returncode not in (ExitStatus.OK, ExitStatus.BELOW_THRESHOLD) or not (folder / STAGING).is_file():
        return _error(folder, student, _failure(process.returncode, stderr), stderr)
    result = SubmissionResult.from_dict(json.loads((folder / STAGING).read_text(encoding="utf-8")))
    write_atomic(folder / REPORT, stdout)
    class_code.save(folder, student.path)  # similarity compares it; an unchanged student has it already
    write_atomic(folder / KEY, job.key)
    os.replace(folder / STAGING, folder / RESULT)  # last: from here on the student counts as finished
    return Outcome(Entry(student.identifier, result), "graded", time.monotonic() - started)


def _complete(folder: Path, student: Student, result: SubmissionResult, job: Job) -> None:
    """What an earlier run left out for an unchanged student, written without regrading: report.html when
    that run had no --student-html (drawn from result.json, as the grader would), code.json if missing."""
    if class_code.load(folder, result.digest) is None:
        class_code.save(folder, student.path)
    if job.html and not (folder / HTML).is_file():
        from grader.report import html_report  # matplotlib, imported only when asked for

        with _DRAWING:
            write_atomic(folder / HTML, html_report.render(result))


def _failure(returncode: int, stderr: str) -> str:
    """One line for the gradebook saying why a child produced no result."""
    reasons = [line.removeprefix("grader: error: ") for line in stderr.splitlines()
               if line.startswith("grader: error: ")]
    if returncode == ExitStatus.USAGE and reasons:
        return reasons[-1]
    if returncode == ExitStatus.INTERNAL_ERROR:
        return "the grader failed on this submission (a grader bug); details in error.txt"
    if returncode < 0:
        return f"the grader process was killed by signal {-returncode}"
    return f"the grader exited with status {returncode}; details in error.txt"


def _error(folder: Path, student: Student, message: str, details: str = "") -> Outcome:
    folder.mkdir(parents=True, exist_ok=True)
    forget(folder)
    write_atomic(folder / ERROR, message + ("\n\n" + details if details else "") + "\n")
    return Outcome(Entry(student.identifier, None, message), "error")


def _outcome(future, student: Student) -> Outcome | None:
    """The future's outcome; a failure of the batch itself on one student is that student's error row."""
    try:
        return future.result()
    except UsageError as error:  # e.g. a report that cannot be written
        return Outcome(Entry(student.identifier, None, str(error)), "error")
    except Exception as error:
        return Outcome(Entry(student.identifier, None, f"the batch failed on this student: {error!r}"), "error")


def _check_args(args: argparse.Namespace) -> None:
    if args.out is None:
        raise UsageError("--batch needs --out DIR for the reports")
    given = [f"--{name.replace('_', '-')}" for name in PER_SUBMISSION_FLAGS if getattr(args, name) is not None]
    if given:
        raise UsageError(f"{', '.join(given)} apply to one submission; --batch writes its reports into --out")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if bool(args.canvas) != bool(args.roster):
        raise UsageError("--canvas PATH and --roster CSV go together: the roster says which Canvas student "
                         "each folder is")
    check_class_view_options(args.boilerplate, args.similarity_threshold)
    check_apart(args.submission, args.out)
    check_folder(args.out, "--out")
    if args.canvas:
        check_file(args.canvas, "--canvas")


def _live(stdout: TextIO) -> bool:
    try:
        return stdout.isatty()
    except (AttributeError, ValueError):
        return False


def grade_all(roster: list[Student], job: Job, jobs: int, stdout: TextIO) -> list[Outcome]:
    """Every student's outcome, reported as each finishes; Ctrl-C stops the graders and keeps the finished."""
    progress = Progress(stdout, len(roster), live=_live(stdout))
    outcomes: list[Outcome] = []
    with terminate_like_ctrl_c(), ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, student, job): student for student in roster}
        try:
            for future in as_completed(futures):
                outcome = _outcome(future, futures[future])
                if outcome is not None:
                    outcomes.append(outcome)
                    progress.finished(outcome.entry, outcome.how, outcome.seconds)
        except KeyboardInterrupt:
            progress.close()
            for future in futures:
                future.cancel()
            job.children.stop()
            stdout.write(f"Interrupted: {len(outcomes)} of {len(roster)} finished and kept in {job.out}; "
                         "run the same command again to grade the rest.\n")
            raise
    progress.close()
    return outcomes


def _changes(out: Path, shown: int = 10) -> str:
    """The students whose scores a regrade changed, for the last lines of the batch's output."""
    with open(out / CHANGES_CSV, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return "No score changed since the last run.\n"
    lines = [f"  {inert.line(r['student'])}: {r['before']} -> {r['after']}  {r['checks_changed']}".rstrip()
             for r in rows if r["before"] and r["after"]]
    more = f"  ...and {len(lines) - shown} more\n" if len(lines) > shown else ""
    return (f"{len(rows)} student(s) changed since the last run ({out / CHANGES_CSV}):\n"
            + "".join(line + "\n" for line in lines[:shown]) + more)


def main(args: argparse.Namespace, assignment, stdout: TextIO, env: Mapping[str, str]) -> int:
    _check_args(args)
    shard = shards.choose(args.shard, args.shard_count, env)
    klass = students(args.submission)
    roster = [s for s in klass if shard is None or shard.holds(s.identifier)]
    if shard and args.canvas:
        raise UsageError("--canvas exports the whole class: pass it to `python -m grader merge`, not to a shard")
    canvas_roster = canvas.Roster(args.roster) if args.canvas else None
    if canvas_roster:
        canvas_roster.check([s.identifier for s in roster])  # before any grading time is spent
    args.out.mkdir(exist_ok=True)
    (args.out / shards.MANIFEST).unlink(missing_ok=True)  # written again only when this run finishes
    job = Job(out=args.out, key=settings_key(args.config), config=args.config, html=args.student_html,
              timeout=2 * assignment.settings["limits"]["total_seconds"] + 60,
              env={k: v for k, v in env.items() if k not in PARENT_ONLY_ENV}, children=Children())
    part = f" (shard {shard} from {shard.source}: {len(roster)} of {len(klass)} students)" if shard else ""
    stdout.write(f"Grading {len(roster)} submissions in {args.submission}{part}, {args.jobs} at a time\n")
    stdout.flush()
    outcomes = grade_all(roster, job, args.jobs, stdout)
    entries = sorted((o.entry for o in outcomes), key=lambda e: e.identifier)
    title = f"Class summary: {args.submission}"
    written = write_class_views(args.out, entries, title, args.boilerplate, args.similarity_threshold)
    if canvas_roster:
        write_atomic(args.canvas, canvas.render(canvas_roster, entries, args.canvas_assignment))
        written.append(args.canvas)
    if shard:
        shards.write_manifest(args.out, shard, title, job.key, {e.identifier: e.error for e in entries})
    counts = {how: sum(o.how == how for o in outcomes) for how in ("graded", "unchanged", "error")}
    stdout.write(f"Done: {counts['graded']} graded, {counts['unchanged']} unchanged, {counts['error']} errors. "
                 f"Wrote {', '.join(str(p) for p in written)}\n" + _changes(args.out))
    return ExitStatus.OK
