"""The chat server and client, speaking the course protocol (labsuite.protocols.chat).

The server is the room (:class:`~labsuite.protocols.chat.ChatRoom`) on the one server
core: its state is touched by the loop thread only, so there are no locks around it and no
send ever waits on another client. Each client has a bounded outgoing buffer; a client that
stops reading until its buffer overflows is disconnected and the room carries on with
nothing lost for anyone else. Private messages stay private on the host's screen too: the
log says who wrote to whom and how much, never the text.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import List, Optional, Tuple

from labsuite.protocols import chat
from labsuite.protocols.chat import ChatRoom, Outcome, ServerConnection

from . import ports
from .core import Connection, SelectorServer, Timer
from .client import RoomClient
from .events import EventCallback, Kind

#: An unfinished line is taken as complete after this much silence (the paper's client
#: sends "MESSAGE text" with no newline).
IDLE_COMPLETES_LINE = 0.3
#: Bytes waiting for one client before it is considered gone (it stopped reading).
MAX_PENDING_OUTPUT = 512 * 1024
MAX_CLIENTS = 1000
#: A connection that has not joined (ADD) within this long is closed; when the room is
#: full, the oldest such connection makes room for a newcomer at once.
JOIN_WITHIN = 120.0


@dataclass(frozen=True)
class Members:
    """Who is in the room now, in order of joining (carried by INFO events)."""

    names: Tuple[str, ...]


#: What one client may send: bytes a second, and a burst. A flood beyond it waits in
#: the client's own connection (reading from it pauses), so the room relays at most this
#: much of it to everyone instead of drowning readers that keep up with normal talk.
SEND_RATE = 64 * 1024
SEND_BURST = 256 * 1024


class _Member:
    """The room's view of one connection."""

    __slots__ = ("parser", "heard", "idle_timer", "budget", "private_out")

    def __init__(self, now: float):
        self.parser = ServerConnection()
        self.heard = now  # when it last sent something
        self.idle_timer: Optional[Timer] = None
        self.budget = float(SEND_BURST)  # bytes it may still send now
        self.private_out = False  # a private message is among its unsent output


