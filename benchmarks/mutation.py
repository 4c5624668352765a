"""Mutation score of the core modules: break the grader on purpose, one small change at a time.

    python benchmarks/mutation.py [MODULE ...] [--sample N] [--seed S] [--timeout-factor F] [--list]

For each module (see MODULES: its files and the fast tests that should hold
them), every classic mutation site is found with the standard library's ast:
a comparison flipped (== !=, < <=, > >=, in / not in, is / is not), `and`
for `or`, `not` dropped, + for - and * for /, a number or a boolean changed,
a `return` made to return None, a call, raise, augmented assignment,
`break` or `continue` removed. Swapping `/` on paths or `+` on text is left
out: it raises TypeError on the first run, which says nothing of the tests. Each mutant is written into a copy of the
checkout (so the editable install and other work are never touched) and
the module's tests run against it; a mutant is killed when they fail or
time out (F times the unmutated run, default 3), and survives when they
pass. `--sample N` tests N mutants per module, drawn with --seed, since the
CPU is shared and a sandboxed test takes seconds. It prints killed/survived
per module and where each survivor is, for a person to judge: a survivor is
either a missing test or an equivalent mutant (one no behaviour can tell).

Slow by nature (a test run per mutant): not part of CI. The mutation tools
on PyPI (mutmut 3, cosmic-ray) were tried first; mutmut 3 copies only the
mutated files and runs the tests in-process, which the grader's subprocesses
and sandboxed children (importing the real package) do not follow.
"""
from __future__ import annotations

import argparse
import ast
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Module:
    files: tuple[str, ...]  #: "path" or "path::function,function": only those top-level functions are mutated
    tests: tuple[str, ...]  #: pytest arguments: the fast tests that should kill its mutants


MODULES = {
    "judging": Module(("grader/judging.py", "grader/engine.py::judge,_result,_culprit,_blocked,_from_outcome"),
                      ("tests/test_judge_verdicts.py",)),
    "checks": Module(("grader/backprop/checks/gradients.py", "grader/backprop/checks/network.py",
                      "grader/backprop/checks/common.py"),
                     # hand-made answers for every judge, and the reference graded for the probes' side
                     ("tests/test_lesson_judges.py", "tests/test_forgery_judges.py",
                      "tests/test_corpus.py::test_correct_submission_scores_full_marks[reference]")),
    "gradcheck": Module(("grader/backprop/gradcheck.py", "grader/backprop/diagnosis.py"),
                        ("tests/test_diagnosis_units.py", "tests/test_diagnosis.py", "tests/test_reference.py",
                         "-k", "not xor_trains")),
    "training": Module(("grader/backprop/steps.py", "grader/backprop/budgets.py"),
                       ("tests/test_training_audit_units.py", "tests/test_budgets.py", "tests/test_forgery_judges.py",
                        "tests/test_messages.py",
                        # and every honest answer:
                        "tests/test_corpus.py::test_correct_submission_scores_full_marks[reference]")),
    "sandbox": Module(("grader/confine/plan.py", "grader/confine/paths.py", "grader/confine/seccomp.py"),
                      # not test_confinement_outside.py: it rightly finds this runner's borrowed site-packages
                      # (libraries.pth, below) outside the interpreter's own
                      ("tests/test_confinement.py", "tests/test_confine_units.py", "tests/test_sandbox.py")),
    "channel": Module(("grader/wire.py", "grader/observations.py", "grader/sandbox/messages.py"),
                      ("tests/test_messages.py", "tests/test_channel_edges.py", "tests/test_sandbox.py")),
    "batch": Module(("grader/history.py", "grader/batch.py::settings_key,previous_result,students"),
                    ("tests/test_batch.py", "-k", "rerun_key or reweighting or history_numbers or students_are or "
                     "previous_result_is or no_folder "
                     "or no_two_students or linked_student")),
    "similarity": Module(("grader/classview/similarity.py", "grader/classview/fingerprint.py"),
                         ("tests/test_classview.py", "-k", "similar or flagged or evidence or boilerplate or padded "
                          "or tokens_keep or winnowing or matching_code or copy or write_adds or most_similar")),
}

COMPARE_SWAP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
                ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
BINOP_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult}
PATHLIKE = ("path", "folder", "dir", "root", "out", "repo", "here", "file", "scratch", "text", "name", "line",
            "message", "label", "encode")
