"""The connections a check opens to the server under test, recording every byte.

Everything here is bounded: a connection attempt, a send and a wait each end by a
deadline, and every wait wakes at least every :data:`SLICE` seconds to notice that the
run was stopped. Nothing is ever sent anywhere but the target's own address.
"""

from __future__ import annotations

import errno
import ipaddress
import itertools
import os
import selectors
import socket
import struct
import sys
import threading
import time
from typing import Callable, Iterable, Iterator, List, Optional, Sequence

from labsuite.net.errors import CONNECT_ERRORS, explain
from labsuite.net.events import format_address
from labsuite.protocols.check.model import CHECKER, SERVER, TranscriptLog

#: The longest one wait blocks before it looks whether the run was stopped.
SLICE = 0.1
RECV_SIZE = 65536
SEND_SIZE = 65536
#: The most one connection keeps of what the server sends (a server may send for ever).
MAX_RECEIVED = 4 * 1024 * 1024
#: The most a clean close reads of what is still arriving before it closes anyway.
DRAIN_LIMIT = 1024 * 1024


class Cancelled(Exception):
    """The run was stopped: abandon the check."""


class ServerGone(Exception):
    """The server could not be reached (or no longer): the checks after this one are skipped.

    A connection attempt raises it with ``specific=False`` (the runner says after which
    check the server went away); a check that knows what killed the server says so itself.
    """

    def __init__(self, explanation: str, hint: str = "", specific: bool = True, reason: str = ""):
        super().__init__(explanation)
        self.explanation = explanation
        self.hint = hint
        self.specific = specific
        self.reason = reason or explanation  # a few words: "connections are refused"


class Abandon(Exception):
    """End the check at once with this verdict (e.g. skipped: the room could not be set up)."""

    def __init__(self, verdict):
        super().__init__(verdict.explanation)
        self.verdict = verdict


class Target:
    """HOST PORT, resolved once; the first address that accepts is used from then on."""

    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self._addresses: Optional[List[tuple]] = None
        self._working: Optional[tuple] = None
        self._lock = threading.Lock()

    @property
    def text(self) -> str:
        return format_address((self.host, self.port))

    def addresses(self) -> List[tuple]:
        """(family, sockaddr) pairs; raises ServerGone when the name cannot be looked up."""
        with self._lock:
            if self._working is not None:
                return [self._working]
            if self._addresses is None:
                try:
                    found = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
                except CONNECT_ERRORS as exc:
                    raise ServerGone(explain(exc, self.host, self.port),
                                     "Check the host name: for a server on this computer use "
                                     "127.0.0.1.") from None
                self._addresses = [(family, sockaddr) for family, _, _, _, sockaddr in found]
            return list(self._addresses)

    def remember(self, address: tuple) -> None:
        with self._lock:
            self._working = address

    def on_this_computer(self) -> bool:
        """True when the server runs here (loopback or one of this computer's addresses)."""
        try:
            addresses = self.addresses()
        except ServerGone:
            return False
        from labsuite.net.addresses import interface_addresses

        own = None
        for _family, sockaddr in addresses:
            ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            if ip.is_loopback or ip.is_unspecified:
                return True
            if own is None:
                own = {_plain_ip(entry.address) for entry in interface_addresses()}
            if ip in own:
                return True
        return False


def _plain_ip(text: str):
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


class CheckContext:
    """What one check works with: the target, its time limit, its transcript, its probes."""

    def __init__(self, target: Target, timeout: float, cancelled: threading.Event,
                 token: str = "", local: Optional[bool] = None,
                 numbers: Optional[Iterator[int]] = None):
        """``token`` and ``numbers`` (shared by the checks of one run) make chat names
        that no other run and no other check uses."""
        self.target = target
        self.timeout = timeout
        self.token = token
        self.local = local
        self._numbers = numbers if numbers is not None else itertools.count(1)
        self._cancelled = cancelled
        self.transcript = TranscriptLog()
        self.started = time.monotonic()
        self.last_heard = self.started  # when the server last sent anything, on any connection
        self._probes: List[Probe] = []

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def note(self, text: str, connection: Optional[str] = None) -> None:
        self.transcript.note(text, self.elapsed(), connection)

    def check_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise Cancelled()

    def pause(self, seconds: float) -> None:
        """Wait a moment on purpose (pieces, pauses); returns early only when stopped."""
        if self._cancelled.wait(seconds):
            raise Cancelled()

    def settle(self, seconds: float) -> None:
        """Let ``seconds`` pass since the server last sent something (see chat's SETTLE)."""
        self.pause(max(0.0, self.last_heard + seconds - time.monotonic()))

    def deadline(self, seconds: Optional[float] = None) -> float:
        return time.monotonic() + (self.timeout if seconds is None else seconds)

    def connect(self, label: Optional[str] = None, record: bool = True,
                timeout: Optional[float] = None, limit: int = MAX_RECEIVED) -> "Probe":
        probe = Probe(self, label, record, limit)
        self._probes.append(probe)
        probe.connect(timeout)
        return probe

    def unique_name(self, first: str) -> str:
        """A chat name no other run can hold: ``ann-3f9a1c-2``."""
        return f"{first}-{self.token}-{next(self._numbers)}"

    def on_this_computer(self) -> bool:
        if self.local is None:
            self.local = self.target.on_this_computer()
        return self.local

    def close_all(self) -> None:
        """Close whatever a check left open (it ended early: stopped, or the server went)."""
        for probe in self._probes:
            probe.close()

    def entries(self):
        """The check's transcript."""
        return self.transcript.entries()


