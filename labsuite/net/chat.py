"""The chat server and client, speaking the course protocol (labsuite.protocols.chat).

The server runs one thread with a selector: the room's state is touched by that thread
only, so there are no locks around it and no send ever waits on another client. Each
client has a bounded outgoing buffer; a client that stops reading until its buffer
overflows is disconnected and the room carries on with nothing lost for anyone else.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from labsuite.protocols import chat
from labsuite.protocols.chat import ChatRoom, Outcome, ServerConnection

from . import ports
from .errors import CONNECT_ERRORS, NetError, explain, net_error
from .events import Address, EventCallback, Kind, format_address, preview, PREVIEW_BYTES
from .service import Service, TcpServer, shutdown_quietly

#: An unfinished line is taken as complete after this much silence (the paper's client
#: sends "MESSAGE text" with no newline).
IDLE_COMPLETES_LINE = 0.3
#: Bytes waiting for one client before it is considered gone (it stopped reading).
MAX_PENDING_OUTPUT = 512 * 1024
MAX_CLIENTS = 1000


@dataclass(frozen=True)
class Members:
    """Who is in the room now, in order of joining (carried by INFO events)."""

    names: Tuple[str, ...]


#: What one client may send: bytes a second, and a burst. A flood beyond it waits in
#: the client's own connection (reading from it pauses), so the room relays at most this
#: much of it to everyone instead of drowning readers that keep up with normal talk.
SEND_RATE = 64 * 1024
SEND_BURST = 256 * 1024


class _Client:
    __slots__ = ("conn_id", "sock", "peer", "parser", "out", "last_read", "closing", "writing",
                 "budget", "paused_until", "interest")

    def __init__(self, conn_id: int, sock: socket.socket, peer: Address):
        self.conn_id = conn_id
        self.sock = sock
        self.peer = peer
        self.parser = ServerConnection()
        self.out = bytearray()
        self.last_read = time.monotonic()
        self.closing = False
        self.writing = False
        self.budget = float(SEND_BURST)  # bytes it may still send now
        self.paused_until = 0.0  # reading from it waits until then (over its budget)
        self.interest = selectors.EVENT_READ  # what the selector watches for it


class ChatServer(TcpServer):
    source = "chat server"

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = ports.CHAT,
                 on_event: Optional[EventCallback] = None, max_clients: int = MAX_CLIENTS):
        super().__init__(host, port, on_event)
        self.max_clients = max_clients
        self._members: Tuple[str, ...] = ()

    @property
    def members(self) -> Tuple[str, ...]:
        """A snapshot of who is in the room, safe to read from any thread."""
        return self._members

    def serve(self) -> None:
        self._room = ChatRoom()
        self._clients: Dict[int, _Client] = {}
        self._partial: Set[_Client] = set()
        self._dirty: Set[_Client] = set()  # clients with output queued this round
        self._paused: Set[_Client] = set()  # clients over their sending budget
        self._accepting = True  # False while paused after running out of file handles
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ, "listener")
        self._selector.register(self.waker, selectors.EVENT_READ, "waker")
        try:
            while not self.stopping:
                self._resume_due()
                for key, mask in self._selector.select(self._next_timeout()):
                    if key.data == "listener":
                        self._accept_waiting()
                        if self.accept_paused_until > time.monotonic():  # out of handles:
                            self._selector.unregister(self.listener)  # do not spin on it
                            self._accepting = False
                    elif key.data == "waker":
                        self.waker.drain()
                    elif key.data.conn_id in self._clients:
                        client = key.data
                        if mask & selectors.EVENT_WRITE:
                            self._send(client)
                        if mask & selectors.EVENT_READ and client.conn_id in self._clients:
                            self._read(client)
                self._complete_idle_lines()
                self._send_queued()
        finally:
            self._selector.close()
            self._members = ()

    # -- connections ------------------------------------------------------------------
    def _accept_waiting(self) -> None:
        for _ in range(64):  # a burst of arrivals, without starving the others
            accepted = self.accept()
            if accepted is None:
                return
            conn_id, sock, peer = accepted
            sock.setblocking(False)
            for level, option in ((socket.IPPROTO_TCP, socket.TCP_NODELAY),
                                  (socket.SOL_SOCKET, socket.SO_KEEPALIVE)):
                try:
                    sock.setsockopt(level, option, 1)
                except OSError:
                    pass
            client = _Client(conn_id, sock, peer)
            self._clients[conn_id] = client
            self._selector.register(sock, selectors.EVENT_READ, client)
            if len(self._clients) > self.max_clients:
                self._queue(client, b"ERROR The room is full; try again later.\n")
                self._close_after_output(client)

    def _read(self, client: _Client) -> None:
        try:
            data = client.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._drop(client, plain_reason(exc))
            return
        now = time.monotonic()
        if not data:
            self._apply_commands(client, client.parser.finish())
            self._drop(client, "closed the connection")
            return
        if client in self._partial and now - client.last_read >= IDLE_COMPLETES_LINE:
            self._apply_commands(client, client.parser.idle())
        self._charge(client, len(data), now)
        client.last_read = now
        self.emit(Kind.READ, f"Read {len(data)} bytes from {format_address(client.peer)}: "
                             f"{preview(data)}", peer=client.peer, conn=client.conn_id,
                  size=len(data), data=data[:PREVIEW_BYTES])
        self._apply_commands(client, client.parser.receive(data))
        if client.conn_id in self._clients and client.parser.has_partial_line:
            self._partial.add(client)
        else:
            self._partial.discard(client)

    def _next_timeout(self) -> Optional[float]:
        """Until the next thing due: an idle line, a paused sender, accepting again."""
        due = [client.last_read + IDLE_COMPLETES_LINE for client in self._partial]
        due += [client.paused_until for client in self._paused]
        if not self._accepting:
            due.append(self.accept_paused_until)
        if not due:
            return None
        return max(0.0, min(due) - time.monotonic())

    def _resume_due(self) -> None:
        now = time.monotonic()
        if not self._accepting and now >= self.accept_paused_until:
            self._selector.register(self.listener, selectors.EVENT_READ, "listener")
            self._accepting = True
        for client in [c for c in self._paused if now >= c.paused_until]:
            self._paused.discard(client)
            if client.conn_id in self._clients:
                self._watch(client)

    def _charge(self, client: _Client, size: int, now: float) -> None:
        """Take ``size`` bytes from the client's budget; over it, pause reading from it."""
        elapsed = now - client.last_read
        client.budget = min(float(SEND_BURST), client.budget + elapsed * SEND_RATE) - size
        if client.budget < 0:
            client.paused_until = now - client.budget / SEND_RATE
            self._paused.add(client)
            self._watch(client)

    def _watch(self, client: _Client) -> None:
        """Tell the selector what to wait for: reading (unless paused), writing if needed."""
        wanted = (0 if client in self._paused else selectors.EVENT_READ) | (
            selectors.EVENT_WRITE if client.writing else 0)
        if wanted == client.interest:
            return
        if not client.interest:
            self._selector.register(client.sock, wanted, client)
        elif not wanted:
            self._selector.unregister(client.sock)
        else:
            self._selector.modify(client.sock, wanted, client)
        client.interest = wanted

    def _complete_idle_lines(self) -> None:
        if not self._partial:
            return
        now = time.monotonic()
        for client in [c for c in self._partial if now - c.last_read >= IDLE_COMPLETES_LINE]:
            self._partial.discard(client)
            if client.conn_id in self._clients:
                self._apply_commands(client, client.parser.idle())

    # -- the room ---------------------------------------------------------------------
    def _apply_commands(self, client: _Client, commands: List[chat.Command]) -> None:
        for command in commands:
            if client.conn_id not in self._clients or client.closing:
                return
            self._apply(self._room.handle(client.conn_id, command))

    def _apply(self, outcome: Outcome) -> None:
        if outcome.members_changed:  # before anyone hears of the change
            self._members = tuple(self._room.members)
        for conn_id, data in outcome.deliveries:
            client = self._clients.get(conn_id)
            if client is not None:
                self._queue(client, data)
        for note in outcome.notes:
            self.emit(Kind.INFO, note,
                      result=Members(self._members) if outcome.members_changed else None)
        for conn_id in outcome.close:
            client = self._clients.get(conn_id)
            if client is not None:
                self._close_after_output(client)

    def _queue(self, client: _Client, data: bytes) -> None:
        """Add to a client's output; it is sent once per loop round (see _send_queued)."""
        client.out += data
        self._dirty.add(client)

    def _send_queued(self) -> None:
        """One send() per client per round, however many messages it was given: with
        one send() per delivery, a busy room spent most of its time in system calls."""
        while self._dirty:
            client = self._dirty.pop()
            if client.conn_id in self._clients:
                self._send(client)

    def _send(self, client: _Client) -> None:
        if client.out:
            try:
                sent = client.sock.send(client.out)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                self._drop(client, plain_reason(exc))
                return
            del client.out[:sent]
        if len(client.out) > MAX_PENDING_OUTPUT:
            self._drop(client, "stopped reading its messages, so it was disconnected")
        elif client.out and not client.writing:
            client.writing = True
            self._watch(client)
        elif not client.out and client.closing:
            self._drop(client, "said goodbye")
        elif not client.out and client.writing:
            client.writing = False
            self._watch(client)

    def _close_after_output(self, client: _Client) -> None:
        client.closing = True
        self._dirty.add(client)

    def _drop(self, client: _Client, reason: str) -> None:
        """Forget a client exactly once: out of the room, socket closed, others told."""
        if self._clients.pop(client.conn_id, None) is None:
            return
        self._partial.discard(client)
        self._dirty.discard(client)
        self._paused.discard(client)
        if client.interest:
            try:
                self._selector.unregister(client.sock)
            except (KeyError, ValueError, OSError):
                pass
        outcome = self._room.leave(client.conn_id, reason)
        self.release(client.conn_id, reason)
        self._apply(outcome)