REMOVABLE = (ast.Expr, ast.Raise, ast.AugAssign, ast.Break, ast.Continue)


@dataclass(frozen=True)
class Mutant:
    file: str
    index: int  #: the node's position in ast.walk order, to find it again in a fresh parse
    line: int
    what: str


def _skipped(tree: ast.AST) -> set[int]:
    """Nodes no behaviour depends on: docstrings, annotations, format specs."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and \
                isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            skip |= {id(n) for n in ast.walk(body[0])}
        for annotation in (getattr(node, "annotation", None), getattr(node, "returns", None)):
            if annotation is not None:
                skip |= {id(n) for n in ast.walk(annotation)}
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            skip |= {id(n) for n in ast.walk(node.format_spec)}
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            skip.add(id(node))
    return skip


def _scope(tree: ast.Module, functions: set[str] | None) -> set[int]:
    """The nodes inside the named top-level functions (all of them when no names are given)."""
    roots = [n for n in tree.body if functions is None or getattr(n, "name", None) in functions]
    return {id(n) for root in roots for n in ast.walk(root)}


def _text_or_path(node: ast.BinOp) -> bool:
    """`folder / NAME` or `"a" + text`: swapping the operator is a TypeError on the first run, no test."""
    def looks(side):
        if isinstance(side, (ast.JoinedStr, ast.List, ast.Tuple)) or (
                isinstance(side, ast.Constant) and isinstance(side.value, (str, bytes))):
            return True
        name = side.id if isinstance(side, ast.Name) else side.attr if isinstance(side, ast.Attribute) else \
            getattr(side.func, "id", getattr(side.func, "attr", "")) if isinstance(side, ast.Call) else ""
        return name.isupper() or any(w in name.lower() for w in PATHLIKE)
    chained = isinstance(node.left, ast.BinOp) and _text_or_path(node.left)
    return isinstance(node.op, (ast.Div, ast.Add)) and (looks(node.left) or looks(node.right) or chained)


def _change(node: ast.AST) -> tuple[str, object] | None:
    """(description, how) of the one mutation this node takes, or None."""
    if isinstance(node, ast.Compare) and type(node.ops[0]) in COMPARE_SWAP:
        swapped = COMPARE_SWAP[type(node.ops[0])]
        return f"{type(node.ops[0]).__name__} -> {swapped.__name__}", swapped
    if isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        return f"{type(node.op).__name__} -> {other.__name__}", other
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return "not dropped", None
    if isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAP and not _text_or_path(node):
        swapped = BINOP_SWAP[type(node.op)]
        return f"{type(node.op).__name__} -> {swapped.__name__}", swapped
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return f"{node.value} -> {not node.value}", not node.value
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        new = node.value + 1 if node.value in (0, 1) or isinstance(node.value, int) else node.value * 2
        return f"{node.value!r} -> {new!r}", new
    if isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        return "return None", None
    if isinstance(node, REMOVABLE):
        return f"{type(node).__name__.lower()} removed", None
    return None


def mutants(spec: str) -> list[Mutant]:
    path, _, names = spec.partition("::")
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    skip, scope = _skipped(tree), _scope(tree, set(names.split(",")) if names else None)
    found = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip or id(node) not in scope:
            continue
        change = _change(node)
        if change:
            found.append(Mutant(path, index, getattr(node, "lineno", 0), change[0]))
    return found


class _Apply(ast.NodeTransformer):
    """Apply the mutation at one walk index; a removed statement becomes `pass`."""

    def __init__(self, target: ast.AST):
        self.target = target

    def generic_visit(self, node):
        super().generic_visit(node)
        if node is not self.target:
            return node
        _, how = _change(node)
        if isinstance(node, ast.Compare):
            node.ops = [how(), *node.ops[1:]]
        elif isinstance(node, (ast.BoolOp, ast.BinOp)):
            node.op = how()
        elif isinstance(node, ast.UnaryOp):
            return node.operand
        elif isinstance(node, ast.Constant):
            node.value = how
        elif isinstance(node, ast.Return):
            node.value = None
        else:
            return ast.copy_location(ast.Pass(), node)
        return node


def mutated_source(mutant: Mutant) -> str:
    tree = ast.parse((REPO / mutant.file).read_text(encoding="utf-8"))
    target = list(ast.walk(tree))[mutant.index]
    return ast.unparse(ast.fix_missing_locations(_Apply(target).visit(tree)))


def checkout_copy() -> Path:
    """The tracked files (as they are now, edits included) in a fresh folder: mutants are written there."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    root = Path(tempfile.mkdtemp(prefix="mutation-"))
    for name in filter(None, files.decode().split("\0")):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    return root


