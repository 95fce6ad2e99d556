"""The course chat protocol (the CS1 paper, Figures 3 to 6), sans-IO.

Client to server, UTF-8 lines ending in "\\n" ("\\r\\n" accepted)::

    ADD <name>              join the room
    MESSAGE <text>          say something to everyone
    PRIVATE <recipient>     followed by one line with the content
    QUIT                    leave

Server to client::

    NEW <name>              someone joined (sent to everyone, the newcomer too)
    LEFT <name>             someone left (on QUIT the leaver sees it too, then GOODBYE)
    MESSAGE <sender>        followed by one line with the text
    PRIVATE <sender>        followed by one line with the content
    GOODBYE                 answer to QUIT; the server then closes

Extensions a client written to the paper simply ignores (it looks only at the first word
of each line): ``HERE <name>`` tells a newcomer who is already in the room,
``ERROR <reason>`` explains a refused request, and ``NOTICE <text>`` is news from the
server itself (``NOTICE The host closed the room.`` just before it closes). The server never sends an empty line,
which would crash the paper's client.

Nothing here touches a socket or a clock: :class:`ServerConnection` turns one client's
bytes into commands, :class:`ChatRoom` turns commands into deliveries (bytes for each
connection), and :class:`ClientParser` turns the server's bytes into events for a client.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Dict, Hashable, List, Optional, Tuple, Union

from .lines import LineFramer, Overlong
from .text import clean_text, is_control, name_problem, printable  # noqa: F401 (re-exported)

MAX_LINE = 4096
MAX_NAME = 32


# -- commands a client sends --------------------------------------------------------------
@dataclass(frozen=True)
class Add:
    name: str


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Whisper:
    recipient: str
    text: str


@dataclass(frozen=True)
class Quit:
    pass


@dataclass(frozen=True)
class Invalid:
    """A line the server refuses; ``reason`` goes back to the client in an ERROR line."""

    reason: str


Command = Union[Add, Say, Whisper, Quit, Invalid]


def encode_add(name: str) -> bytes:
    return f"ADD {one_line(name)}\n".encode()


def encode_say(text: str) -> bytes:
    return f"MESSAGE {one_line(text)}\n".encode()


def encode_whisper(recipient: str, text: str) -> bytes:
    return f"PRIVATE {one_line(recipient)}\n{one_line(text)}\n".encode()


def encode_quit() -> bytes:
    return b"QUIT\n"


def encode_notice(text: str) -> bytes:
    return f"NOTICE {one_line(text)}\n".encode()


#: What the server tells everyone when the host closes the room.
ROOM_CLOSED = "The host closed the room."


class ServerConnection:
    """Turns the bytes one client sends into commands, whatever the packet boundaries."""

    def __init__(self, max_line: int = MAX_LINE):
        self._framer = LineFramer(max_line)
        self._private_to: Optional[str] = None  # recipient waiting for its content line
        self._partial_reads = 0  # how many receive() calls the unfinished line came in

    @property
    def has_partial_line(self) -> bool:
        return self._framer.pending > 0

    @property
    def in_private(self) -> bool:
        """The line being received (or the next one) is a private message's content."""
        return self._private_to is not None

    def receive(self, data: bytes) -> List[Command]:
        pending_before = self._framer.pending
        commands = self._commands(self._framer.feed(data))
        if not self._framer.pending:
            self._partial_reads = 0
        elif b"\n" in data or not pending_before:
            self._partial_reads = 1  # the unfinished line began in this read
        else:
            self._partial_reads += 1
        return commands

    def idle(self) -> List[Command]:
        """The client went quiet mid-line: take the unfinished line as complete, if it is
        what the paper's client sends.

        That client sends ``MESSAGE <text>`` with no newline, relying on each send()
        arriving as one recv(); the server calls this after a short pause. Only such a
        line is completed: a whole ``MESSAGE`` line that came in one read. A line typed a
        key at a time (telnet in character mode) keeps waiting for its Enter.
        """
        if self._partial_reads != 1 or not self._framer.peek().lstrip().upper().startswith(
                b"MESSAGE "):
            return []
        self._partial_reads = 0
        return self._commands(self._framer.flush())

    def finish(self) -> List[Command]:
        """The client closed the connection: whatever it left unfinished is complete."""
        self._partial_reads = 0
        return self._commands(self._framer.flush())

    def _commands(self, frames) -> List[Command]:
        commands: List[Command] = []
        for frame in frames:
            command = self._command(frame)
            if command is not None:
                commands.append(command)
        return commands

    def _command(self, frame) -> Optional[Command]:
        if isinstance(frame, Overlong):
            self._private_to = None
            return Invalid(f"Line too long (over {self._framer.max_line} bytes); it was ignored.")
        try:
            line = frame.decode("utf-8")
        except UnicodeDecodeError:
            self._private_to = None
            return Invalid("That line was not valid UTF-8 text; it was ignored.")
        if self._private_to is not None:
            recipient, self._private_to = self._private_to, None
            if not line.strip():
                return Invalid("Empty private message; nothing was sent.")
            return Whisper(recipient, clean_text(line))
        word, rest = split_command(line)
        if not word:
            return None  # a bare Enter from a telnet user
        if word == "ADD":
            return Add(rest)
        if word == "MESSAGE":
            if not rest.strip():
                return Invalid("Empty message; nothing was sent.")
            return Say(clean_text(rest))
        if word == "PRIVATE":
            recipient = rest.strip()
            if not recipient:
                return Invalid("PRIVATE needs a name: PRIVATE <name>, then the message on the next line.")
            self._private_to = recipient
            return None
        if word == "QUIT":
            return Quit()
        return Invalid(f"Unknown command {printable(word[:20])!r}; "
                       "use ADD, MESSAGE, PRIVATE or QUIT.")


