"""Generate student_template/ from reference/backprop.py.

The reference is the one source of truth. It is a percent-format script:
`# %%` starts a code cell, `# %% [markdown]` a markdown cell, and `# %% demo`
a code cell that runs an exercise under `if __name__ == "__main__":`. Inside
code, a `# HINT: ...` line followed by a `# BEGIN SOLUTION` ... `# END
SOLUTION` block becomes `raise NotImplementedError("...")`, as nbgrader's
ClearSolutions does.

    python tools/make_template.py            # rewrite student_template/ and the grader's copies
    python tools/make_template.py --check    # exit 1 if it is stale
"""
from __future__ import annotations

import argparse
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "backprop.py"
TEMPLATE_DIR = ROOT / "student_template"
BOILERPLATE = ROOT / "grader" / "classview" / "boilerplate"

HINT = re.compile(r"^(\s*)# HINT: (.*)$")
BEGIN = re.compile(r"^\s*# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
CELL = re.compile(r"^# %%(?: (\[markdown\]|demo))?\s*$")
MAIN_GUARD = 'if __name__ == "__main__":'


class TemplateError(Exception):
    pass


def strip_solutions(source: str) -> str:
    """Replace every HINT + solution block by a stub raising NotImplementedError."""
    out: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        hint = HINT.match(lines[i])
        if not hint:
            if BEGIN.match(lines[i]) or END.match(lines[i]):
                raise TemplateError(f"line {i + 1}: solution marker without a HINT line before it")
            out.append(lines[i])
            i += 1
            continue
        indent, text = hint.groups()
        if i + 1 >= len(lines) or not BEGIN.match(lines[i + 1]):
            raise TemplateError(f"line {i + 1}: HINT not followed by '# BEGIN SOLUTION'")
        j = i + 2
        while j < len(lines) and not END.match(lines[j]):
            j += 1
        if j == len(lines):
            raise TemplateError(f"line {i + 2}: '# BEGIN SOLUTION' never ended")
        out.append(f"{indent}raise NotImplementedError({text!r})")
        i = j + 1
    return "\n".join(out) + "\n"


@dataclass
class Cell:
    kind: str  # "markdown", "code" or "demo"
    source: str


def split_cells(source: str) -> list[Cell]:
    cells: list[Cell] = []
    kind, body = None, []
    for line in source.splitlines() + ["# %%"]:
        match = CELL.match(line)
        if not match:
            body.append(line)
            continue
        if kind is not None:
            cells.append(Cell(kind, "\n".join(body).strip("\n")))
        kind = {"[markdown]": "markdown", "demo": "demo", None: "code"}[match.group(1)]
        body = []
    return cells


def notebook_source(cell: Cell) -> str:
    if cell.kind == "markdown":
        return "\n".join(re.sub(r"^# ?", "", line) for line in cell.source.splitlines())
    if cell.kind == "demo":
        # A notebook runs its exercises directly, without the script's guard.
        first, _, rest = cell.source.partition("\n")
        if first != MAIN_GUARD:
            raise TemplateError(f"a demo cell must start with {MAIN_GUARD!r}")
        return textwrap.dedent(rest)
    return cell.source


def make_notebook(script: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for number, cell in enumerate(split_cells(script)):
        new = nbformat.v4.new_markdown_cell if cell.kind == "markdown" else nbformat.v4.new_code_cell
        # Fixed ids keep the generated file byte-for-byte reproducible.
        nb.cells.append(new(notebook_source(cell), id=f"cell-{number:02d}"))
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def render() -> dict[Path, str]:
    script = strip_solutions(REFERENCE.read_text(encoding="utf-8"))
    code_cells = [notebook_source(c) for c in split_cells(script) if c.kind != "markdown"]
    return {
        TEMPLATE_DIR / "backprop.py": script,
        TEMPLATE_DIR / "backprop.ipynb": make_notebook(script),
        # The grader's copies, for similarity's boilerplate: an installed grader has no student_template/.
        BOILERPLATE / "template.py": script,
        BOILERPLATE / "template_notebook.py": "\n\n".join(c.rstrip("\n") + "\n" for c in code_cells),
    }


def stale_files() -> list[Path]:
    return [path for path, text in render().items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the template is stale")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_files()
            for path in stale:
                print(f"stale: {path.relative_to(ROOT)} (run: python tools/make_template.py)")
            return 1 if stale else 0
        for path, text in render().items():
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    except TemplateError as error:
        print(f"make_template: {REFERENCE.relative_to(ROOT)}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