def interpreter(folder: Path) -> Path:
    """A bare venv that sees this one's libraries as plain folders, so no editable install of the grader
    (a .pth hook, processed only in a site folder) can shadow the copy's: every process the tests start
    then runs the mutant too."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "libraries.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    return python


def run_tests(python: Path, root: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, str]:
    """("passed", "failed" or "timeout", the end of pytest's output) for the tests run in `root`, with its
    grader first on the path."""
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [str(python), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--timeout", "0", *tests]
    try:
        run = subprocess.run(command, cwd=root, env=env, capture_output=True, timeout=timeout,
                             start_new_session=True)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    said = run.stdout.decode(errors="replace")
    # Exit 0 without pytest's summary is a mutant that ended the process early (os._exit(0) in the grader):
    # the tests did not pass, they never finished.
    finished = re.search(r"^\d+ passed", said.strip().splitlines()[-1] if said.strip() else "") is not None
    return "passed" if run.returncode == 0 and finished else "failed", said[-3000:]


def score(python: Path, name: str, module: Module, sample: int | None, rng: random.Random,
          factor: float, at: str | None = None) -> tuple[int, int]:
    """Run one module's mutants; print its score and survivors. Returns (killed, tested)."""
    found = [m for spec in module.files for m in mutants(spec) if at in (None, f"{m.file}:{m.line}")]
    chosen = sorted(rng.sample(found, min(sample, len(found))) if sample else found,
                    key=lambda m: (m.file, m.line))
    root = checkout_copy()
    try:
        started = time.monotonic()
        for spec in module.files:  # the unparsed original must pass: ast.unparse drops only layout
            path = spec.partition("::")[0]
            (root / path).write_text(ast.unparse(ast.parse((REPO / path).read_text())), encoding="utf-8")
        baseline, said = run_tests(python, root, module.tests, 1800)
        seconds = time.monotonic() - started
        if baseline != "passed":
            print(f"{name}: the tests do not pass unmutated ({baseline}); skipped\n{said}", flush=True)
            return 0, 0
        print(f"{name}: {len(found)} mutants, testing {len(chosen)}; tests take {seconds:.0f} s", flush=True)
        killed, survivors = 0, []
        for mutant in chosen:
            original = (root / mutant.file).read_text(encoding="utf-8")
            (root / mutant.file).write_text(mutated_source(mutant), encoding="utf-8")
            outcome, _ = run_tests(python, root, module.tests, factor * seconds + 10)
            (root / mutant.file).write_text(original, encoding="utf-8")
            if outcome == "passed":
                survivors.append(mutant)
            else:
                killed += 1
        print(f"{name}: killed {killed} of {len(chosen)} ({100 * killed / max(len(chosen), 1):.0f}%)")
        for m in survivors:
            print(f"  survived: {m.file}:{m.line}: {m.what}")
        sys.stdout.flush()
        return killed, len(chosen)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help=f"of {', '.join(MODULES)} (default: all)")
    parser.add_argument("--sample", type=int, help="mutants tested per module (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout-factor", type=float, default=3.0)
    parser.add_argument("--at", help="only the mutants on this line, FILE:LINE (to check a survivor is killed)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"no module {', '.join(unknown)}; there are {', '.join(MODULES)}")
    rng = random.Random(args.seed)
    total = [0, 0]
    scratch = Path(tempfile.mkdtemp(prefix="mutation-python-"))
    python = interpreter(scratch / "venv") if not args.list else Path(sys.executable)
    for name in args.modules or MODULES:
        if args.list:
            for spec in MODULES[name].files:
                for m in (m for m in mutants(spec) if args.at in (None, f"{m.file}:{m.line}")):
                    print(f"{name}: {m.file}:{m.line}: {m.what}")
            continue
        killed, tested = score(python, name, MODULES[name], args.sample, rng, args.timeout_factor, args.at)
        total[0] += killed
        total[1] += tested
    shutil.rmtree(scratch, ignore_errors=True)
    if not args.list and total[1]:
        print(f"all: killed {total[0]} of {total[1]} ({100 * total[0] / total[1]:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
