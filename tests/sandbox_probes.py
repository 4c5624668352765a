"""A tiny probe module for the sandbox tests (runs in the child)."""
import os
import time


def run(kind, namespace, args):
    if kind == "echo":
        return namespace["VALUE"]
    if kind == "hang":
        while True:
            time.sleep(0.1)
    if kind == "die":
        os._exit(0)
    if kind == "call_broken":
        return namespace["broken"]()
    raise ValueError(kind)