class ChatServer(SelectorServer):
    source = "chat server"
    announce_as = "chat"
    logs_reads = False  # logged after parsing, so private text is never shown
    max_output = MAX_PENDING_OUTPUT
    unidentified_timeout = JOIN_WITHIN
    unidentified_reason = f"did not join the room within {JOIN_WITHIN:g} seconds"

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = ports.CHAT,
                 on_event: Optional[EventCallback] = None, max_clients: int = MAX_CLIENTS,
                 show_private: bool = False):
        super().__init__(host, port, on_event)
        self.max_connections = max_clients
        #: Show private messages' text in the log (a teacher debugging their own room).
        self.show_private = show_private
        self._members: Tuple[str, ...] = ()
        self._room = ChatRoom()

    @property
    def members(self) -> Tuple[str, ...]:
        """A snapshot of who is in the room, safe to read from any thread."""
        return self._members

    # -- connections ------------------------------------------------------------------
    def on_start(self) -> None:
        self._room = ChatRoom()
        self._members = ()

    def on_connect(self, conn: Connection) -> None:
        try:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        except OSError:
            pass
        conn.state = _Member(conn.accepted)

    def on_full(self, conn: Connection) -> None:
        conn.state = _Member(conn.accepted)
        conn.send(b"ERROR The room is full; try again later.\n")
        conn.close("the room is full")

    def on_data(self, conn: Connection, data: bytes) -> None:
        member, now = conn.state, conn.last_read
        if member.idle_timer is not None:
            member.idle_timer.cancel()
            member.idle_timer = None
            if now - member.heard >= IDLE_COMPLETES_LINE:  # the pause came before this read
                self._apply_commands(conn, member.parser.idle())
        self._charge(conn, len(data), now)
        member.heard = now
        parser = member.parser
        private = parser.in_private
        commands = parser.receive(data)
        if self.log_steps:
            private |= parser.in_private or any(isinstance(c, chat.Whisper) for c in commands)
            self.log_transfer(Kind.READ, conn, data,
                              shown=b"" if private and not self.show_private else None)
        self._apply_commands(conn, commands)
        if not conn.closed and parser.has_partial_line:
            member.idle_timer = self.call_later(IDLE_COMPLETES_LINE, self._went_quiet, conn)

    def on_eof(self, conn: Connection) -> None:
        self._apply_commands(conn, conn.state.parser.finish())
        conn.close("closed the connection")

    def on_close(self, conn: Connection, reason: str) -> None:
        member = conn.state
        if member is not None and member.idle_timer is not None:
            member.idle_timer.cancel()
        if not self.stopping:  # (when the host closes the room, nobody is told who left)
            self._apply(self._room.leave(conn.id, reason))

    def on_stopping(self) -> None:
        notice = chat.encode_notice(chat.ROOM_CLOSED)
        for conn in self.connections():
            conn.send(notice)
        self._members = ()

    def log_write(self, conn: Connection, data, sent: int) -> None:
        member = conn.state
        hidden = member is not None and member.private_out and not self.show_private
        self.log_transfer(Kind.WROTE, conn, data, sent, shown=b"" if hidden else None)
        if member is not None and sent >= len(data):
            member.private_out = False

    def _went_quiet(self, conn: Connection) -> None:
        member = conn.state
        member.idle_timer = None
        if not conn.closed:
            self._apply_commands(conn, member.parser.idle())

    def _charge(self, conn: Connection, size: int, now: float) -> None:
        """Take ``size`` bytes from the client's budget; over it, pause reading from it."""
        member = conn.state
        elapsed = now - member.heard
        member.budget = min(float(SEND_BURST), member.budget + elapsed * SEND_RATE) - size
        if member.budget < 0:
            conn.pause_reading(-member.budget / SEND_RATE)

    # -- the room ---------------------------------------------------------------------
    def _apply_commands(self, conn: Connection, commands: List[chat.Command]) -> None:
        for command in commands:
            if conn.closed or conn.closing:
                return
            if self.show_private and isinstance(command, chat.Whisper):
                self.emit(Kind.INFO, f"[private] {self._room.name_of(conn.id)} to "
                                     f"{command.recipient}: {command.text}", conn=conn.id)
            self._apply(self._room.handle(conn.id, command))
            if not conn.identified and self._room.name_of(conn.id) is not None:
                conn.identify()

    def _apply(self, outcome: Outcome) -> None:
        if outcome.members_changed:  # before anyone hears of the change
            self._members = tuple(self._room.members)
        conns = self._conns
        for conn_id, data in outcome.deliveries:
            conn = conns.get(conn_id)
            if conn is not None:
                conn.send(data)
        for conn_id in outcome.private:
            conn = conns.get(conn_id)
            if conn is not None:
                conn.state.private_out = True
        for note in outcome.notes:
            self.emit(Kind.INFO, note,
                      result=Members(self._members) if outcome.members_changed else None)
        for conn_id in outcome.close:
            conn = conns.get(conn_id)
            if conn is not None:
                conn.close("said goodbye")


# -- the client ---------------------------------------------------------------------------
class ChatClient(RoomClient):
    """Joins a room and reports what happens as RESULT events carrying chat events.

    ``start()`` connects and sends ``ADD <name>``; a refused name arrives as a
    :class:`~labsuite.protocols.chat.Refused` event, and :meth:`join` may try another.
    Sending never blocks. When the server drops the connection the client says so (an
    ERROR event, then CLOSED) and stops itself.
    """

    source = "chat client"
    closed_text = "The chat server closed the connection."

    def __init__(self, host: str, port: int = ports.CHAT, name: str = "",
                 timeout: float = 10.0, on_event: Optional[EventCallback] = None):
        super().__init__(host, port, timeout, on_event)
        self.name = name
        self._parser = chat.ClientParser()

    def on_connected(self) -> None:
        super().on_connected()
        self._parser = chat.ClientParser()
        if self.name:
            self.join(self.name)

    def join(self, name: str) -> None:
        self.name = name.strip()
        self.send_bytes(chat.encode_add(self.name))

    def say(self, text: str) -> None:
        self.send_bytes(chat.encode_say(text))

    def whisper(self, recipient: str, text: str) -> None:
        self.send_bytes(chat.encode_whisper(recipient, text))

    def on_received(self, data: bytes) -> None:
        self.log_transfer(Kind.READ, data)
        for event in self._parser.receive(data):
            self.heard(goodbye=isinstance(event, chat.Goodbye),
                       notice=event.text if isinstance(event, chat.Notice) else "")
            self.emit(Kind.RESULT, chat.transcript_line(event) or type(event).__name__,
                      result=event)
