"""A 200-student class, end to end: grading at -j 1 and -j 2, the class views, shards + merge.

    python benchmarks/class_run.py [--students 200] [--j1-sample 50] [--no-j1] [--no-shards]

The class: correct submissions in every style of tests/submissions/correct/
and correct.toml, every bug of bugs.toml (several copies each), copies of
the reference with renamed variables, empty folders and folders that do
not parse, in that proportion. Prints:

- the wall time of the whole class at -j 2, and at -j 1: on the whole
  class when that is estimated to take under ten minutes, otherwise on an
  evenly spread sample of --j1-sample students, extrapolated (and said so);
- the time the class-level views (classview.write: gradebook, summary,
  changes, similarity, dashboard) take for all students, on top of grading;
- the class graded again as 3 shards (one after another, -j 2 each) and
  merged, and the diff of its gradebook and summary against the -j 2 run
  (empty: identical).
"""
from __future__ import annotations

import argparse
import difflib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.submissions import mutants  # noqa: E402  (the corpus lives with the tests)

RENAMES = {"dz2": "delta_out", "dz1": "delta_hidden", "da1": "grad_a1", "dW2": "grad_W2", "db2": "grad_b2",
           "dW1": "grad_W1", "db1": "grad_b1"}
LIMIT_SECONDS = 600


def renamed(source: str, n: int) -> str:
    """The reference with its local gradient names changed; the dict keys it returns stay the interface's."""
    for old, new in RENAMES.items():
        source = re.sub(rf'(?<!["\'.]){old}\b(?!["\'])', new, source)
    return source + f"\n# copy {n}\n"


def _write(folder: Path, source: str) -> None:
    folder.mkdir()
    (folder / "backprop.py").write_text(source, encoding="utf-8")


def build(klass: Path, size: int) -> dict[str, int]:
    """Write the class; returns how many students of each kind."""
    styles = sorted((mutants.HERE / "correct").iterdir())
    variants = sorted(mutants.CORRECT)
    bugs = sorted(mutants.BUGS)
    reference = mutants.REFERENCE.read_text(encoding="utf-8")
    plan = {"correct": round(size * 0.22), "bug": round(size * 0.5), "renamed": round(size * 0.18),
            "empty": round(size * 0.05)}
    plan["broken"] = size - sum(plan.values())
    for i in range(plan["correct"]):
        kind = (styles + variants)[i % (len(styles) + len(variants))]
        if isinstance(kind, Path):
            shutil.copytree(kind, klass / f"correct{i:03d}", ignore=shutil.ignore_patterns("make.py"))
        else:
            _write(klass / f"correct{i:03d}", mutants.source(mutants.CORRECT, kind))
    for i in range(plan["bug"]):  # each bug several times, as several students make it
        name = bugs[i % len(bugs)]
        _write(klass / f"bug{i:03d}_{name}", mutants.source(mutants.BUGS, name) + f"\n# student {i}\n")
    for i in range(plan["renamed"]):
        _write(klass / f"renamed{i:03d}", renamed(reference, i))
    for i in range(plan["empty"]):
        (klass / f"empty{i:03d}").mkdir()
    for i in range(plan["broken"]):
        _write(klass / f"broken{i:03d}", reference[: len(reference) // 3] + "\ndef (:\n")
    return plan


def batch(klass: Path, out: Path, jobs: int, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", str(klass), "--batch", "--out", str(out), "-j", str(jobs),
                    *extra], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def views_seconds(out: Path, title: str, repeat: int = 3) -> float:
    """The best of `repeat` rewrites of the class views from the results already in `out`."""
    from grader import batch as batch_module
    from grader.classview import write
    from grader.report.roster import Entry
    from grader.results import SubmissionResult
    import json

    entries = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        if (folder / batch_module.RESULT).is_file():
            data = json.loads((folder / batch_module.RESULT).read_text(encoding="utf-8"))
            entries.append(Entry(folder.name, SubmissionResult.from_dict(data)))
        else:
            entries.append(Entry(folder.name, None, (folder / batch_module.ERROR).read_text().split("\n\n")[0]))
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        write(out, entries, title)
        best = min(best, time.perf_counter() - started)
    return best


def diff(a: Path, b: Path) -> str:
    return "".join(difflib.unified_diff(a.read_text().splitlines(True), b.read_text().splitlines(True),
                                        str(a), str(b)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--j1-sample", type=int, default=50)
    parser.add_argument("--no-j1", action="store_true")
    parser.add_argument("--no-shards", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        klass = tmp / "class"
        klass.mkdir()
        plan = build(klass, args.students)
        print(f"class of {args.students}: " + ", ".join(f"{n} {kind}" for kind, n in plan.items()), flush=True)
        two = batch(klass, tmp / "j2", 2)
        print(f"-j 2: {two:7.1f} s  ({two / args.students:.2f} s per student)", flush=True)
        single = tmp / "single-machine"  # its class files, before views_seconds rewrites them
        single.mkdir()
        for name in ("gradebook.csv", "summary.md", "similarity.csv", "changes.csv"):
            if (tmp / "j2" / name).exists():
                shutil.copy(tmp / "j2" / name, single / name)
        views = views_seconds(tmp / "j2", f"Class summary: {klass}")
        print(f"class views for {args.students} students: {views:.2f} s ({100 * views / two:.1f}% of the -j 2 run)",
              flush=True)
        if args.no_j1:
            pass
        elif two * 2 < LIMIT_SECONDS:
            one = batch(klass, tmp / "j1", 1)
            print(f"-j 1: {one:7.1f} s  ({one / args.students:.2f} s per student)", flush=True)
        else:
            sample = tmp / "sample"
            sample.mkdir()
            names = sorted(p.name for p in klass.iterdir())
            step = len(names) / args.j1_sample
            for name in (names[int(i * step)] for i in range(args.j1_sample)):
                shutil.copytree(klass / name, sample / name)
            one = batch(sample, tmp / "j1", 1)
            print(f"-j 1: {one:7.1f} s on {args.j1_sample} evenly spread students; extrapolated to "
                  f"{args.students}: {one * args.students / args.j1_sample:7.1f} s "
                  f"(sampled: twice the -j 2 time, {2 * two:.0f} s, is over {LIMIT_SECONDS // 60} minutes)", flush=True)
        if args.no_shards:
            return
        started = time.perf_counter()
        for k in (1, 2, 3):
            batch(klass, tmp / f"shard{k}", 2, "--shard", f"{k}/3")
        subprocess.run([sys.executable, "-m", "grader", "merge", str(tmp / "merged"),
                        *(str(tmp / f"shard{k}") for k in (1, 2, 3))], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"3 shards, one after another at -j 2, and the merge: {time.perf_counter() - started:.1f} s")
        for name in sorted(p.name for p in single.iterdir()):
            text = diff(single / name, tmp / "merged" / name)
            print(f"diff {name}: " + ("identical" if not text else "\n" + text))


if __name__ == "__main__":
    main()
