"""Submissions that are the reference, mutated: single bugs, attacks, variants.

bugs*.toml, adversarial*.toml and correct*.toml give each as a few edits of the reference
(without its solution markers), so the corpus cannot drift from the code it
breaks. To look at them, or grade them by hand, write them out as files:

    python tests/submissions/mutants.py OUT_DIR
    python -m grader OUT_DIR/bugs/missing_1_over_m
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # the project supports 3.10, where tomli is a dependency
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent.parent / "reference" / "backprop.py"
TEMPLATE = HERE.parent.parent / "student_template" / "backprop.py"
MARKER = re.compile(r"^\s*# (HINT:|BEGIN SOLUTION|END SOLUTION)")


def _load(pattern: str) -> dict:
    """Every case of the files matching `pattern`; a name defined twice is an error."""
    cases: dict = {}
    for path in sorted(HERE.glob(pattern)):
        for name, case in tomllib.loads(path.read_text(encoding="utf-8")).items():
            if name in cases:
                raise ValueError(f"{path.name}: case {name} is already defined")
            cases[name] = case
    return cases


BUGS = _load("bugs*.toml")
HOSTILE = _load("adversarial*.toml")
CORRECT = _load("correct*.toml")


def source(corpus: dict, name: str) -> str:
    """The reference (or, with `base = "template"`, the stub template) with `name`'s edits.

    Every `old` must occur exactly once.
    """
    base = TEMPLATE if corpus[name].get("base") == "template" else REFERENCE
    lines = base.read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not MARKER.match(line)) + "\n"
    for number, edit in enumerate(corpus[name].get("edit", []), start=1):
        found = text.count(edit["old"])
        if found != 1:
            raise ValueError(f"{name}, edit {number}: its old text occurs {found} times in the reference, not once")
        text = text.replace(edit["old"], edit["new"])
    return text


def write(corpus: dict, name: str, out: Path) -> Path:
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "backprop.py").write_text(source(corpus, name), encoding="utf-8")
    return folder


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for kind, corpus in (("bugs", BUGS), ("adversarial", HOSTILE), ("correct", CORRECT)):
        for name in corpus:
            print(write(corpus, name, Path(sys.argv[1]) / kind))