def split_command(line: str) -> Tuple[str, str]:
    """The first word in capitals, and the rest after one separating space."""
    stripped = line.lstrip()
    if not stripped:
        return "", ""
    parts = stripped.split(None, 1)
    word = parts[0]
    rest = stripped[len(word):]
    if rest[:1] in (" ", "\t"):
        rest = rest[1:]
    return word.upper(), rest


# -- the room -----------------------------------------------------------------------------
ConnId = Hashable


@dataclass
class Outcome:
    """What the server should do after a command: bytes to send, connections to close
    once their output is sent, and plain notes for the log."""

    deliveries: List[Tuple[ConnId, bytes]] = field(default_factory=list)
    close: List[ConnId] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    members_changed: bool = False
    #: Connections that were given a private message (their output is not to be shown).
    private: List[ConnId] = field(default_factory=list)

    def send(self, conn: ConnId, data: bytes) -> None:
        self.deliveries.append((conn, data))


class ChatRoom:
    """Who is in the room, and what each command means for everyone in it."""

    def __init__(self):
        self._names: Dict[ConnId, str] = {}  # joined connections, in order of joining
        self._by_key: Dict[str, ConnId] = {}  # casefolded name -> connection

    @property
    def members(self) -> List[str]:
        return list(self._names.values())

    def name_of(self, conn: ConnId) -> Optional[str]:
        return self._names.get(conn)

    def handle(self, conn: ConnId, command: Command) -> Outcome:
        outcome = Outcome()
        name = self._names.get(conn)
        if isinstance(command, Invalid):
            self._refuse(outcome, conn, command.reason)
        elif isinstance(command, Quit):
            if name is not None:
                self._remove(outcome, conn, include_leaver=True)
            outcome.send(conn, b"GOODBYE\n")
            outcome.close.append(conn)
        elif isinstance(command, Add):
            self._join(outcome, conn, command.name)
        elif name is None:
            self._refuse(outcome, conn, "Join the room first: ADD <your name>.")
        elif isinstance(command, Say):
            self._broadcast(outcome, f"MESSAGE {name}\n{command.text}\n".encode())
            outcome.notes.append(f"{name}: {command.text}")
        elif isinstance(command, Whisper):
            target = self._by_key.get(fold(command.recipient))
            if target is None:
                self._refuse(outcome, conn, f"Nobody called {command.recipient!r} is in the room.")
            else:
                outcome.send(target, f"PRIVATE {name}\n{command.text}\n".encode())
                outcome.private.append(target)
                # private means private, on the host's screen too: who and how much, no text
                outcome.notes.append(f"{name} sent a private message to {self._names[target]} "
                                     f"({len(command.text)} characters)")
        return outcome

    def leave(self, conn: ConnId, reason: str = "") -> Outcome:
        """The connection is gone (closed, reset, dropped); remove it exactly once."""
        outcome = Outcome()
        if conn in self._names:
            self._remove(outcome, conn, include_leaver=False, reason=reason)
        return outcome

    def _join(self, outcome: Outcome, conn: ConnId, raw_name: str) -> None:
        if conn in self._names:
            self._refuse(outcome, conn, f"You are already in the room as {self._names[conn]!r}.")
            return
        name, problem = check_name(raw_name)
        if problem is None and fold(name) in self._by_key:
            problem = f"The name {name!r} is already taken; choose another name."
        if problem is not None:
            self._refuse(outcome, conn, problem)
            return
        others = self.members
        self._names[conn] = name
        self._by_key[fold(name)] = conn
        self._broadcast(outcome, f"NEW {name}\n".encode())
        for other in others:
            outcome.send(conn, f"HERE {other}\n".encode())
        outcome.notes.append(f"{name} joined the room")
        outcome.members_changed = True

    def _remove(self, outcome: Outcome, conn: ConnId, include_leaver: bool,
                reason: str = "") -> None:
        name = self._names[conn]
        if not include_leaver:
            del self._names[conn]
        self._broadcast(outcome, f"LEFT {name}\n".encode())
        self._names.pop(conn, None)
        del self._by_key[fold(name)]
        outcome.notes.append(f"{name} left the room" + (f" ({reason})" if reason else ""))
        outcome.members_changed = True

    def _broadcast(self, outcome: Outcome, data: bytes) -> None:
        outcome.deliveries.extend((member, data) for member in self._names)

    @staticmethod
    def _refuse(outcome: Outcome, conn: ConnId, reason: str) -> None:
        outcome.send(conn, f"ERROR {one_line(reason)}\n".encode())
        outcome.notes.append(f"refused: {reason}")


