"""Echo (RFC 862): a server in three teaching designs, an optional guarded UDP echo, a client.

The server's designs are the three from class, side by side, each a small strategy on
the one server core (:mod:`labsuite.net.core`):

* ``sequential``: one client at a time, with blocking calls. A second client waits in the
  listen backlog, and the log says so.
* ``threaded``: one thread per client, still with blocking calls.
* ``selector`` (default): one thread and non-blocking sockets watched by a selector. When a
  client does not read its echoes, the server stops reading from it (back-pressure), so a
  slow reader never grows memory or stalls the others.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Dict, List, Optional, Union

from ..protocols.echo import DropLog, EchoReply, ReplyMatcher, UdpEchoPolicy
from . import ports
from .core import Connection, SelectorServer
from .errors import CONNECT_ERRORS, NetError, closed_reason, explain, net_error
from .events import (PREVIEW_BYTES, Address, Event, EventCallback, Kind, count_bytes,
                     format_address, preview, transfer_text)
from .service import Service, shutdown_quietly

__all__ = ["EchoServer", "EchoClient", "EchoReply"]

#: The most one recv() asks for.
CHUNK = 65536
#: The selector design stops reading from a client whose unsent echo reaches this much.
MAX_PENDING_OUTPUT = 256 * 1024

WAITING_NOTE = "Another client is waiting: this mode serves one client at a time"


class NonBlocking:
    """The selector design: the loop itself echoes (see :meth:`EchoServer.on_data`)."""

    def __init__(self, server: "EchoServer"):
        self.server = server

    def connected(self, conn: Connection) -> None:
        pass

    def closed(self, conn: Connection) -> None:
        pass


class ThreadPerClient(NonBlocking):
    """A thread per client, each with blocking recv() and sendall()."""

    def connected(self, conn: Connection) -> None:
        sock = conn.detach()
        try:
            self.server.spawn(self.server.echo_blocking, conn, sock,
                              name=f"{self.server.source} connection #{conn.id}")
        except RuntimeError:  # "can't start new thread": drop this client, serve the others
            self.server.emit(Kind.ERROR, f"Could not start a thread for client #{conn.id} "
                                         "(this computer is out of threads or memory); it "
                                         "was disconnected.", peer=conn.peer, conn=conn.id)
            self.server.release(conn, "no thread to serve it")


class OneAtATime(ThreadPerClient):
    """One client at a time: the next waits in the listen backlog until this one leaves."""

    def connected(self, conn: Connection) -> None:
        self.server.hold_accepting()
        super().connected(conn)

    def closed(self, conn: Connection) -> None:
        self.server.resume_accepting()


DESIGNS = {"selector": NonBlocking, "threaded": ThreadPerClient, "sequential": OneAtATime}


class EchoServer(SelectorServer):
    """An echo server; see the module docstring for the three designs."""

    source = "echo server"
    MODES = tuple(DESIGNS)
    read_pause_output = MAX_PENDING_OUTPUT
    #: Echo not yet taken by clients, all of them together (each gets a share).
    output_budget = 16 * 1024 * 1024
    recv_size = CHUNK

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = ports.ECHO,
                 mode: str = "selector", udp: bool = False,
                 on_event: Optional[EventCallback] = None):
        if mode not in DESIGNS:
            raise ValueError(f"Unknown echo server mode {mode!r}; choose one of "
                             + ", ".join(self.MODES))
        super().__init__(host, port, on_event)
        self.mode = mode
        self.udp = udp
        self.design = DESIGNS[mode](self)
        #: Decides which UDP datagrams are answered; replace it before start() to tune.
        self.udp_policy: Optional[UdpEchoPolicy] = None
        self._drops = DropLog()
        self._drops_timer = None

    def on_start(self) -> None:
        if self.udp and self.udp_policy is None:
            self.udp_policy = UdpEchoPolicy(local_networks=_local_networks())
        self._drops = DropLog()

    # -- TCP ----------------------------------------------------------------------------
    def on_connect(self, conn: Connection) -> None:
        self.design.connected(conn)

    def on_data(self, conn: Connection, data: bytes) -> None:
        conn.identify()
        conn.send(data)

    def on_close(self, conn: Connection, reason: str) -> None:
        self.design.closed(conn)

    def on_waiting(self) -> None:
        self.emit(Kind.INFO, WAITING_NOTE)

    def echo_blocking(self, conn: Connection, sock: socket.socket) -> None:
        """Echo one client with blocking recv/sendall until it leaves or stop() shuts it."""
        reason = "the client closed the connection"
        try:
            while True:
                data = sock.recv(CHUNK)
                if not data:
                    break
                if self.log_steps:
                    self.log_transfer(Kind.READ, conn, data)
                sock.sendall(data)
                if self.log_steps:
                    self.log_transfer(Kind.WROTE, conn, data)
        except OSError as exc:
            reason = closed_reason(exc)
        finally:
            self.release(conn, "server stopped" if self.stopping else reason)

    # -- UDP ----------------------------------------------------------------------------
    def on_datagram(self, data: bytes, peer: Address) -> None:
        where = f"{format_address(peer)} over UDP"
        now = time.monotonic()
        decision = self.udp_policy.decide(peer[0], peer[1], len(data), now)
        if not decision.allow:
            return self._note_drop(where, decision.reason, now)
        self._log_datagram(Kind.READ, data, peer, where)
        reply = data[:decision.size]
        problem = self.send_datagram(reply, peer)
        if problem:
            return self._note_drop(where, f"the reply could not be sent ({problem})", now)
        self._log_datagram(Kind.WROTE, reply, peer, where)
        if decision.reason:
            self.emit(Kind.INFO, f"Echoed a UDP datagram to {where} partly: {decision.reason}",
                      peer=peer)

    def _log_datagram(self, kind: Kind, data: bytes, peer: Address, where: str) -> None:
        if self.log_steps:
            self._on_event(Event(kind, self.source, None, peer, None, None, len(data),
                                 data[:PREVIEW_BYTES], where=where))

    def _note_drop(self, where: str, reason: str, now: float) -> None:
        line = self._drops.dropped(where, reason, now)
        if line:
            self.emit(Kind.INFO, line)
        wait = self._drops.due(now)
        if wait is not None and self._drops_timer is None:
            self._drops_timer = self.call_later(wait, self._flush_drops)

    def _flush_drops(self) -> None:
        self._drops_timer = None
        summary = self._drops.flush(time.monotonic())
        if summary:
            self.emit(Kind.INFO, summary)


def _local_networks() -> List[ipaddress.IPv4Network]:
    """This computer's IPv4 networks, so their broadcast addresses can be refused."""
    try:
        import ifaddr
        adapters = ifaddr.get_adapters()
    except Exception:  # optional knowledge: the fixed rules still apply without it
        return []
    networks = []
    for adapter in adapters:
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                try:
                    networks.append(ipaddress.ip_network(f"{ip.ip}/{ip.network_prefix}",
                                                         strict=False))
                except ValueError:
                    pass
    return networks


