"""Integrity flags: code that reaches for the grader, found by reading it.

The submission is parsed with `ast`, never run, and a cell that does not
parse is skipped (the child reports its SyntaxError). A flag is a pointer
for a human reviewer, never a verdict: it changes no score, and code that
only draws, prints or seeds numpy raises none.
"""
from __future__ import annotations

import ast
from typing import Any, Iterable, Iterator

from grader import syntax
from grader.check_cell import is_check_cell
from grader.parsing import Budget
from grader.report.locate import definition_lines
from grader.submission import Cell

#: the grader's package; its modules inside the child are the files shipped there (`scan`'s `shipped`)
PACKAGE = "grader"
#: modules whose attributes, fetched by a name computed at run time, may be any of the calls below
WATCHED = frozenset({"os", "sys", "subprocess", "posix", "_posixsubprocess", "signal", "pty"})
MAX_PARTS = 8  #: dotted names longer than any looked for are not resolved
MAX_PER_CODE = 5  # enough to review; a loop of os.write calls need not fill the report

# Calls, by the dotted name they resolve to: code and why a reviewer should look.
CALLS: dict[str, tuple[str, str]] = {
    **{f"os.{name}": ("raw_fd_write", "writes to or duplicates a raw file descriptor, where the "
                                      "grader's results channel lives")
       for name in ("write", "writev", "pwrite", "sendfile", "dup", "dup2", "fdopen")},
    "sys._getframe": ("frame_inspection", "reads the caller's stack frame, i.e. the grader's variables"),
    "sys._current_frames": ("frame_inspection", "reads every thread's stack frame, the grader's included"),
    "signal.signal": ("signal_handler", "installs a signal handler, which can outlive the grader's timeouts"),
    "signal.setitimer": ("signal_handler", "arms a timer signal inside the grader's process"),
    "signal.alarm": ("signal_handler", "arms an alarm signal inside the grader's process"),
    "os.getppid": ("parent_process", "asks for its parent's process id: the grader's"),
    "os.kill": ("process_kill", "sends a signal to a process, possibly the grader's"),
    "os.killpg": ("process_kill", "sends a signal to a process group, possibly the grader's"),
    "os.fork": ("fork", "forks a process that can outlive the call being graded"),
    "os.forkpty": ("fork", "forks a process that can outlive the call being graded"),
    "pty.fork": ("fork", "forks a process that can outlive the call being graded"),
    "os.system": ("subprocess", "runs a shell command"),
    "os.popen": ("subprocess", "runs a shell command"),
    **{f"os.{name}": ("subprocess", "replaces or starts a process (exec/spawn family)")
       for name in ("execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe",
                    "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
                    "posix_spawn", "posix_spawnp")},
    "pty.spawn": ("subprocess", "starts a process on a pseudo-terminal"),
    "exec": ("dynamic_code", "runs code built at run time, which no reader of the file can see"),
    "eval": ("dynamic_code", "evaluates code built at run time, which no reader of the file can see"),
}
# Imports, by top-level module.
IMPORTS: dict[str, tuple[str, str]] = {
    "gc": ("frame_inspection", "which can reach every live object, the grader's included"),
    "inspect": ("frame_inspection", "which can read the grader's stack frames"),
    **{name: ("ctypes", "raw memory and C calls, beyond what Python enforces")
       for name in ("ctypes", "_ctypes", "cffi")},
    "subprocess": ("subprocess", "to run other programs"),
    "multiprocessing": ("fork", "which starts processes"),
}
# Attribute reads that matter whatever is done with them.
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "sys.argv": ("argv_access", "reads sys.argv, the grader's command line"),
    "sys.modules": ("module_table", "reads or changes sys.modules, where the grader's modules live"),
    "sys.stdout.buffer.raw": ("raw_fd_write", "reaches the raw file under sys.stdout"),
}
FRAME_ATTRIBUTES = frozenset({"f_back", "f_globals", "f_locals", "f_builtins", "tb_frame", "gi_frame",
                              "cr_frame"})
IMPORTERS = frozenset({"importlib.import_module", "importlib.reload", "__import__",
                       "importlib.util.spec_from_file_location", "importlib.util.find_spec"})
LISTERS = frozenset({"os.walk", "os.listdir", "os.scandir", "os.chdir", "glob.glob", "glob.iglob"})
PATHS = frozenset({"pathlib.Path", "pathlib.PosixPath"})  # Path("/").glob(...) lists as glob.glob does