def check_name(raw: str) -> Tuple[str, Optional[str]]:
    """The trimmed name, and a plain reason when it cannot be used (else None)."""
    name = raw.strip()
    if not name:
        return name, "A name is needed: ADD <your name>."
    if len(name) > MAX_NAME:
        return name, f"Names can be at most {MAX_NAME} characters long."
    if name_problem(name):  # "good\u200b" would pass for "good", "\u3164" for nobody
        return name, "Names cannot contain control or invisible characters."
    return name, None


def fold(name: str) -> str:
    """Names are unique without regard to case ("Cool Cat" is "cool cat")."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


# -- the client's side --------------------------------------------------------------------
@dataclass(frozen=True)
class Joined:
    name: str


@dataclass(frozen=True)
class Present:
    """Someone who was already in the room when we joined (the HERE extension)."""

    name: str


@dataclass(frozen=True)
class Left:
    name: str


@dataclass(frozen=True)
class Message:
    sender: str
    text: str


@dataclass(frozen=True)
class Private:
    sender: str
    text: str


@dataclass(frozen=True)
class Goodbye:
    pass


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Notice:
    """News from the server itself (the NOTICE extension), e.g. the room closing."""

    text: str


@dataclass(frozen=True)
class Unknown:
    line: str


ChatEvent = Union[Joined, Present, Left, Message, Private, Goodbye, Refused, Notice, Unknown]


class ClientParser:
    """Turns what a chat server sends into events, for our own clients.

    Lenient, since it must also work against servers students write to the paper: those
    send an extra empty line after each MESSAGE body, which is skipped.
    """

    def __init__(self, max_line: int = 64 * 1024):
        self._framer = LineFramer(max_line)
        self._body_for: Optional[Tuple[type, str]] = None  # (Message or Private, sender)

    def receive(self, data: bytes) -> List[ChatEvent]:
        events: List[ChatEvent] = []
        for frame in self._framer.feed(data):
            if isinstance(frame, Overlong):
                self._body_for = None
                events.append(Unknown(f"(a line of over {self._framer.max_line} bytes was skipped)"))
                continue
            # control characters made harmless: a server must not drive our terminal
            event = self._event(clean_text(frame.decode("utf-8", errors="replace")))
            if event is not None:
                events.append(event)
        return events

    def _event(self, line: str) -> Optional[ChatEvent]:
        if self._body_for is not None:
            kind, sender = self._body_for
            self._body_for = None
            return kind(sender, line)
        if not line.strip():
            return None
        word, rest = split_command(line)
        if word in ("MESSAGE", "PRIVATE"):
            self._body_for = (Message if word == "MESSAGE" else Private, rest.strip())
            return None
        simple = {"NEW": Joined, "HERE": Present, "LEFT": Left, "ERROR": Refused,
                  "NOTICE": Notice}
        if word in simple:
            return simple[word](rest.strip())
        if word == "GOODBYE":
            return Goodbye()
        return Unknown(line)


def transcript_line(event: ChatEvent) -> Optional[str]:
    """The line the paper's sample session shows for an event (None: show nothing)."""
    if isinstance(event, Joined):
        return f"==> {event.name} has joined the chat room"
    if isinstance(event, Left):
        return f"==> {event.name} has left the chat room"
    if isinstance(event, Message):
        return f"==> {event.sender}: {event.text}"
    if isinstance(event, Private):
        return f"==> [private] {event.sender}: {event.text}"
    if isinstance(event, Refused):
        return f"==> [server] {event.reason}"
    if isinstance(event, Notice):
        return f"==> {event.text}"
    return None


# -- what a person types ------------------------------------------------------------------
def parse_typed(line: str) -> Optional[Command]:
    """The paper client's input rules: ``quit``, ``private <name>: text``, else a message.

    Returns None for a blank line (nothing to send).
    """
    if not line.strip():
        return None
    if line.strip().lower() == "quit":
        return Quit()
    first = line.split(None, 1)[0].lower()
    if first == "private":
        head, colon, text = line.partition(":")
        recipient = head.strip()[len("private"):].strip()
        if not colon or not recipient:
            return Invalid("To send a private message type: private <name>: <message>")
        if not text.strip():
            return Invalid("Nothing to send after the colon.")
        return Whisper(recipient, text.strip())
    return Say(line.rstrip("\r\n"))