def plain_reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, (BrokenPipeError, ConnectionAbortedError)):
        return "connection lost"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return exc.strerror or type(exc).__name__


# -- the client ---------------------------------------------------------------------------
class ChatClient(Service):
    """Joins a room and reports what happens as RESULT events carrying chat events.

    ``start()`` connects and sends ``ADD <name>``; a refused name arrives as a
    :class:`~labsuite.protocols.chat.Refused` event, and :meth:`join` may try another.
    When the server drops the connection the client says so (an ERROR event, then
    CLOSED) and stops itself.
    """

    source = "chat client"

    def __init__(self, host: str, port: int = ports.CHAT, name: str = "",
                 timeout: float = 10.0, on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.host, self.port, self.name, self.timeout = host, port, name, timeout
        self._sock: Optional[socket.socket] = None
        self._send_lock = threading.Lock()
        self._goodbye = threading.Event()
        self.local: Optional[Address] = None

    def _setup(self) -> None:
        self._goodbye.clear()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except CONNECT_ERRORS as exc:
            raise net_error(exc, host=self.host, port=self.port, timeout=self.timeout) from None
        sock.settimeout(None)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self._sock = sock
        self.local = sock.getsockname()[:2]
        peer = sock.getpeername()[:2]
        self.emit(Kind.CONNECTED, f"Connected to {format_address(peer)} from "
                                  f"{format_address(self.local)}", peer=peer, local=self.local)
        self.spawn(self._receive, sock, name="chat client reader")
        if self.name:
            self.join(self.name)

    def join(self, name: str) -> None:
        self.name = name.strip()
        self._send(chat.encode_add(self.name))

    def say(self, text: str) -> None:
        self._send(chat.encode_say(text))

    def whisper(self, recipient: str, text: str) -> None:
        self._send(chat.encode_whisper(recipient, text))

    def leave(self, wait: float = 2.0) -> bool:
        """Send QUIT and wait for GOODBYE (True if it came), then stop."""
        try:
            self._send(chat.encode_quit())
            said_goodbye = self._goodbye.wait(wait)
        except NetError:
            said_goodbye = False
        self.stop()
        return said_goodbye

    def _send(self, data: bytes) -> None:
        sock = self._sock
        if sock is None or self.stopping:
            raise NetError("Not connected to a chat server.")
        with self._send_lock:
            try:
                sock.sendall(data)
            except OSError as exc:
                raise net_error(exc, host=self.host, port=self.port) from None
        self.emit(Kind.WROTE, f"Wrote {len(data)} bytes: {preview(data)}", size=len(data),
                  data=data[:PREVIEW_BYTES])

    def _receive(self, sock: socket.socket) -> None:
        parser = chat.ClientParser()
        reason = ""
        while True:
            try:
                data = sock.recv(65536)
            except OSError as exc:
                reason = "" if self.stopping else explain(exc, self.host, self.port)
                break
            if not data:
                break
            self.emit(Kind.READ, f"Read {len(data)} bytes: {preview(data)}", size=len(data),
                      data=data[:PREVIEW_BYTES])
            for event in parser.receive(data):
                if isinstance(event, chat.Goodbye):
                    self._goodbye.set()
                self.emit(Kind.RESULT, chat.transcript_line(event) or type(event).__name__,
                          result=event)
        if not self.stopping and not self._goodbye.is_set():
            self.emit(Kind.ERROR, reason or "The chat server closed the connection.")
        self.emit(Kind.CLOSED, "Connection closed")
        if not self.stopping:
            threading.Thread(target=self.stop, daemon=True).start()

    def _teardown(self) -> None:
        shutdown_quietly(self._sock)

    def _cleanup(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
