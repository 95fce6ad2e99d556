"""The reference servers a student's client is checked against: correct, but tricky.

A client that works against a server on the same computer in one quiet exchange may still
be wrong: TCP is a stream, so a real network delivers a reply in pieces, or several lines
in one piece. These servers are labsuite's own (daytime in the NIST format that
time.nist.gov speaks, echo, chat) on the one server core, with their output shaped on
purpose: :class:`Pacing` says how. They also keep a transcript of what each client sent
and what it was sent, for the checks to judge and to show.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from ..chat import ChatServer
from ..core import Connection
from ..daytime import DaytimeServer
from ..echo import EchoServer
from ..events import format_address

__all__ = ["Pacing", "PLAIN", "PIECES", "MERGED", "ReferenceDaytime", "ReferenceEcho",
           "ReferenceChat", "Exchange", "CLIENT", "SERVER", "OPENED", "CLOSED"]


@dataclass(frozen=True)
class Pacing:
    """How a reference server sends: ``piece`` bytes at a time with ``pause`` seconds
    between (0: all at once), or everything that gathers within ``merge`` seconds in one
    piece (several lines in one segment)."""

    piece: int = 0
    pause: float = 0.0
    merge: float = 0.0


PLAIN = Pacing()
#: A few bytes at a time, as a slow or distant network may deliver them.
PIECES = Pacing(piece=4, pause=0.03)
#: Lines held back a moment and sent together, as a busy network merges them.
MERGED = Pacing(merge=0.1)


#: What an :class:`Exchange` records: bytes from a client or to it, or a connection
#: that opened (``note``: the client's address) or closed (``note``: why).
CLIENT, SERVER, OPENED, CLOSED = "client", "server", "opened", "closed"


@dataclass(frozen=True)
class Exchange:
    """One piece of a conversation (``sender`` CLIENT or SERVER, with the bytes exactly as
    they were handed to the network, piece by piece) or a connection's start or end."""

    conn: int
    sender: str
    data: bytes
    at: float  # seconds since the server started
    note: str = ""


class Paced(Connection):
    """A connection whose output is shaped by its server's :class:`Pacing`."""

    __slots__ = ("held", "timer", "closing_later")

    def __init__(self, *args):
        super().__init__(*args)
        self.held = bytearray()
        self.timer = None
        self.closing_later: Optional[Tuple[str, bool]] = None

    def send(self, data: bytes) -> None:
        pacing = self.server.pacing
        if self.closed or not data:
            return
        if pacing == PLAIN:
            self.server.record(self, SERVER, data)
            return super().send(data)
        self.held += data
        if self.timer is None:
            self.timer = self.server.call_later(pacing.merge or pacing.pause, self._release)

    def close(self, reason: str = "", flush: bool = True, linger: bool = False) -> None:
        if flush and self.held and not self.closed:
            self.closing_later = (reason, linger)  # after the last piece
            return
        super().close(reason, flush, linger)

    def _release(self) -> None:
        self.timer = None
        if self.closed:
            return
        pacing = self.server.pacing
        size = len(self.held) if pacing.merge or not pacing.piece else pacing.piece
        chunk = bytes(self.held[:size])
        del self.held[:size]
        self.server.record(self, SERVER, chunk)
        super().send(chunk)
        if self.held:
            self.timer = self.server.call_later(pacing.pause, self._release)
        elif self.closing_later is not None:
            reason, linger = self.closing_later
            super().close(reason, flush=True, linger=linger)


class _Recording:
    """Mixed into a reference server: pacing, and the transcript of every exchange.

    ``on_record``, when set, is called with each new :class:`Exchange` (on the server's
    loop thread), so a checker can wait for what it expects instead of polling.
    """

    connection_class = Paced
    announce_as = None  # a checker's server is for this computer only
    #: Keyword arguments for the server underneath (daytime's format).
    server_options: Dict[str, object] = {}

    def __init__(self, host: str = "127.0.0.1", port: int = 0, pacing: Pacing = PLAIN,
                 on_event=None):
        super().__init__(host, port, on_event=on_event, **self.server_options)
        self.pacing = pacing
        self._transcript: List[Exchange] = []
        self._lock = threading.Lock()
        #: When the transcript's clock started (time.monotonic()).
        self.began = time.monotonic()
        self.on_record: Optional[Callable[[Exchange], None]] = None

    def record(self, conn: Connection, sender: str, data: bytes, note: str = "") -> None:
        exchange = Exchange(conn.id, sender, bytes(data), time.monotonic() - self.began, note)
        with self._lock:
            self._transcript.append(exchange)
        listener = self.on_record
        if listener is not None:
            listener(exchange)

    def transcript(self) -> List[Exchange]:
        """Everything said so far, in order (safe from any thread)."""
        with self._lock:
            return list(self._transcript)

    def sent_by_clients(self) -> bytes:
        return b"".join(e.data for e in self.transcript() if e.sender == CLIENT)

    def on_connect(self, conn: Connection) -> None:
        self.record(conn, OPENED, b"", format_address(conn.peer))
        super().on_connect(conn)

    def on_data(self, conn: Connection, data: bytes) -> None:
        self.record(conn, CLIENT, data)
        super().on_data(conn, data)

    def on_close(self, conn: Connection, reason: str) -> None:
        self.record(conn, CLOSED, b"", reason)
        super().on_close(conn, reason)


class ReferenceDaytime(_Recording, DaytimeServer):
    """Daytime in the NIST format (what time.nist.gov sends and the course's client reads)."""

    source = "reference daytime server"
    server_options = {"fmt": "nist"}


class ReferenceEcho(_Recording, EchoServer):
    """The non-blocking echo server; with pacing, each echo comes back in pieces."""

    source = "reference echo server"


class ReferenceChat(_Recording, ChatServer):
    """The chat server of the course's protocol; with pacing, lines come split or merged."""

    source = "reference chat server"
