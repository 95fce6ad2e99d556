"""Frame a byte stream into lines, whatever the recv() boundaries were.

TCP delivers a stream, not messages: one recv() may hold half a line or three. The framer
keeps the unfinished tail between calls, accepts "\\n" and "\\r\\n", and bounds memory: a
line longer than ``max_line`` is reported once as :class:`Overlong` and the rest of it is
skipped up to the next newline. Sans-IO: no sockets and no clocks (the caller decides
when an unfinished line has waited long enough and calls :meth:`LineFramer.flush`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Union


@dataclass(frozen=True)
class Overlong:
    """A line that exceeded the limit; ``size`` is how many bytes were seen of it so far."""

    size: int


Frame = Union[bytes, Overlong]


class LineFramer:
    def __init__(self, max_line: int = 4096):
        self.max_line = max_line
        self._buffer = bytearray()
        self._skipping = False  # inside an overlong line, waiting for its newline
        self._skipped = 0

    @property
    def pending(self) -> int:
        """Bytes of an unfinished line held back (0 while skipping an overlong one)."""
        return len(self._buffer)

    def peek(self) -> bytes:
        """The unfinished line held back so far (without consuming it)."""
        return bytes(self._buffer)

    def feed(self, data: bytes) -> List[Frame]:
        """Add bytes; return every line they complete, without the line ending."""
        frames: List[Frame] = []
        start = 0
        while start < len(data):
            newline = data.find(b"\n", start)
            end = len(data) if newline < 0 else newline
            chunk = data[start:end]
            if self._skipping:
                self._skipped += len(chunk)
            else:
                self._buffer += chunk
                if len(self._buffer) > self.max_line + (1 if self._buffer.endswith(b"\r") else 0):
                    self._skipping, self._skipped = True, len(self._buffer)
                    self._buffer.clear()
                    frames.append(Overlong(self._skipped))
            if newline < 0:
                break
            if self._skipping:
                self._skipping, self._skipped = False, 0
            else:
                frames.append(self._take())
            start = newline + 1
        return frames

    def flush(self) -> List[Frame]:
        """Treat the unfinished line as complete (the peer went quiet, or closed)."""
        if self._skipping:
            self._skipping, self._skipped = False, 0
            return []
        if not self._buffer:
            return []
        return [self._take()]

    def _take(self) -> bytes:
        line = bytes(self._buffer)
        self._buffer.clear()
        return line[:-1] if line.endswith(b"\r") else line
