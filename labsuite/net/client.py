"""The one client connection every labsuite client is built on (echo, chat, console).

``start()`` connects on the caller's thread (a plain NetError if it cannot), then a reader
thread reports what arrives and a writer thread sends what :meth:`StreamClient.send_bytes`
queued. Sending never blocks the caller, so a window can send from its own thread even to
a server that has stopped reading: the queue is bounded, and once it is full a send is
refused with a plain sentence instead of waiting.

The socket is non-blocking and both threads report under one lock, the writer piece by
piece as the kernel takes it, so the log shows every write before the reply it caused and
a big send never stops replies from being read.
"""

from __future__ import annotations

import errno
import select
import selectors
import socket
import threading
import time
from collections import deque
from typing import Deque, Optional, Tuple

from .errors import CONNECT_ERRORS, NetError, explain, net_error
from .events import PREVIEW_BYTES, Address, Event, EventCallback, Kind, count_bytes, format_address
from .service import Service, Waker

#: The most one recv() asks for (and so the largest READ event).
CHUNK = 65536
_REFUSED = (errno.ECONNREFUSED, errno.ECONNRESET)  # Windows reports ICMP refusals as resets


class StreamClient(Service):
    """One connection to a server; subclasses are the protocol (see the ``on_*`` hooks)."""

    source = "client"
    #: A connected UDP socket instead of TCP: each send is one datagram.
    udp = False
    #: Bytes waiting to be sent before send_bytes() refuses more.
    max_queued = 4 * 1024 * 1024

    def __init__(self, host: str, port: int, timeout: float = 10.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.host, self.port, self.timeout = host, int(port), float(timeout)
        self.peer: Optional[Address] = None
        self.local: Optional[Address] = None
        self.ended: Optional[str] = None  # why the other side ended the connection
        self._sock: Optional[socket.socket] = None
        self._waker: Optional[Waker] = None
        self._order = threading.Lock()  # held to send-and-report and to report a read
        self._queue: Deque[Tuple[bytes, object]] = deque()
        self._queued = 0
        self._queue_changed = threading.Condition()

    # -- the hooks (called on the client's threads) -----------------------------------
    def on_connected(self) -> None:
        """Connected (already logged); e.g. send a greeting."""

    def on_received(self, data: bytes) -> None:
        """Bytes (or one datagram) from the server; by default logged as READ."""
        self.log_transfer(Kind.READ, data)

    def on_writing(self, data: bytes, item) -> None:
        """The writer is about to send the first byte of a queued item."""

    def on_sent(self, data: bytes, item, at: float) -> None:
        """Part or all of an item went out (the send began at ``at``, wall-clock seconds);
        by default logged as WROTE."""
        self.log_transfer(Kind.WROTE, data, at=at)

    def on_ended(self, why: str) -> None:
        """The server ended the connection (not stop()); by default logged as CLOSED."""
        self.emit(Kind.CLOSED, why, peer=self.peer)

    def on_refused(self) -> None:
        """UDP: a datagram was refused (nothing listens); the socket stays usable."""

    # -- sending ----------------------------------------------------------------------
    def send_bytes(self, data: bytes, item: object = None) -> None:
        """Queue ``data`` to be sent in order (``item`` comes back in the hooks); raises a
        NetError when not connected or when too much is already waiting."""
        data = bytes(data)
        with self._queue_changed:
            if self._sock is None or self.stopping or self.ended is not None:
                raise NetError(f"{self.ended}: connect again to send." if self.ended else
                               "The connection was closed: connect again to send."
                               if self.peer else "Not connected: connect first.")
            if self._queued and self._queued + len(data) > self.max_queued:
                raise NetError(f"The server is not reading: {count_bytes(self._queued)} are "
                               "still waiting to be sent, so this was not sent.")
            self._queue.append((data, item))
            self._queued += len(data)
            self._queue_changed.notify_all()

    @property
    def queued(self) -> int:
        """Bytes waiting to be sent."""
        return self._queued

    def drain(self, timeout: float) -> bool:
        """Wait (``timeout`` at most) until everything queued has been sent."""
        with self._queue_changed:
            return self._queue_changed.wait_for(
                lambda: not self._queued or self._sock is None or self.ended is not None,
                timeout) and not self._queued

    # -- lifecycle --------------------------------------------------------------------
    def _setup(self) -> None:
        self.ended = None
        self._queue.clear()
        self._queued = 0
        sock = self._connect()
        sock.setblocking(False)
        self._sock, self._waker = sock, Waker()
        self.peer, self.local = sock.getpeername()[:2], sock.getsockname()[:2]
        self.emit(Kind.CONNECTED, self._connected_text(), peer=self.peer, local=self.local)
        self.on_connected()
        where = format_address(self.peer)
        self.spawn(self._read_loop, sock, name=f"{self.source} reader for {where}")
        self.spawn(self._write_loop, sock, name=f"{self.source} writer for {where}")

    def _connected_text(self) -> str:
        return f"Connected to {format_address(self.peer)} from {format_address(self.local)}"

    def _connect(self) -> socket.socket:
        try:
            if not self.udp:
                sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
                return sock
            family, kind, proto, _canon, address = socket.getaddrinfo(
                self.host, self.port, type=socket.SOCK_DGRAM)[0]
            sock = socket.socket(family, kind, proto)
            try:
                sock.connect(address)  # UDP: only fixes where datagrams go; nothing is sent
            except OSError:
                sock.close()
                raise
            return sock
        except CONNECT_ERRORS as exc:
            raise net_error(exc, host=self.host, port=self.port, timeout=self.timeout) from None

    def _teardown(self) -> None:
        with self._queue_changed:
            self._queue_changed.notify_all()
        if self._waker is not None:
            self._waker.wake()

    def _cleanup(self) -> None:
        sock, self._sock = self._sock, None
        with self._queue_changed:
            self._queue.clear()
            self._queued = 0
            self._queue_changed.notify_all()
        if sock is not None:
            sock.close()
            if self.ended is None:
                what = "UDP socket" if self.udp else "connection"
                self.emit(Kind.CLOSED, f"Closed the {what} to {format_address(self.peer)}",
                          peer=self.peer)
        if self._waker is not None:
            self._waker.close()
            self._waker = None

    def _end(self, why: str) -> None:
        """The server ended the connection: say so once, then stop this client."""
        with self._queue_changed:
            if self.ended is not None or self.stopping:
                return
            self.ended = why
            self._queue_changed.notify_all()
        with self._order:
            self.on_ended(why)
        self.stop_soon()

    # -- the two threads --------------------------------------------------------------
    def _read_loop(self, sock: socket.socket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            selector.register(self._waker, selectors.EVENT_READ)
            while not self.stopping and self.ended is None:
                for key, _ in selector.select():
                    if key.fileobj is not sock:
                        return  # stop() woke us
                    why = self._read_once(sock)
                    if why:
                        return self._end(why)

    def _read_once(self, sock: socket.socket) -> str:
        """Read and report one piece; why the connection ended, or "" to go on."""
        try:
            data = sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return ""
        except OSError as exc:
            if self.udp and exc.errno in _REFUSED:
                with self._order:
                    self.on_refused()
                return ""
            if self.stopping:
                return ""
            if exc.errno in (errno.ECONNRESET, errno.ECONNABORTED):
                return "The server reset the connection"
            return f"The connection ended: {explain(exc, self.host, self.port)}"
        if not data and not self.udp:  # an empty datagram is a datagram; an empty read is the end
            return "The server closed the connection"
        with self._order:
            self.on_received(data)
        return ""

    def _write_loop(self, sock: socket.socket) -> None:
        while True:
            with self._queue_changed:
                self._queue_changed.wait_for(
                    lambda: self._queue or self.stopping or self.ended is not None)
                if self.stopping or self.ended is not None:
                    return
                data, item = self._queue[0]
            problem = self._write(sock, data, item)
            with self._queue_changed:
                if self._queue and self._queue[0][0] is data:
                    self._queue.popleft()
                    self._queued -= len(data)
                self._queue_changed.notify_all()
            if problem:
                return self._end(problem)

    def _write(self, sock: socket.socket, data: bytes, item) -> str:
        """Send one item, piece by piece as the kernel takes it; a problem, or ""."""
        view = memoryview(data)
        first = True
        while first or view:
            with self._order:
                if first:
                    self.on_writing(data, item)
                    first = False
                began = time.time()  # before: the peer may read (and log) it at once
                try:
                    sent = sock.send(view)
                except (BlockingIOError, InterruptedError):
                    sent = 0
                except OSError as exc:
                    if self.udp and exc.errno in _REFUSED:  # an earlier datagram was refused
                        self.on_refused()
                        continue
                    return "" if self.stopping else \
                        f"The connection ended: {explain(exc, self.host, self.port, 'send')}"
                if sent or not data:
                    self.on_sent(bytes(view[:sent]), item, began)
            view = view[sent:]
            if view and not self._wait_writable(sock):
                return ""  # stopping
        return ""

    def _wait_writable(self, sock: socket.socket) -> bool:
        while not self.stopping and self.ended is None:
            try:
                _, writable, _ = select.select([self._waker], [sock], [], 1.0)
            except (OSError, ValueError, TypeError):  # closed while waiting
                return False
            if writable:
                return True
        return False

    # -- the step log -----------------------------------------------------------------
    def log_transfer(self, kind: Kind, data: bytes, whole: bool = False,
                     at: Optional[float] = None) -> None:
        """"Wrote 16 bytes to 127.0.0.1:8007: Hello" (``whole``: keep all the bytes;
        ``at``: when it happened, if not now)."""
        self._on_event(Event(kind, self.source, None, self.peer, None, None, len(data),
                             data if whole else data[:PREVIEW_BYTES], time=at))


class RoomClient(StreamClient):
    """A client of a room the server runs (chat, poker): it leaves by QUIT and waits for
    GOODBYE, and when the server closes the connection after a NOTICE (the host closed the
    room) that notice is the reason it shows, not a bare "closed the connection"."""

    quit_line = b"QUIT\n"
    #: What the student is told when the server closes without a word.
    closed_text = "The server closed the connection."

    def __init__(self, host: str, port: int, timeout: float = 10.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(host, port, timeout, on_event)
        self._goodbye = threading.Event()
        self._notice = ""

    def on_connected(self) -> None:
        self._goodbye.clear()
        self._notice = ""

    def heard(self, goodbye: bool = False, notice: str = "") -> None:
        """The reader saw GOODBYE, or a NOTICE (kept as the reason if the server closes
        right after it; any other line forgets it)."""
        if goodbye:
            self._goodbye.set()
        self._notice = notice

    def leave(self, wait: float = 2.0) -> bool:
        """Send QUIT (after everything queued) and wait for GOODBYE (True if it came),
        then stop."""
        said_goodbye = False
        try:
            self.send_bytes(self.quit_line)
            said_goodbye = self._goodbye.wait(wait)
        except NetError:
            pass
        self.stop()
        return said_goodbye

    def on_ended(self, why: str) -> None:
        if not self._goodbye.is_set():
            if why == "The server closed the connection":
                why = self._notice or self.closed_text
            self.emit(Kind.ERROR, why)
        self.emit(Kind.CLOSED, "Connection closed", peer=self.peer)
