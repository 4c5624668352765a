"""The batch's grading processes: started one per student, stopped together on Ctrl-C or SIGTERM."""
from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from typing import Mapping

STOP_GRACE_SECONDS = 5


class Children:
    """The grading processes now running, so an interrupt can stop them all and start no more."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self.stopped = False

    def start(self, command: list[str], env: Mapping[str, str]) -> subprocess.Popen | None:
        with self._lock:
            if self.stopped:
                return None
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       errors="replace", env=dict(env), stdin=subprocess.DEVNULL)
            self._running.add(process)
            return process

    def finished(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._running.discard(process)

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            running = list(self._running)
        interrupt(running)


def interrupt(processes: list[subprocess.Popen]) -> None:
    """SIGINT first, so each grader cleans up its own sandbox children; SIGKILL for stragglers.

    A grader killed outright would leave its sandbox child (a session of its
    own) running until that child's own limits end it.
    """
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def terminate_like_ctrl_c():
    """`kill PID` (SIGTERM) stops the graders cleanly too, instead of orphaning their sandboxes."""
    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (in-process tests may call from elsewhere)
        return
    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
