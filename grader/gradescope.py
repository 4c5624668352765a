"""python -m grader.gradescope OUT_DIR: build a Gradescope autograder bundle.

The bundle holds Gradescope's two entry points beside a copy of this
project's source, which Gradescope unpacks to /autograder/source:

  setup.sh        run once when Gradescope builds the image: installs
                  python3 and pip, then the grader into /autograder/venv
  run_autograder  run per submission: grades /autograder/submission into
                  /autograder/results/results.json
  course.toml     the instructor's --config, when one is given

run_autograder always leaves a results.json: when there is nothing to grade
(exit 2), the grader fails (exit 3) or dies, it writes score 0 and a message
that says which. AUTOGRADER_ROOT (default /autograder) and AUTOGRADER_PYTHON
(default the bundle's venv) let tests run it outside Gradescope.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import zipfile
from pathlib import Path

from grader.backprop import settings

PROJECT = Path(__file__).resolve().parents[1]  #: the source checkout this module runs from
SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image, from
# /autograder/source. AUTOGRADER_ROOT (default /autograder) lets a test build one
# elsewhere; it works from any working directory.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then  # Gradescope's base image has no Python
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-pip python3-venv
fi
# A venv: recent Ubuntu images refuse pip installs into the system Python (PEP 668).
# Python runs isolated (-I) throughout: from source/, the bundle's own ./grader folder
# would otherwise stand in for the installed grader.
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python3" -I -m pip install --upgrade pip
"$ROOT/venv/bin/python3" -I -m pip install "$ROOT/source"
# Student code runs as a sandbox uid that must reach Python and numpy but never
# the grader or course.toml. Where the kernel has Landlock, a whitelist hides
# them anyway; where it has not, these file modes do (see --doctor's output in
# each run's log).
chmod 755 "$ROOT/venv"
SITE="$("$ROOT/venv/bin/python3" -I -c 'import grader, os; print(os.path.dirname(os.path.dirname(grader.__file__)))')"
chmod -R go-rwx "$SITE"/grader "$SITE"/backprop_grader-*.dist-info "$ROOT/source"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for each submission, from /autograder. It grades
# /autograder/submission and writes /autograder/results/results.json; every
# failure still ends in a results.json (score 0 and a message), because
# without one the student sees only "The autograder failed to execute".
set -u
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python3}"
[ -x "$PYTHON" ] || PYTHON=python3
RESULTS="$ROOT/results/results.json"
ERRORS="$(mktemp)"
trap 'rm -f "$ERRORS"' EXIT
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
CONFIG=()
if [ -f "$ROOT/source/course.toml" ]; then CONFIG=(--config "$ROOT/source/course.toml"); fi

cd "$ROOT" || exit 1
# -I: the installed grader, never a ./grader folder of the working directory.
"$PYTHON" -I -m grader --doctor >&2
"$PYTHON" -I -m grader "$ROOT/submission" --gradescope "$RESULTS" ${CONFIG[@]+"${CONFIG[@]}"} 2>"$ERRORS"
status=$?
cat "$ERRORS" >&2
if { [ "$status" -eq 0 ] || [ "$status" -eq 1 ]; } && [ -s "$RESULTS" ]; then
    exit 0
fi

# No results.json from the grader: say why, in one with score 0. Only the
# standard library here, in case the grader itself is what is broken.
"$PYTHON" -I - "$RESULTS" "$status" "$ERRORS" "$ROOT/submission" <<'PY' && exit 0
import json, sys
results, status, errors, upload = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], errors="replace").read(), sys.argv[4]
reason = [line[len("grader: error: "):].replace(upload, "your upload")
          for line in errors.splitlines() if line.startswith("grader: error: ")]
if status == 2 and reason:
    message = ("Your submission could not be graded: " + reason[-1] + "\n\nUpload backprop.py, or one "
               "notebook (.ipynb), with the functions the assignment asks for, then resubmit.")
elif status == 3:
    message = ("The autograder itself failed; this is not your fault. Please tell your instructor, who can see "
               "the details in the autograder output.")
else:
    message = f"The autograder stopped unexpectedly (exit status {status}). Please tell your instructor."
with open(results, "w") as f:
    json.dump({"score": 0.0, "execution_time": 0, "output": message, "visibility": "visible",
               "stdout_visibility": "hidden", "tests": []}, f, indent=2)
PY
# Not even Python ran: a fixed message, written by the shell.
printf '%s\n' '{"score": 0.0, "output": "The autograder could not start; this is not your fault. Please tell your instructor.", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}' >"$RESULTS"
"""


class BundleError(Exception):
    pass


def build(out: Path, config: Path | None = None) -> list[Path]:
    """Write the bundle's files into `out`; returns them, relative to `out`."""
    if not (PROJECT / "pyproject.toml").is_file():
        raise BundleError(f"{PROJECT} is not a source checkout (no pyproject.toml): run this from one")
    if config is not None:
        settings.load(config)  # fail here, not on Gradescope, if the instructor's settings are broken
    out.mkdir(parents=True, exist_ok=True)
    for name in SOURCE_FILES:
        if (PROJECT / name).is_file():
            shutil.copy2(PROJECT / name, out / name)
    shutil.rmtree(out / "grader", ignore_errors=True)
    shutil.copytree(PROJECT / "grader", out / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if config is not None:
        shutil.copy2(config, out / "course.toml")
    for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
        (out / name).write_text(text, encoding="utf-8")
        (out / name).chmod(0o755)
    return sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())


def zip_bundle(out: Path, files: list[Path], zip_path: Path) -> None:
    """Files at the archive's root, as Gradescope requires, with their modes (run_autograder stays executable)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            info = zipfile.ZipInfo.from_file(out / name, str(name))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (out / name).read_bytes())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.gradescope",
                                description="Write a Gradescope autograder bundle (setup.sh, run_autograder, "
                                            "and this grader's source) into OUT_DIR.")
    p.add_argument("out", type=Path, metavar="OUT_DIR")
    p.add_argument("--config", type=Path, metavar="TOML", help="instructor settings, used as --config on Gradescope")
    p.add_argument("--zip", type=Path, metavar="PATH", help="also pack the bundle into PATH, ready to upload")
    args = p.parse_args(argv)
    try:
        files = build(args.out, args.config)
        if args.zip:
            zip_bundle(args.out, files, args.zip)
    except (BundleError, settings.ConfigError, OSError) as error:
        print(f"grader.gradescope: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(files)} files to {args.out}" + (f" and {args.zip}" if args.zip else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
