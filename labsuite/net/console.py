"""The raw console: talk to any server by hand, as the course did with telnet.

A TCP session connects and then shows every piece the server sends as a READ event
(``data`` holds the whole piece, at most 64 KiB) until the server closes or resets the
connection, which ends the session. A UDP session is a connected UDP socket: each send is
one datagram, each reply a READ event, and an ICMP "port unreachable" (nothing listening)
is reported as an error while the session stays open for another try.

Events come in the order things happened: a send is reported (WROTE) while holding the
same lock the reader holds to report what it read, and sends never block while holding
it (the socket is non-blocking), so an echo is never shown before what caused it.
"""

from __future__ import annotations

import errno
import select
import selectors
import socket
import threading
import time
from typing import Optional, Union

from labsuite.protocols.console import LineEnding, encode_line

from .errors import CONNECT_ERRORS, NetError, explain, net_error
from .events import Address, EventCallback, Kind, format_address, preview
from .lookup import check_name
from .service import Service, Waker

#: The most one read asks for (and so the largest READ event).
CHUNK = 65536
_REFUSED = (errno.ECONNREFUSED, errno.ECONNRESET)  # Windows reports ICMP refusals as resets
CLOSED_WHILE_SENDING = "The console was closed before everything was sent."


class ConsoleSession(Service):
    """One hand-driven connection. ``start()`` connects (raising NetError), then
    :meth:`send_line` / :meth:`send_bytes` send and a reader thread reports replies."""

    source = "console"

    def __init__(self, host: str, port: int, udp: bool = False, timeout: float = 10.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.host, self.port, self.udp, self.timeout = host, int(port), udp, float(timeout)
        self.peer: Optional[Address] = None
        self.local: Optional[Address] = None
        self._sock: Optional[socket.socket] = None
        self._waker: Optional[Waker] = None
        self._order = threading.Lock()  # held to send-and-report and to report a read
        self._sending = threading.Lock()  # one send at a time, so sends never interleave
        self._ended = False  # the server ended the session (already reported)

    @property
    def protocol(self) -> str:
        return "UDP" if self.udp else "TCP"

    # -- lifecycle ----------------------------------------------------------------------
    def _setup(self) -> None:
        self._ended = False
        sock = self._connect()
        sock.setblocking(False)
        self._sock, self._waker = sock, Waker()
        self.peer, self.local = sock.getpeername()[:2], sock.getsockname()[:2]
        if self.udp:
            self.emit(Kind.CONNECTED, f"Ready to send UDP datagrams to {format_address(self.peer)} "
                                      f"from {format_address(self.local)}",
                      peer=self.peer, local=self.local)
        else:
            self.emit(Kind.CONNECTED, f"Connected to {format_address(self.peer)} from "
                                      f"{format_address(self.local)}",
                      peer=self.peer, local=self.local)
        self.spawn(self._receive, sock, name=f"console reader for {format_address(self.peer)}")

    def _connect(self) -> socket.socket:
        try:
            check_name(self.host)  # a name that cannot exist is never sent to a name server
            if not self.udp:
                return socket.create_connection((self.host, self.port), timeout=self.timeout)
            family, kind, proto, _canon, address = socket.getaddrinfo(
                self.host, self.port, type=socket.SOCK_DGRAM)[0]
            sock = socket.socket(family, kind, proto)
            try:
                sock.connect(address)  # UDP: only fixes where datagrams go; nothing is sent
            except OSError:
                sock.close()
                raise
            return sock
        except (NetError, *CONNECT_ERRORS) as exc:
            raise net_error(exc, host=self.host, port=self.port, timeout=self.timeout) from None

    def _teardown(self) -> None:
        if self._waker is not None:
            self._waker.wake()

    def _cleanup(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
            if not self._ended:
                what = "UDP socket" if self.udp else "connection"
                self.emit(Kind.CLOSED, f"Closed the {what} to {format_address(self.peer)}",
                          peer=self.peer)
        if self._waker is not None:
            self._waker.close()
            self._waker = None

    # -- sending ------------------------------------------------------------------------
    def send_line(self, text: str, ending: Union[LineEnding, str] = LineEnding.LF) -> None:
        """Send ``text`` with a line ending (see :func:`~labsuite.protocols.console.encode_line`)."""
        self.send_bytes(encode_line(text, ending))

    def send_bytes(self, data: bytes) -> None:
        """Send ``data`` (one datagram with UDP). Raises NetError, reported as an ERROR too."""
        data = bytes(data)
        with self._sending:
            sock = self._sock
            if sock is None or self.stopping:
                raise NetError("Not connected: connect first.")
            if self.udp:
                self._send_datagram(sock, data)
            else:
                self._send_stream(sock, data)

    def _send_datagram(self, sock: socket.socket, data: bytes) -> None:
        with self._order:
            try:
                sock.send(data)
            except OSError as exc:
                if exc.errno in _REFUSED:  # an earlier datagram was refused: say so, retry once
                    self._nothing_listening()
                    try:
                        sock.send(data)
                    except OSError as again:
                        raise self._send_failure(again) from None
                else:
                    raise self._send_failure(exc) from None
            self._report_transfer(Kind.WROTE, data)

    def _send_stream(self, sock: socket.socket, data: bytes) -> None:
        view = memoryview(data)
        while view:
            with self._order:
                try:
                    sent = sock.send(view)
                except (BlockingIOError, InterruptedError):
                    sent = 0
                except OSError as exc:
                    raise self._send_failure(exc) from None
                if sent:
                    self._report_transfer(Kind.WROTE, bytes(view[:sent]))
            view = view[sent:]
            if view and not self._wait_writable(sock):
                raise NetError(
                    f"The server is not reading: {len(view)} bytes could not be sent within "
                    f"{self.timeout:g} seconds, so they were dropped.")

    def _wait_writable(self, sock: socket.socket) -> bool:
        """True once ``sock`` can take more, False after ``timeout``; NetError when closed."""
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if self.stopping or remaining <= 0:
                break
            try:
                _, writable, _ = select.select([self._waker], [sock], [], remaining)
            except (OSError, ValueError, TypeError):  # closed while waiting
                break
            if writable:
                return True
        if self.stopping or self._sock is None:
            raise NetError(CLOSED_WHILE_SENDING)
        return False

    def _send_failure(self, exc: OSError) -> NetError:
        if self.stopping or self._sock is None:  # closed under us: not a network problem
            return NetError(CLOSED_WHILE_SENDING)
        return net_error(exc, host=self.host, port=self.port, action="send")

    # -- receiving ----------------------------------------------------------------------
    def _receive(self, sock: socket.socket) -> None:
        reason = ""
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            selector.register(self._waker, selectors.EVENT_READ)
            while not self.stopping and not reason:
                for key, _ in selector.select():
                    if key.fileobj is not sock:
                        return  # stop() woke us
                    reason = self._read_once(sock)
        self._ended = True
        with self._order:
            self.emit(Kind.CLOSED, reason, peer=self.peer)
        threading.Thread(target=self.stop, daemon=True, name="console stop").start()

    def _read_once(self, sock: socket.socket) -> str:
        """Read and report one piece; the reason the session ended, or "" to go on."""
        try:
            data = sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return ""
        except OSError as exc:
            if self.udp and exc.errno in _REFUSED:
                with self._order:
                    self._nothing_listening()
                return ""
            if exc.errno in (errno.ECONNRESET, errno.ECONNABORTED):
                return "The server reset the connection"
            return f"The connection ended: {explain(exc, self.host, self.port)}"
        if not data and not self.udp:  # an empty datagram is a datagram; an empty read is the end
            return "The server closed the connection"
        with self._order:
            self._report_transfer(Kind.READ, data)
        return ""

    def _nothing_listening(self) -> None:
        self.emit(Kind.ERROR, f"Nothing is listening at {self.host} port {self.port} (UDP): "
                              "the datagram was refused; start the server, or check the port.",
                  peer=self.peer)

    def _report_transfer(self, kind: Kind, data: bytes) -> None:
        size = "1 byte" if len(data) == 1 else f"{len(data)} bytes"
        verb, direction = ("Read", "from") if kind is Kind.READ else ("Wrote", "to")
        self.emit(kind, f"{verb} {size} {direction} {format_address(self.peer)}: {preview(data)}",
                  peer=self.peer, size=len(data), data=data)