class Probe:
    """One connection: bytes sent and received, recorded in the check's transcript."""

    def __init__(self, ctx: CheckContext, label: Optional[str] = None, record: bool = True,
                 limit: int = MAX_RECEIVED):
        self.ctx = ctx
        self.label = label
        self.record = record
        self.limit = limit
        self.sock: Optional[socket.socket] = None
        self.received = bytearray()
        self.eof = False  # the server closed its side
        self.broken: Optional[str] = None  # how the connection failed: "the server reset ..."
        self.on_data: Optional[Callable[[bytes], None]] = None

    # -- connecting -------------------------------------------------------------------------
    def connect(self, timeout: Optional[float] = None) -> "Probe":
        """Connect to the first of the target's addresses that accepts; ServerGone if none."""
        target = self.ctx.target
        last_error: Optional[BaseException] = None
        for family, sockaddr in target.addresses():
            try:
                self.sock = open_connection(self.ctx, family, sockaddr, self.ctx.deadline(timeout))
            except OSError as exc:  # TimeoutError included
                last_error = exc
            else:
                target.remember((family, sockaddr))
                if self.record:
                    self.ctx.note(f"connected to {format_address(sockaddr[:2])}", self.label)
                return self
            why = explain(last_error, sockaddr[0], target.port, timeout=self.ctx.timeout)
            self.ctx.note(f"connecting to {format_address(sockaddr[:2])} failed: {why}", self.label)
        raise ServerGone(explain(last_error, target.host, target.port, timeout=self.ctx.timeout),
                         "Start your server first, and check the host and the port it listens "
                         "on (a server should print its port when it starts).", specific=False,
                         reason=refusal(last_error, timeout or self.ctx.timeout))

    # -- state ------------------------------------------------------------------------------
    @property
    def readable(self) -> bool:
        return self.sock is not None and not self.eof and self.broken is None

    @property
    def closed(self) -> bool:
        """The connection ended from the server's side (closed or reset)."""
        return self.eof or self.broken is not None

    def _record(self, side: str, data: bytes, merge: bool, joinable: Optional[bool] = None) -> None:
        if self.record:
            self.ctx.transcript.add(side, data, self.ctx.elapsed(), self.label, merge, joinable)

    @property
    def ending(self) -> Optional[str]:
        """How the connection ended from the server's side, in a few words (None: open)."""
        if self.broken is not None:
            return self.broken
        return "the server closed the connection" if self.eof else None

    def _broke(self, exc: OSError) -> None:
        if self.broken is None:
            self.broken = _ended(exc)
            if self.record and not self.eof:  # after the close, a reset says nothing new
                self.ctx.note(self.broken, self.label)

    # -- reading and writing -----------------------------------------------------------------
    def receive_available(self, merge: bool = False) -> int:
        """Read what has arrived (the socket is readable); 0 at the end of the stream."""
        try:
            data = self.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return -1
        except OSError as exc:
            self._broke(exc)
            return 0
        if not data:
            self.eof = True
            if self.record:
                self.ctx.note("the server closed the connection", self.label)
            return 0
        self.received += data
        self.ctx.last_heard = time.monotonic()
        self._record(SERVER, data, merge)
        if self.on_data is not None:
            self.on_data(data)
        if len(self.received) > self.limit:
            self.broken = f"the server sent more than {self.limit:,} bytes"
            self.ctx.note(f"stopped reading: {self.broken}", self.label)
        return len(data)

    def send(self, data: bytes, merge: bool = False, timeout: Optional[float] = None) -> bool:
        """Send all of ``data``, reading whatever arrives meanwhile (so a server that echoes
        while we send never deadlocks). False if the connection broke or time ran out."""
        if self.sock is None or self.broken is not None:
            return False
        view = memoryview(data)
        deadline = self.ctx.deadline(timeout)
        first = True
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
            while view:
                self.ctx.check_cancelled()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if self.record:
                        self.ctx.note(f"gave up sending: the server took no more data for "
                                      f"{self.ctx.timeout:g} s ({len(view):,} bytes unsent)",
                                      self.label)
                    return False
                if self.eof:
                    selector.modify(self.sock, selectors.EVENT_WRITE)
                for _key, mask in selector.select(min(SLICE, remaining)):
                    if mask & selectors.EVENT_READ and not self.eof:
                        self.receive_available(merge)
                        if self.broken:
                            return False
                    if mask & selectors.EVENT_WRITE:
                        try:
                            sent = self.sock.send(view[:SEND_SIZE])
                        except (BlockingIOError, InterruptedError):
                            continue
                        except OSError as exc:
                            self._broke(exc)
                            return False
                        self._record(CHECKER, bytes(view[:sent]), merge or not first, joinable=True)
                        first = False
                        view = view[sent:]
        return True

    def send_pieces(self, pieces: Sequence[bytes], pause: float) -> bool:
        """Send each piece on its own, pausing after each but the last."""
        for number, piece in enumerate(pieces):
            if not self.send(piece):
                return False
            if number < len(pieces) - 1:
                self.ctx.pause(pause)
        return True

    def read_until(self, done: Optional[Callable[[], bool]] = None,
                   timeout: Optional[float] = None, merge: bool = False) -> bool:
        """Read until ``done()`` (or, without one, the end of the stream) or the deadline."""
        return wait_for([self], done or (lambda: self.closed), timeout, merge)

    def exchange(self, data: bytes, expected: int, timeout: Optional[float] = None,
                 merge: bool = True) -> bool:
        """Send ``data`` while reading, then read until ``expected`` bytes came back."""
        self.send(data, merge=merge, timeout=timeout)
        return self.read_until(lambda: len(self.received) >= expected, timeout, merge)

    # -- ending -------------------------------------------------------------------------------
    def close(self) -> None:
        """End cleanly: say we are done sending, take what already arrived, then close.

        Closing with unread data makes the system send a reset instead of a normal close,
        which a server would see as a crash of its client; this avoids that.
        """
        if self.sock is None:
            return
        sock, self.sock = self.sock, None
        try:
            if self.broken is None:
                sock.shutdown(socket.SHUT_WR)
                drained = 0
                while drained < DRAIN_LIMIT:  # only what has arrived: the socket does not block
                    data = sock.recv(RECV_SIZE)
                    if not data:
                        break
                    drained += len(data)
        except OSError:
            pass
        finally:
            sock.close()

    def reset(self) -> None:
        """Close abruptly: the server receives a reset (RST), as when a client crashes."""
        if self.sock is None:
            return
        sock, self.sock = self.sock, None
        try:  # linger on, for 0 seconds: close() discards everything and sends a reset
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(_LINGER, 1, 0))
        except OSError:
            pass
        sock.close()
        if self.record:
            self.ctx.note("the checker reset the connection (as a crashing client does)",
                          self.label)


