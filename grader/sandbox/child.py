"""CHILD side: runs a submission and answers probes. Never imported by the grader.

Copied into the child's scratch folder with the wire format and the
assignment's probes, the only code of the grader the child can see; no
other grader module is on its path or within its reach. Started as
`child.py REQUEST CHANNEL_FD` by the launcher (grader/sandbox/launch.py).
It runs the submission's cells, then each requested probe, writing one JSON
line per event to the channel (a pipe of its own; stdout belongs to the
submission). A probe that raises is reported and the next one runs; a probe
that never returns is the parent's to kill.
"""
from __future__ import annotations

import ast
import json
import os
import sys
import time
import types
import warnings

CELLS: set[str] = set()  #: the "files" the submission's code was compiled as: its cells' labels


def main() -> None:
    request_path, channel_fd = sys.argv[1], int(sys.argv[2])
    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    # Gone before the submission runs: it holds every probe's arguments, from which
    # a class body could compute answers while loading, where nothing is counted.
    os.unlink(request_path)
    # Every line carries it: the submission shares this process and can write to the
    # channel, but cannot read a local of this function without code the flags name.
    token = request.pop("token")
    import refusals

    refusals.install()
    # Imported before the submission runs, so the probes hold the real
    # numpy functions even if the submission replaces them later.
    import probes
    import wire

    def send(message: dict) -> None:
        data = wire.dumps({**message, "token": token})
        view = memoryview(data)
        while view:
            view = view[os.write(channel_fd, view):]

    send({"event": "started"})
    namespace, errors = run_cells(request["chunks"], request["module_name"])
    defined = sorted(k for k in namespace if not k.startswith("__"))
    send({"event": "loaded", "errors": errors, "defined": defined})
    for probe in request["probes"]:
        start = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = probes.run(probe["kind"], namespace, probe["args"])
            message = {"event": "result", "id": probe["id"], "value": value,
                       "warnings": [f"{w.category.__name__}: {w.message}" for w in caught[:20]]}
        except BaseException as error:  # SystemExit and KeyboardInterrupt included
            message = {"event": "result", "id": probe["id"], "error": describe(error)}
        message["seconds"] = time.perf_counter() - start
        send(message)
    send({"event": "done"})
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip atexit handlers and finalizers the submission may have installed.
    os._exit(0)


def run_cells(chunks: list[dict], module_name: str) -> tuple[dict, list[dict]]:
    """Execute the chunks the grader chose (top-level statements); an error costs only its own.

    In a notebook an error also skips the rest of its cell, as Jupyter does.
    Each chunk is compiled at its own line in its cell, so tracebacks point
    at the student's lines.
    """
    module = types.ModuleType(module_name)
    module.__file__ = os.path.abspath(module_name + ".py")
    sys.modules[module_name] = module
    namespace = module.__dict__
    errors, failed_cell = [], None
    CELLS.update(chunk["cell"] for chunk in chunks)
    for index, chunk in enumerate(chunks):
        if chunk["whole"] and chunk["cell"] == failed_cell:
            continue
        try:
            tree = ast.parse(chunk["code"], filename=chunk["cell"])
            ast.increment_lineno(tree, chunk["first_line"] - 1)
            exec(compile(tree, chunk["cell"], "exec"), namespace)
        except BaseException as error:
            errors.append({"cell": chunk["cell"], "chunk": index, **describe(error)})
            failed_cell = chunk["cell"]
    return namespace, errors


def describe(error: BaseException) -> dict:
    """The error as a student needs it: type, message, and their own line that raised.

    That is the last frame in the submission's own code (numpy's and the
    probes' frames are not theirs), with its cell and the function's qualified
    name, so that the parent charges the function that raised, not its caller.
    """
    frames, tb = [], error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in CELLS:
            frames.append((code.co_filename, tb.tb_lineno, code.co_name, getattr(code, "co_qualname", code.co_name)))
        tb = tb.tb_next
    where = None
    if isinstance(error, SyntaxError) and error.lineno:
        where = {"file": error.filename or "", "line": error.lineno, "function": ""}
    elif frames:
        file, line, name, qualname = frames[-1]
        where = {"file": file, "line": line, "function": name, "qualname": qualname}
    try:
        message = str(error)[:500]
    except BaseException:
        message = "<str() of the error failed>"
    return {"type": type(error).__name__, "message": message, "where": where}


if __name__ == "__main__":
    main()
