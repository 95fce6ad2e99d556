"""Plain event objects that every service hands to its callback.

The steps mirror the course's server log ("Opened server socket", "Bound server socket to
port", "Listening", "Accepted connection", "Read from client", "Wrote to client"), so the
window and the command line can show students exactly what their own programs do.
Events are never changed once emitted and carry no sockets, so they can cross threads through a queue.
"""

from __future__ import annotations

import enum
import re
from time import time as _now
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


class Event:
    """One thing that happened in a service; treat it as read-only.

    ``text`` is the plain-language line shown to the student; the other fields let the
    window update tables (clients, byte counts) without parsing text. Servers build one
    for every read and write, so a READ or WROTE event may be created without text: it is
    then written from the other fields the first time someone shows it ("Read 16 bytes
    from 127.0.0.1:50252: Hello"). ``where`` names the other side when its address alone
    would not ("... over UDP"); ``hidden`` says the bytes are private and not kept.
    """

    __slots__ = ("kind", "source", "_text", "peer", "local", "conn", "size", "data", "result",
                 "time", "where", "hidden")

    def __init__(self, kind: Kind, source: str, text: Optional[str] = None,
                 peer: Optional[Address] = None, local: Optional[Address] = None,
                 conn: Optional[int] = None, size: int = 0, data: bytes = b"",
                 result: Any = None, time: Optional[float] = None, where: str = "",
                 hidden: bool = False):
        self.kind = kind
        self.source = source
        self._text = text
        self.peer = peer
        self.local = local
        self.conn = conn
        self.size = size
        self.data = data
        self.result = result
        self.time = _now() if time is None else time
        self.where = where
        self.hidden = hidden

    @property
    def text(self) -> str:
        if self._text is None:
            where = self.where or format_address(self.peer)
            shown = PRIVATE_NOTE if self.hidden else preview(self.data)
            self._text = transfer_text(self.kind, self.size, where, shown)
        return self._text

    def __str__(self) -> str:
        return f"[{self.source}] {self.text}"

    def __repr__(self) -> str:
        return f"Event({self.kind.name}, {self.source!r}, {self.text!r})"


#: What a log shows instead of private bytes.
PRIVATE_NOTE = "(private: not shown)"


def transfer_text(kind: Kind, size: int, where: str, shown: Optional[str] = None) -> str:
    """"Read 16 bytes from 127.0.0.1:50252: Hello, COS 333." and its "Wrote" twin, the
    one wording every server and client logs its transfers in (``shown`` None: binary
    data, nothing to preview)."""
    verb, direction = ("Read", "from") if kind is Kind.READ else ("Wrote", "to")
    text = f"{verb} {count_bytes(size)} {direction} {where}"
    return text if shown is None else f"{text}: {shown}"


def count_bytes(size: int) -> str:
    """"1 byte", "16 bytes", "1,234 bytes"."""
    return "1 byte" if size == 1 else f"{size:,} bytes"


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