# -- client ---------------------------------------------------------------------------------
class EchoClient(Service):
    """Connects to an echo server, sends text and times each echo.

    A reader thread matches the echoed stream to the sends by byte offset, because TCP
    may split or merge them. Events from the reader that arrive while a send is still
    being written are held back, so the log always shows "Wrote" before its echo.
    ``on_event`` runs on the client's threads: it should return quickly.
    """

    source = "echo client"

    def __init__(self, host: str, port: int = ports.ECHO, timeout: float = 10.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.host = host
        self.port = port
        self.timeout = timeout
        self.peer: Optional[Address] = None
        self.local: Optional[Address] = None
        self._sock: Optional[socket.socket] = None
        self._send_lock = threading.Lock()
        self._state = threading.Condition(threading.RLock())
        self._reset()

    def _reset(self) -> None:
        self._matcher = ReplyMatcher()
        self._writing = False  # a send is between registration and its "Wrote" event
        self._held: List[tuple] = []
        self._wanted: Dict[int, Optional[EchoReply]] = {}  # seq -> reply, for request()
        self._ended: Optional[str] = None  # why the connection is over, once it is
        self._close_reported = False
        self._warned_unexpected = False

    # -- lifecycle --------------------------------------------------------------------
    def _setup(self) -> None:
        self._reset()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except CONNECT_ERRORS as exc:
            raise net_error(exc, host=self.host, port=self.port, action="connect",
                            timeout=self.timeout) from None
        sock.settimeout(None)  # an idle echo connection is fine; stop() unblocks reads
        self._sock = sock
        self.peer, self.local = sock.getpeername()[:2], sock.getsockname()[:2]
        self._peer_label = format_address(self.peer)
        self.emit(Kind.CONNECTED, f"Connected to {format_address(self.peer)} "
                                  f"from {format_address(self.local)}",
                  peer=self.peer, local=self.local)
        self.spawn(self._read_loop, name=f"{self.source} reader")

    def _teardown(self) -> None:
        self._end("The client was stopped", report=False)
        shutdown_quietly(self._sock)

    def _cleanup(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            if not self._close_reported:
                self.emit(Kind.CLOSED, f"Closed the connection to {format_address(self.peer)}",
                          peer=self.peer)

    def _end(self, why: str, report: bool) -> bool:
        """Mark the connection over (once) and wake every request() waiting on it."""
        with self._state:
            if self._ended is not None:
                return False
            self._ended = why
            self._close_reported = report
            self._state.notify_all()
        if report:
            self.emit(Kind.CLOSED, why, peer=self.peer)
        return True

    # -- sending ----------------------------------------------------------------------
    def send(self, data: Union[str, bytes]) -> None:
        """Send ``data``; a RESULT event with an :class:`EchoReply` follows its echo."""
        self._send(data, wanted=False)

    def request(self, data: Union[str, bytes], timeout: Optional[float] = None) -> EchoReply:
        """Send ``data`` and wait for all of it to come back; NetError if it does not."""
        limit = self.timeout if timeout is None else timeout
        seq = self._send(data, wanted=True)
        if seq is None:
            return EchoReply(b"", "", 0.0)
        with self._state:
            arrived = self._state.wait_for(
                lambda: self._wanted.get(seq) is not None or self._ended is not None, limit)
            reply = self._wanted.pop(seq, None)
            ended = self._ended
        if reply is not None:
            return reply
        problem = NetError(f"{ended} before the echo came back." if arrived and ended else
                           f"The echo did not come back within {limit:g} seconds.")
        raise problem

    def _send(self, data: Union[str, bytes], wanted: bool) -> Optional[int]:
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if not payload:
            return None
        with self._send_lock:
            with self._state:
                sock = self._sock
                if sock is None or self._ended is not None:
                    raise NetError(f"{self._ended}: start the echo client again to send."
                                   if self._ended else
                                   "The echo client is not connected: start it first.")
                seq = self._matcher.sent(len(payload), time.monotonic())
                if wanted:
                    self._wanted[seq] = None
                self._writing = True
            try:
                sock.sendall(payload)
            except OSError as exc:
                self._finish_write(None)
                if self.stopping:
                    raise NetError("The client was stopped while sending.") from None
                raise net_error(exc, host=self.host, port=self.port, action="send") from None
            self._finish_write(payload)
        return seq

    def _finish_write(self, payload: Optional[bytes]) -> None:
        """Log the write, then whatever the reader held back while it was going on."""
        with self._state:
            if payload is not None:
                self._emit_transfer(Kind.WROTE, payload)
            self._writing = False
            held, self._held = self._held, []
            for item in held:
                self._publish(*item)

    # -- receiving --------------------------------------------------------------------
    def _read_loop(self) -> None:
        sock = self._sock
        while True:
            try:
                data = sock.recv(CHUNK)
            except OSError as exc:
                if not self.stopping:
                    self._lost(explain(exc, self.host, self.port))
                return
            if not data:
                if not self.stopping:
                    self._lost("The server closed the connection")
                return
            now = time.monotonic()
            with self._state:
                self._deliver(Kind.READ, data, None)
                for seq, reply in self._matcher.received(data, now):
                    self._deliver(Kind.RESULT, reply, seq)
                if self._matcher.unexpected and not self._warned_unexpected:
                    self._warned_unexpected = True
                    self._deliver(Kind.INFO, "The server sent bytes that echo nothing this "
                                             "client sent: it may not be an echo server.", None)

    def _deliver(self, kind: Kind, payload, seq: Optional[int]) -> None:
        if self._writing:
            self._held.append((kind, payload, seq))
        else:
            self._publish(kind, payload, seq)

    def _publish(self, kind: Kind, payload, seq: Optional[int]) -> None:
        if kind is Kind.READ:
            self._emit_transfer(Kind.READ, payload)
        elif kind is Kind.RESULT:
            reply: EchoReply = payload
            self.emit(Kind.RESULT, f"Echo of {count_bytes(len(reply.data))} came back in "
                                   f"{reply.rtt * 1000:.2f} ms: {preview(reply.data)}",
                      peer=self.peer, size=len(reply.data), result=reply)
            if seq in self._wanted:
                self._wanted[seq] = reply
                self._state.notify_all()
        else:
            self.emit(kind, payload, peer=self.peer)

    def _emit_transfer(self, kind: Kind, data: bytes) -> None:
        head = data[:PREVIEW_BYTES]
        self.emit(kind, transfer_text(kind, len(data), self._peer_label, preview(head)),
                  peer=self.peer, size=len(data), data=head)

    def _lost(self, why: str) -> None:
        """The server ended the connection: say so, then stop this client cleanly."""
        if not self._end(why, report=True):
            return
        while not self.stopping:  # stop() may already be running on another thread
            if self._lifecycle.acquire(timeout=0.05):
                try:
                    self.stop()
                finally:
                    self._lifecycle.release()
                return