def open_connection(ctx: CheckContext, family: int, sockaddr: tuple,
                    deadline: float) -> socket.socket:
    """A connected non-blocking socket; OSError (TimeoutError at the deadline) if not."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        code = sock.connect_ex(sockaddr)
        if code not in _IN_PROGRESS:
            raise OSError(code, _strerror(code))
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_WRITE)
            while not selector.select(min(SLICE, max(0.0, deadline - time.monotonic()))):
                ctx.check_cancelled()
                if time.monotonic() >= deadline:
                    raise TimeoutError("the connection was not accepted in time")
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise OSError(code, _strerror(code))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    except BaseException:
        sock.close()
        raise


_LINGER = "HH" if sys.platform == "win32" else "ii"  # struct linger's fields
_IN_PROGRESS = frozenset({0, errno.EINPROGRESS, errno.EWOULDBLOCK,
                          getattr(errno, "WSAEWOULDBLOCK", errno.EWOULDBLOCK)})


def wait_for(probes: Iterable[Probe], done: Callable[[], bool], timeout: Optional[float] = None,
             merge: bool = False) -> bool:
    """Read from every probe until ``done()`` is true, all have ended, or time runs out;
    returns ``done()``."""
    probes = [probe for probe in probes if probe.sock is not None]
    if not probes:
        return done()
    ctx = probes[0].ctx
    deadline = ctx.deadline(timeout)
    with selectors.DefaultSelector() as selector:
        for probe in probes:
            if probe.readable:
                selector.register(probe.sock, selectors.EVENT_READ, probe)
        while not done():
            ctx.check_cancelled()
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.get_map():
                return done()
            for key, _mask in selector.select(min(SLICE, remaining)):
                probe = key.data
                probe.receive_available(merge)
                if not probe.readable:
                    selector.unregister(key.fileobj)
    return True


def refusal(exc: Optional[BaseException], timeout: float) -> str:
    """Why a connection attempt failed, in a few words."""
    if isinstance(exc, TimeoutError):
        return f"connections are not accepted within {timeout:g} s"
    if getattr(exc, "errno", None) == errno.ECONNREFUSED:
        return "connections are refused"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _ended(exc: OSError) -> str:
    if getattr(exc, "errno", None) in (errno.ECONNRESET, errno.ECONNABORTED):
        return "the server reset the connection"
    if getattr(exc, "errno", None) == errno.EPIPE:
        return "the connection was already closed by the server"
    return f"the connection failed: {exc.strerror or exc}"


def _strerror(code: int) -> str:
    try:
        return os.strerror(code)
    except ValueError:
        return f"error {code}"
