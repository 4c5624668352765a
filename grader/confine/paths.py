"""The files a child's Python needs to read, and nothing else: the whitelist.

The same list serves both mechanisms: bind mounts into an empty root where
namespaces are allowed, Landlock rules where they are not. A folder that
holds something excluded (the grader installed beside numpy, say) is
listed entry by entry instead, without it.
"""
from __future__ import annotations

import os
import sys
import sysconfig

# System libraries, fonts, the dynamic loader's cache: what numpy, matplotlib
# and the interpreter itself open. Paths that do not exist are skipped.
SYSTEM = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
          "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
          "/etc/fonts", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf")


def readable(exclude: list[str], listed: list[str] | None = None) -> list[str]:
    """Real, absolute paths the child may read, none of them inside or equal to one in `exclude`.

    `listed`, if given, receives the folders listed entry by entry instead
    (site-packages around an installed grader): the child must still be able
    to list them, or the import system finds nothing in them.
    """
    wanted = set(SYSTEM) | _interpreter_chain() | {sys.prefix, sys.exec_prefix, sys.base_prefix,
                                                  sys.base_exec_prefix}
    wanted.update(sysconfig.get_path(name) or "" for name in ("stdlib", "platstdlib", "purelib", "platlib"))
    wanted.update(p for p in sys.path if p.endswith("-packages"))
    excluded = [os.path.realpath(p) for p in exclude]
    out: list[str] = []
    for path in _outermost(os.path.realpath(p) for p in wanted if p and os.path.exists(p)):
        out.extend(_without(path, excluded, listed if listed is not None else []))
    return out


def links() -> list[tuple[str, str]]:
    """System paths that are symlinks ((path, target)): the whitelist tree recreates them.

    Merged-/usr systems reach the dynamic loader as /lib64/ld-linux*.so, a link into /usr.
    """
    return [(p, os.readlink(p)) for p in SYSTEM if os.path.islink(p)]


def grader_paths() -> list[str]:
    """What a child must never read: the grader package and, run from a checkout, the whole checkout.

    A virtual environment inside the checkout (`.venv`, as the README
    installs it) is the interpreter, not the grader: it stays out of this
    list, and every other entry of the checkout is in it.
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parent = os.path.dirname(package)
    if os.path.basename(parent) in ("site-packages", "dist-packages"):
        return [package] + [os.path.join(parent, name) for name in os.listdir(parent)
                            if name.startswith(("backprop_grader", "__editable__.backprop_grader"))]
    # a checkout: reference/, tests/, course files beside the package
    keep = [os.path.realpath(p) for p in _interpreter_chain() | {sys.prefix, sys.exec_prefix}]
    return _around(os.path.realpath(parent), keep)


def _around(folder: str, keep: list[str]) -> list[str]:
    """`folder`, or where it holds something in `keep`, each of its entries but that one."""
    if not any(_within(k, folder) and k != folder for k in keep):
        return [folder]
    out = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not any(_within(path, k) for k in keep):
            out.extend(_around(path, keep))
    return out


def _without(path: str, excluded: list[str], listed: list[str]) -> list[str]:
    if any(_within(path, e) for e in excluded):
        return []
    if not any(_within(e, path) for e in excluded):
        return [path]
    listed.append(path)
    out = []
    for name in sorted(os.listdir(path)):
        out.extend(_without(os.path.join(path, name), excluded, listed))
    return out


def _interpreter_chain() -> set[str]:
    """The interpreter with every symlink on the way (a venv's bin/python points into the base install)."""
    found, link = set(), os.path.abspath(sys.executable)
    for _ in range(40):  # the kernel follows at most 40 links
        found.add(os.path.dirname(link) if os.path.islink(link) else link)
        if not os.path.islink(link):
            break
        link = os.path.join(os.path.dirname(link), os.readlink(link))
    found.add(os.path.realpath(sys.executable))
    return found


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _outermost(paths) -> list[str]:
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(_within(path, k) for k in kept):
            kept.append(path)
    return kept
