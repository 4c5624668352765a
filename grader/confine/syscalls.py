"""libc, typed, for the few system calls confinement makes (None off Linux)."""
from __future__ import annotations

import ctypes
import os
import platform
import sys

# Numbers differ by architecture; only these two are supported.
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(platform.machine(), -1)


def _load():
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    # Typed so that ctypes passes full-width unsigned longs: prctl rejects
    # PR_SET_NO_NEW_PRIVS unless its unused arguments are exactly zero.
    ulong, char_p, void_p = ctypes.c_ulong, ctypes.c_char_p, ctypes.c_void_p
    libc.unshare.argtypes = [ctypes.c_int]
    libc.mount.argtypes = [char_p, char_p, char_p, ulong, void_p]
    libc.umount2.argtypes = [char_p, ctypes.c_int]
    libc.prctl.argtypes = [ctypes.c_int, ulong, ulong, ulong, ulong]
    libc.capset.argtypes = [void_p, void_p]
    return libc


libc = _load()


def check(result: int) -> None:
    """Raise OSError for a failed call (a -1 result), with its errno."""
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
