"""Placeholder until the seccomp module lands."""


def install() -> bool:
    return False
