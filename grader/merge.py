"""python -m grader merge OUT_DIR SHARD_DIR...: one class from the folders of its shards.

Each shard's students (result.json, reports, history) are copied into
OUT_DIR, and the class views are written from all of them by the same
classview.write a single-machine batch calls, so the gradebook, summary and
the other class files are those of grading the class on one machine.
Shards that overlap, are missing, or were graded by other grader code or
settings are refused (exit 2), with what to do about it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path
from typing import TextIO

from grader import canvas, shards
from grader.batch import RESULT
from grader.classview import check_options as check_class_view_options
from grader.classview import write as write_class_views
from grader.exits import ExitStatus, UsageError
from grader.report.roster import Entry
from grader.results import SubmissionResult
from grader.writing import check_file, check_folder, write_atomic


def _manifests(folders: list[Path], out: Path) -> list[tuple[Path, dict]]:
    found = []
    for folder in folders:
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder")
        if os.path.realpath(folder) == os.path.realpath(out):
            raise UsageError(f"{folder} is both a shard and the output; merge into a folder of its own")
        found.append((folder, shards.read_manifest(folder)))
    return found


def check_fit(manifests: list[tuple[Path, dict]]) -> None:
    """The shards are exactly 1..N of one partition, graded alike, and no student is in two of them."""
    counts = {data["of"] for _, data in manifests}
    if len(counts) > 1:
        listing = ", ".join(f"{f} is {d['shard']}/{d['of']}" for f, d in manifests)
        raise UsageError(f"the shards split the class in different ways ({listing}); grade them all with one N")
    n, seen, owner = counts.pop(), {}, {}
    for folder, data in manifests:
        if data["shard"] in seen:
            raise UsageError(f"shard {data['shard']}/{n} is given twice: {seen[data['shard']]} and {folder}")
        seen[data["shard"]] = folder
        for student in data["students"]:
            if student in owner:
                raise UsageError(f"the shards overlap: {student} is in both {owner[student]} and {folder} "
                                 "(were they graded from different copies of the class?)")
            owner[student] = folder
    missing = sorted(set(range(1, n + 1)) - set(seen))
    if missing:
        raise UsageError(f"shard(s) {', '.join(f'{k}/{n}' for k in missing)} missing: grade them (--shard K/{n}) "
                         "and pass their folders too")
    if len({data["settings"] for _, data in manifests}) > 1:
        raise UsageError("the shards were graded by different grader code or --config, so their scores do not "
                         "compare; grade them again with the same grader and config")


def _entry(folder: Path, student: str, error: str) -> Entry:
    if "/" in student or student.startswith(".") or not isinstance(error, str):
        raise UsageError(f"{folder / shards.MANIFEST} is damaged (student {student!r}); grade that shard again")
    if error:
        return Entry(student, None, error)
    try:
        data = json.loads((folder / student / RESULT).read_text(encoding="utf-8"))
        return Entry(student, SubmissionResult.from_dict(data))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{folder / student / RESULT} is missing or damaged ({error}); grade that shard "
                         "again") from None


def main(args: argparse.Namespace, stdout: TextIO) -> int:
    if bool(args.canvas) != bool(args.roster):
        raise UsageError("--canvas PATH and --roster CSV go together: the roster says which Canvas student "
                         "each folder is")
    check_class_view_options(args.boilerplate, args.similarity_threshold)
    check_folder(args.out, "OUT_DIR")
    if args.canvas:
        check_file(args.canvas, "--canvas")
    roster = canvas.Roster(args.roster) if args.canvas else None
    manifests = sorted(_manifests(args.shards, args.out), key=lambda m: m[1]["shard"])
    check_fit(manifests)
    entries = sorted((_entry(folder, student, error) for folder, data in manifests
                      for student, error in data["students"].items()), key=lambda e: e.identifier)
    if roster:
        roster.check([e.identifier for e in entries])  # before anything is copied or written
    args.out.mkdir(exist_ok=True)
    for folder, data in manifests:
        for student in data["students"]:
            if (folder / student).is_dir():  # a copy, replaced whole: no file of an older merge lingers
                shutil.rmtree(args.out / student, ignore_errors=True)
                shutil.copytree(folder / student, args.out / student, symlinks=True)
    written = write_class_views(args.out, entries, manifests[0][1]["title"], args.boilerplate,
                                args.similarity_threshold)
    if roster:
        write_atomic(args.canvas, canvas.render(roster, entries, args.canvas_assignment))
        written.append(args.canvas)
    graded = sum(e.result is not None for e in entries)
    stdout.write(f"Merged {len(manifests)} shards: {len(entries)} students, {graded} graded, "
                 f"{len(entries) - graded} errors. Wrote {', '.join(str(p) for p in written)}\n")
    return ExitStatus.OK
