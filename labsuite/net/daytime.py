"""Daytime over TCP (RFC 867): a server that writes the time and closes, and its client.

The client sends nothing: connecting is the request, and the server closing the
connection marks the end of the reply. The client times the exchange to tell how far
this computer's clock is from the server's. Also home of :class:`TimeQuery`, the
one-shot client shape shared with :mod:`labsuite.net.sntp`.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator, List, Optional, Set, Tuple

from ..protocols.daytime import (FORMAT_NAMES, MAX_REPLY_BYTES, WEEKDAYS, DaytimeParseError,
                                 decode_daytime, format_nist, format_rfc867, parse_daytime,
                                 printable)
from . import ports
from .core import Connection, SelectorServer
from .errors import CONNECT_ERRORS, NetError, net_error
from .events import PREVIEW_BYTES, Address, EventCallback, Kind, format_address
from .service import BackgroundQuery, Waker


class DaytimeServer(SelectorServer):
    """Writes one line with the time to each client, then closes the connection.

    Closing a socket with unread input (a telnet user pressing Enter) makes the system
    send a reset, which can destroy the reply before the client reads it; so the server
    shuts its side first and reads and drops what the client sends until it closes too
    (for two seconds at most).
    """

    source = "daytime server"
    announce_as = "daytime"
    FORMATS = ("rfc867", "nist")

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = ports.DAYTIME,
                 fmt: str = "rfc867", on_event: Optional[EventCallback] = None):
        if fmt not in self.FORMATS:
            raise ValueError(f"unknown daytime format {fmt!r}; choose one of {self.FORMATS}")
        super().__init__(host, port, on_event)
        self.fmt = fmt

    def reply_for(self, now: datetime) -> bytes:
        text = format_nist(now) if self.fmt == "nist" else format_rfc867(now)
        return text.encode("ascii")

    def on_connect(self, conn: Connection) -> None:
        conn.identify()
        conn.send(self.reply_for(datetime.now(timezone.utc)))
        conn.close("time sent", linger=True)


# -- clients ------------------------------------------------------------------------------

class TimeQuery(BackgroundQuery):
    """A one-shot time client (see :class:`BackgroundQuery`) whose waits stop() interrupts.

    Each run holds a :class:`Waker`; stop() wakes them all, so an abandoned background run
    gives up at once instead of waiting out its timeout.
    """

    source = "time client"

    def __init__(self, host: str, port: int, timeout: float,
                 on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.host = host
        self.port = int(port)
        self.timeout = float(timeout)
        self._wakers: Set[Waker] = set()
        self._wakers_lock = threading.Lock()
        self._this_run = threading.local()

    def _teardown(self) -> None:
        with self._wakers_lock:
            wakers = list(self._wakers)
        for waker in wakers:
            waker.wake()

    @contextmanager
    def _interruptible(self) -> Iterator[None]:
        """Give this run a waker for :meth:`_wait_readable`, so stop() can interrupt it."""
        waker = Waker()
        with self._wakers_lock:
            self._wakers.add(waker)
        self._this_run.waker = waker
        try:
            yield
        finally:
            self._this_run.waker = None
            with self._wakers_lock:
                self._wakers.discard(waker)
            waker.close()

    def _abandoned(self) -> bool:
        """True in a background run that stop() (or a newer start()) has given up on."""
        generation = getattr(self._worker, "generation", None)
        return generation is not None and (generation != self._generation or self.stopping)

    def _check_target(self) -> None:
        """Refuse a blank host or an impossible port before any socket is made."""
        if not self.host.strip():
            raise self._failure(NetError("No host given: type a host name or an IP address."))
        if not 0 < self.port < 65536:
            raise self._failure(NetError(
                f"Port {self.port} is not a port number: ports run from 1 to 65535."))

    def _failure(self, exc: BaseException, action: str = "connect") -> NetError:
        """Report ``exc`` (unless the run was abandoned) and return the NetError to raise."""
        return net_error(exc, host=self.host, port=self.port, action=action, timeout=self.timeout)

    def _wait_readable(self, sock: socket.socket, deadline: float) -> bool:
        """True once ``sock`` has data (or an end or error) to read; False at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining > 0 and not self._abandoned():  # (stop() may have come before our waker)
            with selectors.DefaultSelector() as selector:
                selector.register(sock, selectors.EVENT_READ)
                selector.register(self._this_run.waker, selectors.EVENT_READ)
                ready = selector.select(remaining)
            if any(key.fileobj is sock for key, _ in ready):
                return True
        if self._abandoned():
            raise NetError("The query was stopped before the answer arrived.")
        return False