def our_modules(shipped: Iterable[str]) -> frozenset[str]:
    """The grader's package and the module of each file shipped into the child (`child.py` is `child`)."""
    return frozenset({PACKAGE, *(name.rpartition("/")[2].removesuffix(".py") for name in shipped)})


def scan(cells: Iterable[Cell], shipped: Iterable[str] = ()) -> tuple[dict[str, Any], ...]:
    """Flags for every cell that parses, at most MAX_PER_CODE of each code.

    `shipped`: the names of the files the child receives (grader.sandbox.shipped), each one of our modules.
    """
    ours = our_modules(shipped)
    flags, seen, per_code, spent = [], set(), {}, syntax.budget()
    for cell in cells:
        if is_check_cell(cell.code):  # the README's check cell is never run (grader/check_cell.py)
            continue
        # What parses of a cell with a syntax error still runs (grader/syntax.py): it is read too.
        _, tree = syntax.parse(cell.label, cell.code, False, [], spent)
        if tree is None:
            continue
        try:
            findings = sorted(_Reader(tree, ours).findings(spent))
        except RecursionError:  # an expression nested too deep to read: a padding line must not hide the cell
            findings = [(1, "unread", "an expression nests too deep for the flags to read this cell; review it "
                                      "by hand")]
        for line, code, message in findings:
            key = (code, cell.label, line)
            if key in seen or per_code.get(code, 0) >= MAX_PER_CODE:
                continue
            seen.add(key)
            per_code[code] = per_code.get(code, 0) + 1
            flags.append({"code": code, "message": message, "where": {"cell": cell.label, "line": line}})
    return tuple(flags)


def definition(cells: Iterable[Cell], name: str | None) -> dict[str, Any] | None:
    """Where `name` ("NeuralNetwork.backward") is defined: the last cell that defines it, as Python runs them."""
    found = None
    for cell in cells:
        lines = definition_lines(cell.code)
        if name in lines:
            found = {"cell": cell.label, "line": lines[name]}
    return found


