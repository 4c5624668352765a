"""Grading one class on several machines: which students are shard K of N, and which shard this is.

A student belongs to shard 1 + (SHA-256 of their identifier) mod N. That
depends on the name alone: not on the order a folder lists, nor on which
other students exist, so every machine computes the same partition.

Shards are numbered 1 to N. When `--shard K/N` is not given, the number
comes from the job engine running this process:

- Slurm job arrays: SLURM_ARRAY_TASK_ID, counted from SLURM_ARRAY_TASK_MIN
  in steps of SLURM_ARRAY_TASK_STEP, of SLURM_ARRAY_TASK_COUNT tasks
  (`--array=0-3`, `--array=1-4` and `--array=10-40:10` are all 4 shards);
- Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (0-based), with the
  number of shards from `--shard-count N` (the Job's `completions`), which
  Kubernetes does not put in the environment;
- a GitHub Actions matrix passes `--shard ${{ matrix.shard }}/N` itself.

Each finished shard run leaves MANIFEST in its output folder: what
`python -m grader merge` needs to check that the shards fit together.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from grader.exits import UsageError
from grader.writing import write_atomic

MANIFEST = "shard.json"


@dataclass(frozen=True)
class Shard:
    index: int  #: 1-based
    count: int
    source: str  #: where the numbers came from, for the batch's first line

    def holds(self, identifier: str) -> bool:
        digest = hashlib.sha256(identifier.encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse(text: str) -> Shard:
    """`K/N` as given to --shard."""
    k, slash, n = text.partition("/")
    if not (slash and k.strip().isdigit() and n.strip().isdigit()):
        raise UsageError(f"--shard takes K/N, e.g. --shard 2/3 (shard 2 of 3, counting from 1), not {text!r}")
    return _checked(int(k), int(n), "--shard")


def _checked(k: int, n: int, source: str) -> Shard:
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"{source}: shard {k} of {n} does not exist; shards are numbered 1 to N")
    return Shard(k, n, source)


def _integer(env: Mapping[str, str], name: str) -> int:
    try:
        return int(env[name])
    except ValueError:
        raise UsageError(f"{name}={env[name]!r} is not a number") from None


def from_engine(env: Mapping[str, str], count: int | None = None) -> Shard | None:
    """This process's shard as a Slurm array or a Kubernetes Indexed Job numbers it; None outside both."""
    if "SLURM_ARRAY_TASK_ID" in env:
        return _slurm(env, count)
    if "JOB_COMPLETION_INDEX" in env:
        if count is None:
            raise UsageError("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job), but not how many shards "
                             "there are: pass --shard-count N, N being the Job's completions")
        index = _integer(env, "JOB_COMPLETION_INDEX")
        return _checked(index + 1, count, f"JOB_COMPLETION_INDEX={index} of --shard-count {count}")
    if count is not None:
        raise UsageError("--shard-count goes with a Kubernetes Indexed Job's JOB_COMPLETION_INDEX, which is not "
                         "set here; pass --shard K/N instead")
    return None


def _slurm(env: Mapping[str, str], count: int | None) -> Shard:
    task = _integer(env, "SLURM_ARRAY_TASK_ID")
    first = _integer(env, "SLURM_ARRAY_TASK_MIN") if "SLURM_ARRAY_TASK_MIN" in env else 0
    step = _integer(env, "SLURM_ARRAY_TASK_STEP") if "SLURM_ARRAY_TASK_STEP" in env else 1
    if "SLURM_ARRAY_TASK_COUNT" not in env:
        raise UsageError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (Slurm before 17.11?); "
                         "pass --shard K/N")
    tasks = _integer(env, "SLURM_ARRAY_TASK_COUNT")
    last = _integer(env, "SLURM_ARRAY_TASK_MAX") if "SLURM_ARRAY_TASK_MAX" in env else first + step * (tasks - 1)
    if step < 1 or (task - first) % step or (last - first) // step + 1 != tasks:
        raise UsageError(f"this Slurm array (tasks {first} to {last} in steps of {step}, {tasks} tasks) is not an "
                         "even range, so its task ids do not number shards; submit with --array=1-N (or pass "
                         "--shard K/N)")
    if count is not None and count != tasks:
        raise UsageError(f"--shard-count {count} disagrees with SLURM_ARRAY_TASK_COUNT={tasks}")
    return _checked((task - first) // step + 1, tasks, f"SLURM_ARRAY_TASK_ID={task} of {tasks} tasks")


def choose(given: str | None, count: int | None, env: Mapping[str, str]) -> Shard | None:
    """--shard if given, else the engine's numbering, else None: the whole class."""
    if given is not None:
        if count is not None:
            raise UsageError("pass either --shard K/N or --shard-count N, not both")
        return parse(given)
    return from_engine(env, count)


def write_manifest(out: Path, shard: Shard, title: str, key: str, errors: Mapping[str, str]) -> None:
    """Record a finished shard: its number, the class summary's title, the grader and settings
    (settings_key), and every student with their error ("" for a graded one)."""
    write_atomic(out / MANIFEST, json.dumps({"shard": shard.index, "of": shard.count, "title": title,
                                              "settings": key, "students": dict(sorted(errors.items()))},
                                             indent=1) + "\n")


def read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{folder} has no {MANIFEST}: it is not the folder of a finished `--batch --shard` run "
                         "(if that run was interrupted, run it again)") from None
    except (OSError, ValueError) as error:
        raise UsageError(f"{folder / MANIFEST} is unreadable ({error}); grade that shard again") from None
    fields = {"shard": int, "of": int, "title": str, "settings": str, "students": dict}
    if not isinstance(data, dict) or any(not isinstance(data.get(k), t) for k, t in fields.items()):
        raise UsageError(f"{folder / MANIFEST} is damaged; grade that shard again")
    return data
