"""How the grader's commands end: exit statuses, and the error that means "you asked for something wrong"."""
from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    BELOW_THRESHOLD = 1
    USAGE = 2
    INTERNAL_ERROR = 3
    INTERRUPTED = 130  #: Ctrl-C or SIGTERM, as a shell reports it


class UsageError(Exception):
    """A usage error (exit 2): the message says what to change."""
