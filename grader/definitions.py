"""Split a submission into top-level chunks, and tell definitions from exploration.

Read with `ast`, never run. A *definition* is an import, a `def`, a
`class`, or an assignment that calls none of the submission's own functions
(`X_xor = np.array(...)`, `sigmoid = lambda x: ...`,
`NeuralNetwork.forward = forward`). Everything else (training runs, calls,
plots, `plt.show()`) is *exploration*: the child runs definitions, and
exploration only when it binds a name that the assignment's interface or a
definition needs and no definition binds; so heavy or endless exploration
costs neither points nor time.

What does not parse is left out piece by piece (grader/syntax.py).
"""
from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass

from grader import parsing
from grader.check_cell import is_check_cell
from grader.syntax import Broken, budget, parse


@dataclass(frozen=True)
class Chunk:
    cell: str  #: where it came from: "backprop.py" or a notebook cell's label
    code: str
    first_line: int  #: line of the chunk's first line within its cell
    role: str  #: "definition", "needed" (exploration that defines a needed name) or "skipped"
    defines: tuple[str, ...]  #: top-level names it binds


@dataclass(frozen=True)
class Split:
    chunks: list[Chunk]
    broken: list[Broken]
    uses: dict[str, set[str]]  #: {"NeuralNetwork.forward": {"sigmoid", "np"}}: globals each definition reads


def split(cells, whole_cells: bool, interface: tuple[str, ...] = ()) -> Split:
    """Every top-level statement of `cells` (label, code) as a chunk, and the pieces that do not parse.

    `whole_cells` (notebooks): a cell with a syntax error is broken whole.
    """
    pieces: list[tuple[str, str, int, ast.stmt]] = []
    broken: list[Broken] = []
    tools: list[tuple[str, str, int, ast.stmt]] = []  # the README's check cells: skipped, like plt.show()
    spent = budget()
    for label, code in cells:
        if is_check_cell(code):
            tools += [(label, ast.get_source_segment(code, s) or "", s.lineno, s) for s in parsing.tree(code).body]
            continue
        code, tree = parse(label, code, whole_cells, broken, spent)
        if tree is None:
            continue
        lines = code.splitlines()
        for stmt in tree.body:
            start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
            source = "\n".join(lines[start - 1:stmt.end_lineno or stmt.lineno]) + "\n"
            pieces.append((label, source, start, stmt))
    own = {name for *_, stmt in pieces for name in _bound(stmt)} | {
        n.partition(".")[0] for b in broken for n in b.defines}
    kinds, exploring = [], set()
    for *_, stmt in pieces:
        # Past the budget a statement is not looked into: it runs, within the child's load limit.
        kinds.append(spent.expired() or _is_definition(stmt, own, exploring))
        if not kinds[-1]:
            exploring.update(_bound(stmt))
    defined = {n for (*_, stmt), is_def in zip(pieces, kinds) if is_def for n in _bound(stmt)}
    binders: dict[str, list[int]] = {}  # name -> the exploration pieces that bind it
    for i, ((*_, stmt), is_def) in enumerate(zip(pieces, kinds)):
        if not is_def and not _is_main_guard(stmt):
            for name in _bound(stmt):
                binders.setdefault(name, []).append(i)
    # Exploration that binds a wanted name, then what that exploration reads in turn: a worklist,
    # so a chain of thousands of such statements costs linear time.
    todo = [*interface, *(n for (_, source, _, _), is_def in zip(pieces, kinds) if is_def for n in _reads(source))]
    wanted, needed = set(), set()
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        for i in binders.get(name, []) if name not in defined else []:
            if i not in needed:
                needed.add(i)
                todo.extend(_reads(pieces[i][1]))
    chunks = []
    for i, ((label, source, first, stmt), is_def) in enumerate(zip(pieces, kinds)):
        role = "definition" if is_def else "needed" if i in needed else "skipped"
        chunks.append(Chunk(label, source, first, role, tuple(sorted(_bound(stmt)))))
    chunks += [Chunk(label, source, first, "skipped", ()) for label, source, first, _ in tools]
    uses = {}
    for _, source, _, stmt in pieces:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            uses.update(_uses(source, stmt))
    return Split(chunks, broken, uses)