class _Reader:
    """One parsed cell: its import aliases, then what its calls and names resolve to."""

    def __init__(self, tree: ast.AST, ours: frozenset[str]):
        self.tree, self.ours = tree, ours
        self.aliases: dict[str, str] = {}  # local name -> dotted module path
        self.constants = _constants(tree)  # names bound once, to a string known before it runs
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.partition(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def findings(self, spent: Budget) -> Iterator[tuple[int, str, str]]:
        for count, node in enumerate(ast.walk(self.tree)):
            line = getattr(node, "lineno", 0)
            if count % 1000 == 0 and spent.expired():  # a file dense with nodes: the rest is a person's to read
                yield line, "unread", (f"the flags stopped reading here after {syntax.SECONDS:g} s: the rest of "
                                       "this cell was not looked at; review it by hand")
                return
            for code, message in self._node(node):
                yield line, code, message

    def _node(self, node: ast.AST) -> Iterator[tuple[str, str]]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from self._imported(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield from self._imported(node.module)
            for alias in node.names:
                yield from self._named(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Call):
            yield from self._call(node)
        elif isinstance(node, ast.Attribute):
            if node.attr in FRAME_ATTRIBUTES:
                yield "frame_inspection", f"reads .{node.attr}, a stack frame's link to its caller's variables"
            name = self.resolve(node)
            if name in ATTRIBUTES:
                yield ATTRIBUTES[name]
            elif name in CALLS:  # `w = os.write` reaches it as surely as a call
                yield CALLS[name][0], f"uses {name}: {CALLS[name][1]}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("/proc") or "/proc/" in node.value:
                yield "proc_access", f"names {node.value[:40]!r}: /proc describes the grader's processes"

    def _imported(self, module: str) -> Iterator[tuple[str, str]]:
        top = module.partition(".")[0]
        if top in self.ours:
            yield "imports_grader", f"imports {module}: the grader's own code"
        elif top in IMPORTS:
            code, why = IMPORTS[top]
            yield code, f"imports {module}: {why}"

    def _named(self, name: str) -> Iterator[tuple[str, str]]:
        """`from os import write` flags as os.write would."""
        if name in CALLS:
            yield CALLS[name][0], f"imports {name}: " + CALLS[name][1]
        elif name in ATTRIBUTES:
            yield ATTRIBUTES[name]

    def _call(self, node: ast.Call) -> Iterator[tuple[str, str]]:
        name = self.resolve(node.func)
        if name == "getattr":  # w = getattr(os, "write")
            base = self.resolve(node.args[0]) if node.args else None
            name = self.resolve(node)
            if name is None and base in WATCHED and len(node.args) >= 2:
                yield "computed_attribute", (f"fetches an attribute of {base} by a name computed at run time, "
                                             "which can be any of its calls (fork, write, kill...)")
        first = node.args[0] if node.args else None
        if name in CALLS:
            code, why = CALLS[name]
            yield code, f"calls {name}: {why}"
        elif name in ("open", "io.open") and _is_int(first):
            yield "raw_fd_write", f"calls open() on file descriptor {first.value}, not on a file name"
        elif name in IMPORTERS and any(self._our_module(arg) for arg in node.args):
            yield "imports_grader", f"loads the grader's own code through {name}"
        elif name in LISTERS and _outside(first):
            yield "reads_outside", f"calls {name}({_prefix(first)!r}...): looks at folders outside its own"
        elif isinstance(node.func, ast.Attribute) and node.func.attr in ("glob", "rglob", "iterdir", "walk"):
            base = node.func.value
            if isinstance(base, ast.Call) and self.resolve(base.func) in PATHS and base.args \
                    and _outside(base.args[0]):
                yield "reads_outside", f"lists {_prefix(base.args[0])!r}...: looks at folders outside its own"

    def resolve(self, node: ast.AST, depth: int = 0) -> str | None:
        """The dotted name an expression stands for: `o.write` with `import os as o` is "os.write".

        Only a few parts deep: every name looked for is short, and a chain a.b.b.b... read in full
        under each of its links would cost the square of its length."""
        if depth > MAX_PARTS:
            return None
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value, depth + 1)
            return f"{base}.{node.attr}" if base else None
        # getattr(os, "write") is os.write spelt so a text search misses it
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                and len(node.args) >= 2):
            base, attr = self.resolve(node.args[0], depth + 1), self.fold(node.args[1])
            return f"{base}.{attr}" if base and attr is not None else None
        return None

    def fold(self, node: ast.AST | None) -> str | None:
        """The string an expression always makes, where the file says it: "fo" + "rk", f"{'fo'}rk", "".join(...)."""
        return _fold(node, self.constants)

    def _our_module(self, node: ast.AST | None) -> bool:
        """A module name ("probes", "grader.wire") or file path ("../probes.py") of ours."""
        text = self.fold(node)
        if text is None:
            return False
        stem = text.replace("\\", "/").rpartition("/")[2].removesuffix(".py")
        return text.partition(".")[0] in self.ours or stem in self.ours or f"/{PACKAGE}/" in text


def _constants(tree: ast.AST) -> dict[str, str]:
    """Names assigned exactly once in the cell, to a string folding can tell."""
    assigned: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)) and isinstance(node.target, ast.Name):
            assigned.setdefault(node.target.id, []).append(ast.Constant(None))  # changed: not a constant
    constants: dict[str, str] = {}
    for name, values in assigned.items():
        if len(values) == 1:
            folded = _fold(values[0], {})
            if folded is not None:
                constants[name] = folded
    return constants


def _fold(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold(node.left, constants), _fold(node.right, constants)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):
        parts = [_fold(v.value if isinstance(v, ast.FormattedValue) and v.conversion == -1 and not v.format_spec
                       else v if isinstance(v, ast.Constant) else None, constants) for v in node.values]
        return "".join(parts) if all(p is not None for p in parts) else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], (ast.List, ast.Tuple))):
        separator = _fold(node.func.value, constants)
        parts = [_fold(e, constants) for e in node.args[0].elts]
        if separator is not None and all(p is not None for p in parts):
            return separator.join(parts)
    return None


def _is_int(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _prefix(node: ast.AST | None) -> str | None:
    """How a path expression starts: "/" for "/" + "*/" * 3, or for f"/{x}"."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _prefix(node.left)
    if isinstance(node, ast.JoinedStr) and node.values:
        return _string(node.values[0])
    return _string(node)


def _outside(node: ast.AST | None) -> bool:
    text = _prefix(node)
    return text is not None and text.startswith(("/", "..", "~"))
