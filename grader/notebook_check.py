"""check(): grade this notebook from inside Jupyter, as `python -m grader` would, and show the report.

    from grader import check
    check()

The saved notebook is graded by a `python -m grader` child of the kernel's own
interpreter (sys.executable): the same sandbox, limits and settings as on the
command line, and nothing of the kernel's state (its variables, its imports)
reaches the grade. The report is shown inline as HTML in a notebook, and
printed anywhere else.

Which notebook: the one named, else the kernel's own (VS Code's
`__vsc_ipynb_file__`; Jupyter Server's JPY_SESSION_NAME, relative to the
server's folder and stale after a rename, so it is used only if it exists),
else the one notebook in the working folder.

Unsaved changes: the grader reads the file, never the kernel. The kernel's
input history is compared with the saved code cells: the latest run of each
cell (cells told apart by their first line) that the file lacks is named. It
sees only what was run: an edit that was never run is invisible to the
kernel, and a scratch cell run and then deleted is named too.
"""
from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from grader.check_cell import is_check_cell



class NotebookNotFound(Exception):
    """Which notebook to grade cannot be told; the message says what to pass."""


@dataclass(frozen=True)
class Checked:
    """What check() showed: the report as text and as HTML, and the score when there was one."""
    notebook: Path | None
    text: str  #: the terminal report, or why nothing was graded
    html: str  #: what a notebook shows inline
    status: int  #: python -m grader's exit status (2: nothing graded, see text)
    score: float | None = None
    max_score: float | None = None
    unsaved: tuple[str, ...] = ()  #: first lines of cells run in the kernel but not in the saved file

    def __repr__(self) -> str:
        if self.score is None:
            return f"<check: {self.text.strip().splitlines()[-1] if self.text.strip() else 'not graded'}>"
        return f"<check: {self.notebook.name if self.notebook else ''} {self.score:g}/{self.max_score:g}>"


def check(path: str | os.PathLike | None = None, config: str | os.PathLike | None = None) -> Checked:
    """Grade the notebook at `path` (by default this kernel's) with the `config` TOML if given, show it."""
    shell = _shell()
    namespace = getattr(shell, "user_ns", {}) if shell else {}
    try:
        notebook = find_notebook(path, os.environ, Path.cwd(), namespace)
    except NotebookNotFound as error:
        checked = Checked(None, f"grader: {error}\n", f"<pre>grader: {html.escape(str(error))}</pre>", status=2)
    else:
        inputs = list(shell.history_manager.input_hist_raw[:-1]) if shell else []  # the last is this cell
        checked = _graded(notebook, config, unsaved(notebook, inputs))
    if getattr(shell, "kernel", None) is not None:  # a notebook's kernel, not a terminal IPython
        from IPython.display import HTML, display
        display(HTML(checked.html))
    else:
        print(checked.text, end="")
    return checked


def _shell():
    """The running IPython shell, if any; never imports IPython (slow) when it is not running."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def find_notebook(path, env: Mapping[str, str], cwd: Path, namespace: Mapping) -> Path:
    if path is not None:
        given = Path(path).expanduser()
        if not given.is_file():
            raise NotebookNotFound(f"{given} is not a file")
        return given
    for name in (namespace.get("__vsc_ipynb_file__"), env.get("JPY_SESSION_NAME"), namespace.get("__session__")):
        if isinstance(name, str) and name:
            named = Path(name)
            for candidate in ([named] if named.is_absolute() else [cwd / named, cwd / named.name]):
                if candidate.suffix == ".ipynb" and candidate.is_file():
                    return candidate
    notebooks = sorted(p for p in cwd.glob("*.ipynb") if not p.name.startswith("."))
    if len(notebooks) == 1:
        return notebooks[0]
    if not notebooks:
        raise NotebookNotFound(f"no notebook in {cwd}: name yours, as in check('backprop.ipynb')")
    raise NotebookNotFound(f"{len(notebooks)} notebooks in {cwd} ({', '.join(p.name for p in notebooks)}) and "
                           f"the kernel does not say which one it runs: name yours, as in "
                           f"check({notebooks[0].name!r})")


def _normal(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def unsaved(notebook: Path, inputs: Sequence[str]) -> tuple[str, ...]:
    """The first lines of the cells whose latest run (of `inputs`, oldest first) the saved file lacks."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        saved = {_normal("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                 for c in cells if c.get("cell_type") == "code"}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ()  # not a notebook: the grader says so
    latest: dict[str, str] = {}
    for source in inputs:  # a later run of a cell with the same first line replaces the earlier
        code = _normal(source)
        if code and not is_check_cell(code):  # not work the grader needs to see
            latest[code.splitlines()[0]] = code
    return tuple(first for first, code in latest.items() if code not in saved)


def _graded(notebook: Path, config, unsaved_cells: tuple[str, ...]) -> Checked:
    status, stdout, stderr, result, page = _run(notebook, config)
    warning = ("Not saved? These cells ran in this kernel but are not in the saved notebook, which is what "
               "was graded: " + "; ".join(unsaved_cells) + ". Save the notebook (Ctrl-S) and check again."
               if unsaved_cells else "")
    if result is None:  # nothing graded: the grader's own message says why
        text = stderr or f"grader: exited with status {status} and no report\n"
        return Checked(notebook, text, f"<pre>{html.escape(text)}</pre>", status, unsaved=unsaved_cells)
    text = (f"{warning}\n\n" if warning else "") + stdout + (stderr if status != 0 else "")
    box = f'<p style="background:#fff3cd;padding:.5em">{html.escape(warning)}</p>' if warning else ""
    shown = (f'<div>{box}<iframe sandbox srcdoc="{html.escape(page, quote=True)}" title="grading report" '
             'style="width:100%;height:640px;border:1px solid #ccc"></iframe></div>') if page else \
        f"<div>{box}<pre>{html.escape(stdout)}</pre></div>"
    return Checked(notebook, text, shown, status, result["score"], result["max_score"], unsaved_cells)


def _run(notebook: Path, config) -> tuple[int, str, str, dict | None, str]:
    """python -m grader on the notebook: (status, stdout, stderr, result.json, report.html)."""
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        out = Path(scratch)
        command = [sys.executable, "-m", "grader", str(notebook.resolve()),
                   "--json", str(out / "result.json"), "--html", str(out / "report.html")]
        command += ["--config", str(Path(config).resolve())] if config is not None else []
        # The child imports this very grader, whatever the notebook's folder holds (a grader.py of its own),
        # and draws with Agg, not the kernel's inline backend.
        here = str(Path(__file__).resolve().parent.parent)
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
        process = subprocess.Popen(command, cwd=scratch, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")
        try:
            stdout, stderr = process.communicate()
        except KeyboardInterrupt:  # the kernel's stop button: the grader stops its sandbox and exits 130
            process.send_signal(signal.SIGINT)
            process.communicate()
            raise
        try:
            result = json.loads((out / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result = None
        page = (out / "report.html").read_text(encoding="utf-8") if (out / "report.html").is_file() else ""
    return process.returncode, stdout, stderr, result, page