def _bound(stmt: ast.stmt) -> set[str]:
    """Top-level names a statement binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"}
    names = set()
    targets = getattr(stmt, "targets", None) or [getattr(stmt, "target", None)]
    for target in targets:
        if isinstance(target, ast.AST):
            names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    if isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
        for inner in ast.iter_child_nodes(stmt):
            if isinstance(inner, ast.stmt):
                names.update(_bound(inner))
        for handler in getattr(stmt, "handlers", []):
            for inner in handler.body:
                names.update(_bound(inner))
    return names


def _is_definition(stmt: ast.stmt, own: set[str], exploring: set[str]) -> bool:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        # Decorators, bases and defaults run now: they must not call the submission either.
        now = [*stmt.decorator_list, *getattr(stmt, "bases", []), *_defaults(stmt)]
        return not any(_calls_own(node, own, exploring) for node in now)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        return stmt.value is None or not _calls_own(stmt.value, own, exploring)
    if isinstance(stmt, (ast.If, ast.Try)) and not _is_main_guard(stmt):
        # `try: import x / except ImportError: ...` and the like.
        tests = [stmt.test] if isinstance(stmt, ast.If) else []
        inner = [s for s in ast.iter_child_nodes(stmt) if isinstance(s, ast.stmt)]
        handlers = [s for h in getattr(stmt, "handlers", []) for s in h.body]
        return all(_is_definition(s, own, exploring) for s in inner + handlers) and not any(
            _calls_own(t, own, exploring) for t in tests)
    return False


def _defaults(stmt) -> list[ast.AST]:
    args = getattr(stmt, "args", None)
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None)] if args else []


def _calls_own(node: ast.AST, own: set[str], exploring: set[str]) -> bool:
    """Whether evaluating `node` now calls a submission function or reads what exploration made.

    A lambda's body runs later, not now: it is not looked into, unless it is what is called.
    """
    # One pass over the tree, not recursive: an expression may nest thousands deep (1+1+...+1), and
    # a chain of calls (a.f().f()...) must not be walked again under each of its calls.
    stack = [(node, False)]  # (node, whether it is part of what a call calls)
    while stack:
        node, called = stack.pop()
        if isinstance(node, ast.Name) and (node.id in exploring or called and node.id in own):
            return True
        if isinstance(node, ast.Call):
            stack.append((node.func, True))
            stack.extend((child, called) for child in ast.iter_child_nodes(node) if child is not node.func)
        elif called or not isinstance(node, ast.Lambda):
            stack.extend((child, called) for child in ast.iter_child_nodes(node))
    return False


def _is_main_guard(stmt: ast.stmt) -> bool:
    """`if __name__ == "__main__":`, which never runs in the grader (the module has another name)."""
    return isinstance(stmt, ast.If) and any(isinstance(n, ast.Name) and n.id == "__name__"
                                            for n in ast.walk(stmt.test))


def _reads(source: str) -> set[str]:
    """Global names a statement reads, at top level or inside its functions, methods and classes."""
    found: set[str] = set()
    try:
        tables = [symtable.symtable(source, "chunk", "exec")]
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # as grader/parsing.py guards ast.parse
        return found
    while tables:
        table = tables.pop()
        top = table.get_type() == "module"
        found.update(s.get_name() for s in table.get_symbols()
                     if s.is_referenced() and (top or s.is_global()))
        tables.extend(table.get_children())
    return found


def _uses(source: str, stmt: ast.stmt) -> dict[str, set[str]]:
    """{name: globals it reads} for a def, or for each method of a class ("Class.method")."""
    if not isinstance(stmt, ast.ClassDef):
        return {stmt.name: _reads(source)}
    out = {}
    lines = source.splitlines()
    offset = min([stmt.lineno] + [d.lineno for d in stmt.decorator_list])
    for item in stmt.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            text = "\n".join(lines[item.lineno - offset:item.end_lineno - offset + 1])
            indent = item.col_offset
            out[f"{stmt.name}.{item.name}"] = _reads("\n".join(line[indent:] for line in text.splitlines()) + "\n")
    return out


def qualified(result: Split) -> set[str]:
    """Every function, class and method the submission defines or tried to."""
    return set(result.uses) | {n for c in result.chunks for n in c.defines} | {
        n for b in result.broken for n in b.defines}


def runnable(chunks: list[Chunk], notebook: bool) -> list[dict]:
    """What the child runs, in order: every chunk but skipped exploration."""
    return [{"cell": c.cell, "code": c.code, "first_line": c.first_line, "whole": notebook,
             "defines": list(c.defines)} for c in chunks if c.role != "skipped"]


def unavailable(result: Split) -> dict[str, tuple[str, str]]:
    """{name: (root, why)} for what syntax errors left undefined, and the definitions that read it."""
    dead = {name: (name, f"has a syntax error ({b.cell}, line {b.line}: {b.message})")
            for b in result.broken for name in b.defines}
    readers: dict[str, list[str]] = {}  # name -> the definitions that read it
    for name, reads in result.uses.items():
        for read in sorted(reads):
            readers.setdefault(read, []).append(name)
    queue = list(dead)  # breadth first, each name once: linear in the definitions and what they read
    while queue:
        culprit = queue.pop(0)
        for name in readers.get(culprit, []):
            if name not in dead and name != culprit:
                root = dead[culprit][0]
                dead[name] = (root, f"uses {culprit}, which {dead[culprit][1]}" if root == culprit
                              else dead[culprit][1])
                queue.append(name)
    return dead


def skipped_note(chunks: list[Chunk]) -> list[str]:
    """One line on what was skipped, one on exploration run anyway."""
    out = []
    skipped = [c for c in chunks if c.role == "skipped"]
    if skipped:
        where = ", ".join(f"{c.cell} line {c.first_line}" for c in skipped[:4]) + (", ..." if len(skipped) > 4 else "")
        out.append(f"not run: {len(skipped)} top-level statement(s) that define nothing the grader needs "
                   f"(training runs, prints, plots: {where}); they cost neither points nor time")
    needed = [c for c in chunks if c.role == "needed"]
    if needed:
        names = sorted({n for c in needed for n in c.defines})
        out.append(f"ran {len(needed)} top-level statement(s) that are not plain definitions, within the load "
                   f"budget, because they alone define {', '.join(names[:6])}")
    return out
