"""The class at a glance: every file a batch (or a merge of shards) writes about the whole class.

Views read results only: nothing here grades, runs or imports a submission.
`write` is the one place the batch and `merge` call, so a merged run and a
single-machine run of the same class write the same files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from grader.classview import boilerplate as given_code
from grader.classview import dashboard, similarity
from grader.classview.changes import CSV as CHANGES_CSV, SinceLastRun
from grader.report import class_summary, gradebook_csv
from grader.exits import UsageError
from grader.report.roster import Entry
from grader.writing import write_atomic


def check_options(boilerplate: Sequence[Path], similarity_threshold: float) -> None:
    """Refuse, before anything is graded, class-view options that `write` would refuse at the end."""
    if not 0 <= similarity_threshold <= 1:
        raise UsageError(f"--similarity-threshold must be between 0 and 1, not {similarity_threshold:g}")
    given_code.sources(boilerplate)


def write(out: Path, entries: Sequence[Entry], title: str, boilerplate: Sequence[Path] = (),
          similarity_threshold: float = similarity.THRESHOLD) -> list[Path]:
    """Write the class-level files into `out`; returns their paths, in the order a person reads them.

    `boilerplate` is starter code of the course's own (files, notebooks or folders of one: the CLI's
    `--boilerplate PATH`, repeatable), left out of the similarity comparison like the lesson's code
    and the template.
    """
    changes = SinceLastRun(out, entries)
    pairs, compared = similarity.for_class(out, entries, boilerplate, similarity_threshold)
    written = {out / "gradebook.csv": gradebook_csv.render(entries),
               out / "summary.md": class_summary.render(entries, title) + changes.markdown(),
               out / CHANGES_CSV: changes.csv(),
               out / "similarity.csv": similarity.render_csv(pairs)}
    for path, text in written.items():
        write_atomic(path, text)
    page = out / "index.html"  # after changes.csv, which it shows
    write_atomic(page, dashboard.render(out, entries, title, pairs, compared))
    changes.remember()  # last: a write that fails midway is compared with the same run again
    return [page, *written]
