"""Placeholder until the Landlock module lands."""


def abi() -> int:
    return 0


def restrict(read_only, read_write) -> int:
    raise OSError("Landlock is not available")
