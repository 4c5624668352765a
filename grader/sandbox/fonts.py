"""Matplotlib's font cache for children, built once by a trusted process, never by a child."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

_tried: list[bool] = []


def seed(folder: str) -> None:
    """Copy the grader's matplotlib font cache into a child's config folder.

    A fresh MPLCONFIGDIR would make every child rebuild it, about a second
    each. The cache is where matplotlib.get_cachedir() looks; on a new
    machine it is built once here.
    """
    os.makedirs(folder, exist_ok=True)
    cache = Path(os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib"))
    font_lists = _font_lists(cache)
    if not font_lists and not _tried:
        _tried.append(True)  # once per process, even if it cannot be written
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
        font_lists = _font_lists(cache)
    for font_list in font_lists:
        try:
            shutil.copy(font_list, folder)
        except OSError:
            pass  # the child builds its own


def _font_lists(cache: Path) -> list[Path]:
    try:
        return list(cache.glob("fontlist-*.json"))
    except OSError:  # a HOME of another user's (sudo, setpriv): the child builds its own
        return []