class DaytimeQuery(TimeQuery):
    """Ask a daytime server for the time and compare it with this computer's clock."""

    def __init__(self, host: str, port: int = ports.DAYTIME_WELL_KNOWN, timeout: float = 10.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(host, port, timeout, on_event)

    def run(self) -> "DaytimeResult":
        self._check_target()
        deadline = time.monotonic() + self.timeout
        with self._interruptible():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            except CONNECT_ERRORS as exc:
                raise self._failure(exc) from None
            with sock:
                peer, local = sock.getpeername()[:2], sock.getsockname()[:2]
                self.emit(Kind.CONNECTED, f"Connected to {format_address(peer)} from "
                                          f"{format_address(local)}", peer=peer, local=local)
                connected_wall, connected = time.time(), time.monotonic()
                data, notes = self._read_reply(sock, peer, deadline)
                rtt = time.monotonic() - connected
        return self._result(data, notes, connected_wall, rtt)

    def _read_reply(self, sock: socket.socket, peer: Address,
                    deadline: float) -> Tuple[bytes, List[str]]:
        """Everything the server sends until it closes, within the deadline and size cap."""
        received = bytearray()
        sock.setblocking(False)
        while True:
            if not self._wait_readable(sock, deadline):
                if not received:
                    raise self._failure(NetError(
                        f"Connected to {self.host} port {self.port}, but no time arrived within "
                        f"{self.timeout:g} seconds: the server accepted the connection and sent "
                        "nothing (is it really a daytime server?)."))
                return bytes(received), [f"The server did not close the connection within "
                                         f"{self.timeout:g} seconds; what had arrived was used."]
            try:
                chunk = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError as exc:
                if not received:
                    raise self._failure(exc) from None
                return bytes(received), ["The connection was reset after the reply arrived."]
            if not chunk:
                return bytes(received), []
            received += chunk
            self.emit(Kind.READ, None, peer=peer, size=len(chunk), data=chunk[:PREVIEW_BYTES])
            if len(received) > MAX_REPLY_BYTES:
                return bytes(received), []  # decode_daytime explains why this is refused

    def _result(self, data: bytes, notes: List[str], connected_wall: float,
                rtt: float) -> "DaytimeResult":
        # The server read its clock between our connecting and its reply arriving: take
        # the middle of that interval as the moment to compare the two clocks.
        local = utc_datetime(connected_wall + rtt / 2)
        raw = data[:MAX_REPLY_BYTES].decode("utf-8", errors="replace")
        try:
            reading = parse_daytime(decode_daytime(data), utc_datetime(connected_wall + rtt))
        except DaytimeParseError as exc:
            return DaytimeResult(self.host, self.port, raw, None, None, local, None, rtt,
                                 str(exc), tuple(notes))
        offset = None
        if reading.server_utc is not None:
            # Whole seconds are cut, not rounded: the true time is half a second later on average.
            offset = (reading.server_utc - local).total_seconds() + reading.resolution / 2
        return DaytimeResult(self.host, self.port, raw, reading.format, reading.server_utc, local,
                             offset, rtt, None, tuple(notes) + reading.notes,
                             reading.server_local, reading.resolution)


@dataclass(frozen=True)
class DaytimeResult:
    """One daytime answer. ``local_utc`` is this computer's clock when the server read its
    own (the middle of the round trip); ``offset`` is server minus local, in seconds.
    ``problem`` says why no time could be read from ``raw``, which is kept for display."""

    host: str
    port: int
    raw: str
    format: Optional[str]  # "rfc867", "nist", "ctime", "iso8601", "rfc2822" or None
    server_utc: Optional[datetime]
    local_utc: datetime
    offset: Optional[float]
    rtt: float
    problem: Optional[str]
    notes: Tuple[str, ...] = ()
    server_local: Optional[datetime] = None  # when the server gave no time zone
    resolution: float = 1.0

    def headline(self) -> str:
        if self.problem:
            return f"{self.host} answered, but {lower_first(self.problem)}"
        if self.offset is None:
            return f"{self.host} says it is {self.server_local:%H:%M:%S} in its own time zone"
        return (f"{self.host} says it is {self.server_utc:%H:%M:%S} UTC; "
                f"{describe_offset(self.offset, 1)}")

    def summary_lines(self) -> List[str]:
        shown = printable(self.raw.strip()) or "(nothing)"
        if self.problem:
            return [f"{self.host} port {self.port} answered, but {lower_first(self.problem)}",
                    f"Server sent:     {shown}",
                    f"Round trip time: {_milliseconds(self.rtt)}",
                    *self.notes]
        if self.server_utc is not None:
            server = f"{format_utc(self.server_utc, 0)} UTC ({WEEKDAYS[self.server_utc.weekday()]})"
            offset = f"{describe_offset(self.offset, 1)} ({self._precision()})"
        else:
            local = self.server_local
            server = f"{local:%Y-%m-%d %H:%M:%S} ({WEEKDAYS[local.weekday()]}), its local time"
            offset = "unknown: the server did not say which time zone its time is in"
        return [f"Server's time:   {server}",
                f"This computer:   {format_utc(self.local_utc, 1)} UTC",
                f"Offset:          {offset}",
                f"Round trip time: {_milliseconds(self.rtt)} "
                "(from connecting until the reply ended)",
                f"Format:          {FORMAT_NAMES.get(self.format, self.format)}",
                f"Server sent:     {shown}",
                *self.notes]

    def _precision(self) -> str:
        if self.resolution == 1:
            return "daytime sends whole seconds, so this is only good to about ±0.5 s"
        if self.resolution > 1:
            return (f"the server gives its time to {self.resolution:g} s, so this is only good "
                    f"to about ±{self.resolution / 2:g} s")
        return "as good as the round trip time allows"


# -- wording shared by the time clients ------------------------------------------------------

def describe_offset(offset: float, decimals: int) -> str:
    """"this computer is 0.3 s behind the server" for a positive (server minus local) offset."""
    amount = abs(offset)
    if round(amount, decimals) == 0:
        return "this computer's clock agrees with the server's"
    side = "behind" if offset > 0 else "ahead of"
    return f"this computer is {amount:.{decimals}f} s {side} the server"


def format_utc(moment: datetime, decimals: int) -> str:
    """``2026-02-11 21:30:43.25`` with ``decimals`` digits of the second."""
    text = f"{moment:%Y-%m-%d %H:%M:%S}"
    if decimals:  # cut, not rounded, so .96 never shows as a wrong ".0"
        text += "." + f"{moment.microsecond:06d}"[:decimals]
    return text


def utc_datetime(unix: float) -> datetime:
    """Unix seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(unix, timezone.utc)


def _milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def lower_first(sentence: str) -> str:
    """A sentence made fit to follow "answered, but"."""
    return sentence[:1].lower() + sentence[1:]
