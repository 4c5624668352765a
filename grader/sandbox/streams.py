"""Reading a child's two pipes on raw fds, with bounds, never blocking on either.

The channel carries the child's JSON lines; the output pipe its stdout and
stderr, kept up to a cap and never parsed. Both are read in one select loop
in the grader's own thread: a leftover process holding a pipe open can
delay a deadline, never stop the grader.
"""
from __future__ import annotations

import os
import select
import time


class Timeout(Exception):
    pass


class TooMuch(Exception):
    pass


WATCH_SECONDS = 0.25  #: how often `watch` is asked while waiting for a line


class Output:
    """The first `limit` bytes of everything the children printed; the rest is counted."""

    def __init__(self, limit: int):
        self.limit, self.data, self.dropped = limit, bytearray(), 0

    def feed(self, chunk: bytes) -> None:
        room = max(self.limit - len(self.data), 0)
        self.data += chunk[:room]
        self.dropped += max(len(chunk) - room, 0)

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output not shown]"
        return text


class Pipes:
    def __init__(self, channel_fd: int, output_fd: int, output: Output, channel_cap: int):
        self.channel_fd, self.output_fd, self.output = channel_fd, output_fd, output
        self.cap, self.total, self.buffer = channel_cap, 0, b""
        os.set_blocking(output_fd, False)

    def next_line(self, deadline: float, max_line: int, watch=lambda: None) -> bytes | None:
        """The channel's next line, None at its end; Timeout at the deadline, TooMuch past a bound.

        `watch()` is called every WATCH_SECONDS meanwhile; what it raises ends the wait.
        """
        while b"\n" not in self.buffer:
            if len(self.buffer) > max_line:
                raise TooMuch
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout
            watch()
            watched = [self.channel_fd] + ([self.output_fd] if self.output_fd >= 0 else [])
            ready, _, _ = select.select(watched, [], [], min(left, WATCH_SECONDS))
            if self.output_fd in ready:
                self._read_output()
            if self.channel_fd in ready:
                chunk = os.read(self.channel_fd, 1 << 16)
                if not chunk:
                    return None
                self.total += len(chunk)
                if self.total > self.cap:
                    raise TooMuch
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        if len(line) > max_line:
            raise TooMuch
        return line

    def drain(self) -> None:
        """What the output pipe holds now, without waiting for more."""
        for _ in range(4096):  # bounded: a writer that never stops cannot keep us here
            if self.output_fd < 0 or not self._read_output():
                return

    def _read_output(self) -> bool:
        try:
            chunk = os.read(self.output_fd, 1 << 16)
        except BlockingIOError:
            return False
        if not chunk:
            self.output_fd = -1  # closed by every writer; closed for good by the session
            return False
        self.output.feed(chunk)
        return True
