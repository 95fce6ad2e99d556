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

import socket
import threading
import time
from typing import Dict, Optional, Union

from ..protocols.echo import DropLog, EchoReply, ReplyMatcher, UdpEchoPolicy
from . import ports
from .addresses import local_networks
from .client import StreamClient
from .core import Connection, SelectorServer
from .errors import NetError, closed_reason
from .events import (PREVIEW_BYTES, Address, Event, EventCallback, Kind, count_bytes,
                     format_address, preview)

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
    announce_as = "echo"
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
            self.udp_policy = UdpEchoPolicy(local_networks=local_networks())
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


# -- client ---------------------------------------------------------------------------------
class _Ticket:
    """One send waiting for its echo (for :meth:`EchoClient.request`)."""

    __slots__ = ("seq", "reply", "arrived")

    def __init__(self):
        self.seq: Optional[int] = None
        self.reply: Optional[EchoReply] = None
        self.arrived = threading.Event()


class EchoClient(StreamClient):
    """Connects to an echo server, sends text and times each echo.

    The reader matches the echoed stream to the sends by byte offset, because TCP may
    split or merge them; each send's clock starts when its first byte goes out. Sending
    never blocks (see :class:`~labsuite.net.client.StreamClient`). ``on_event`` runs on
    the client's threads: it should return quickly.
    """

    source = "echo client"

    def __init__(self, host: str, port: int = ports.ECHO, timeout: float = 10.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(host, port, timeout, on_event)
        self._matcher = ReplyMatcher()
        self._tickets: Dict[int, _Ticket] = {}
        self._warned_unexpected = False

    def on_connected(self) -> None:
        self._matcher = ReplyMatcher()
        self._tickets = {}
        self._warned_unexpected = False

    # -- sending ----------------------------------------------------------------------
    def send(self, data: Union[str, bytes]) -> None:
        """Send ``data``; a RESULT event with an :class:`EchoReply` follows its echo."""
        self._send(data, None)

    def request(self, data: Union[str, bytes], timeout: Optional[float] = None) -> EchoReply:
        """Send ``data`` and wait for all of it to come back; NetError if it does not."""
        limit = self.timeout if timeout is None else timeout
        ticket = _Ticket()
        if not self._send(data, ticket):
            return EchoReply(b"", "", 0.0)
        if not ticket.arrived.wait(limit):
            raise NetError(f"The echo did not come back within {limit:g} seconds.")
        if ticket.reply is None:
            raise NetError(f"{self.ended or 'The client was stopped'} before the echo came back.")
        return ticket.reply

    def _send(self, data: Union[str, bytes], ticket: Optional[_Ticket]) -> bool:
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if not payload:
            return False
        if self._sock is None and self.ended is None and not self.stopping:
            raise NetError("The echo client is not connected: start it first.")
        self.send_bytes(payload, ticket)
        return True

    def on_writing(self, data: bytes, ticket: Optional[_Ticket]) -> None:
        seq = self._matcher.sent(len(data), time.monotonic())
        if ticket is not None:
            ticket.seq = seq
            self._tickets[seq] = ticket

    # -- receiving --------------------------------------------------------------------
    def on_received(self, data: bytes) -> None:
        self.log_transfer(Kind.READ, data)
        for seq, reply in self._matcher.received(data, time.monotonic()):
            self.emit(Kind.RESULT, f"Echo of {count_bytes(len(reply.data))} came back in "
                                   f"{reply.rtt * 1000:.2f} ms: {preview(reply.data)}",
                      peer=self.peer, size=len(reply.data), result=reply)
            ticket = self._tickets.pop(seq, None)
            if ticket is not None:
                ticket.reply = reply
                ticket.arrived.set()
        if self._matcher.unexpected and not self._warned_unexpected:
            self._warned_unexpected = True
            self.emit(Kind.INFO, "The server sent bytes that echo nothing this client sent: "
                                 "it may not be an echo server.", peer=self.peer)

    def on_ended(self, why: str) -> None:
        super().on_ended(why)
        self._release_waiting()

    def _cleanup(self) -> None:
        super()._cleanup()
        self._release_waiting()

    def _release_waiting(self) -> None:
        """Wake every request() still waiting: its echo will not come now."""
        for ticket in list(self._tickets.values()):
            ticket.arrived.set()
        self._tickets.clear()
