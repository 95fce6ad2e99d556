"""The poker text protocol: UTF-8 lines ending in "\\n" ("\\r\\n" accepted).

Client to server (case-insensitive; amounts are whole numbers)::

    JOIN <name>    CHECK    CALL    FOLD    BET <amount>    RAISE <total>    ALLIN
    MESSAGE <text>    QUIT

Server to client (one line each; MESSAGE is followed by a line with the text)::

    SEAT <seat> <name> <chips>          HAND <number> <dealer>
    BLINDS <small-name> <small> <big-name> <big>
    CARDS <c1> <c2>                     BOARD <c1> <c2> <c3> [<c4> [<c5>]]
    TURN <name> <to-call> <min-raise-to>
    ACTION <name> <fold|check|call|bet|raise|allin|blind> <amount>
    POT <amount>    SHOW <name> <c1> <c2> <description>    WIN <name> <amount> <description>
    CHIPS <name> <chips>    MESSAGE <sender>    NEW <name>    LEFT <name>
    ERROR <reason>    GOODBYE

Extensions a client may ignore: ``CLOCK <name> <seconds>``, ``POTS <main> <side> ...``,
``RETURN <name> <amount>`` (an uncalled bet), ``REBUY <name> <chips>``, ``WAIT <reason>``,
``AWAY <name>``, ``BACK <name>``, ``TIMEOUT <name>``, ``PLAYERS <name> ...`` (who is dealt
in) and ``STAKE <name> <amount>`` (a bet already made, told to a newcomer).

Server side: :func:`parse_command` reads one line, :class:`CommandReader` frames a byte
stream into commands, :func:`encode` writes an event. Client side: :func:`encode_command`
writes a command, :class:`ClientParser` turns the server's bytes into events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Callable, Dict, List, Optional, Tuple, Union

from ..chat import Invalid, Quit, Say, clean_text, one_line, printable, split_command
from ..lines import LineFramer, Overlong
from .cards import format_cards, parse_card, parse_cards
from .events import (ACTION_KINDS, Acted, AllIn, Away, Back, Bet, Blinds, Board, Call, Cards,
                     Check, Chips, Clock, Error, Event, Fold, Goodbye, Hand, Left, Message, New,
                     Players, Pot, Pots, Raise, Rebuy, Returned, Seat, Show, Stake, Timeout, Turn,
                     Wait, Win)

MAX_LINE = 4096
MAX_DIGITS = 12  # no table holds a trillion chips; also keeps int() cheap


# -- what a client sends -----------------------------------------------------------------
@dataclass(frozen=True)
class Join:
    name: str


# MESSAGE <text> (table talk) is the chat's Say; QUIT and a refused line (Invalid, whose
# reason goes back in an ERROR line) are the chat's too.
Command = Union[Join, Say, Quit, Invalid, Check, Call, Fold, Bet, Raise, AllIn]

_BARE = {"CHECK": Check, "CALL": Call, "FOLD": Fold, "ALLIN": AllIn, "QUIT": Quit}
_AMOUNT = {"BET": (Bet, "BET <amount>, like BET 40"),
           "RAISE": (Raise, "RAISE <total>, the whole bet you raise to, like RAISE 80")}


def parse_command(line: str) -> Optional[Command]:
    """One client line -> a command, or :class:`Invalid` with a reason; None for a blank
    line (nothing to do). A line ending, if any, is not part of the line."""
    word, rest = split_command(line.rstrip("\r\n"))
    if not word:
        return None
    if word in _BARE:
        if rest.strip():
            return Invalid(f"{word} takes nothing after it.")
        return _BARE[word]()
    if word in _AMOUNT:
        kind, usage = _AMOUNT[word]
        amount = rest.strip()
        if not amount:
            return Invalid(f"{word} needs an amount: {usage}.")
        if not (amount.isascii() and amount.isdigit()):
            return Invalid(f"{printable(amount[:20])!r} is not a whole number of chips: {usage}.")
        if len(amount.lstrip("0")) > MAX_DIGITS:
            return Invalid("That is more chips than any table holds.")
        return kind(int(amount))
    if word == "JOIN":
        if not rest.strip():
            return Invalid("JOIN needs a name: JOIN <your name>, one word like cool_cat.")
        return Join(rest.strip())
    if word == "MESSAGE":
        if not rest.strip():
            return Invalid("Empty message; nothing was sent.")
        return Say(clean_text(rest))
    return Invalid(f"Unknown command {printable(word[:20])!r}; use JOIN, CHECK, CALL, FOLD, "
                   "BET, RAISE, ALLIN, MESSAGE or QUIT.")


def encode_command(command: Command) -> bytes:
    """A client command as the line to send."""
    if isinstance(command, Join):
        return f"JOIN {one_line(command.name)}\n".encode()
    if isinstance(command, Say):
        return f"MESSAGE {one_line(command.text)}\n".encode()
    if isinstance(command, Bet):
        return f"BET {command.amount}\n".encode()
    if isinstance(command, Raise):
        return f"RAISE {command.total}\n".encode()
    for word, kind in _BARE.items():
        if type(command) is kind:
            return f"{word}\n".encode()
    raise TypeError(f"not a client command: {command!r}")


class CommandReader:
    """The server's side of one connection: bytes in, whatever the recv() boundaries,
    commands out. Bad lines become :class:`Invalid`; memory stays bounded."""

    def __init__(self, max_line: int = MAX_LINE):
        self._framer = LineFramer(max_line)

    def receive(self, data: bytes) -> List[Command]:
        return self._commands(self._framer.feed(data))

    def finish(self) -> List[Command]:
        """The client closed: an unfinished last line counts as complete."""
        return self._commands(self._framer.flush())

    def _commands(self, frames) -> List[Command]:
        commands: List[Command] = []
        for frame in frames:
            if isinstance(frame, Overlong):
                commands.append(Invalid(f"Line too long (over {self._framer.max_line} bytes); "
                                        "it was ignored."))
                continue
            try:
                line = frame.decode("utf-8")
            except UnicodeDecodeError:
                commands.append(Invalid("That line was not valid UTF-8 text; it was ignored."))
                continue
            command = parse_command(line)
            if command is not None:
                commands.append(command)
        return commands


# -- what the server sends --------------------------------------------------------------------
@dataclass(frozen=True)
class Unknown:
    """A server line our client does not understand (a newer extension, or garbage)."""

    line: str


@dataclass(frozen=True)
class _Field:
    write: Callable[[object], str]
    read: Callable[[str], object]
    tokens: Optional[int] = 1  # None: the rest of the line


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS + 3:
        raise ValueError(text)
    return int(text)


def _word(text: str) -> str:
    if not text:
        raise ValueError("empty")
    return text


def _kind(text: str) -> str:
    if text.lower() not in ACTION_KINDS:
        raise ValueError(text)
    return text.lower()


def _seconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


def _write_seconds(value) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _hole(text: str) -> Tuple:
    return tuple(parse_card(word) for word in text.split())


def _board(text: str) -> Tuple:
    cards = tuple(parse_cards(text))
    if not 3 <= len(cards) <= 5:
        raise ValueError(text)
    return cards


def _numbers(text: str) -> Tuple[int, ...]:
    values = tuple(_number(word) for word in text.split())
    if not values:
        raise ValueError("empty")
    return values


INT = _Field(str, _number)
WORD = _Field(str, _word)
KIND = _Field(str, _kind)
SECONDS = _Field(_write_seconds, _seconds)
HOLE = _Field(format_cards, _hole, tokens=2)
BOARD = _Field(format_cards, _board, tokens=None)
TEXT = _Field(lambda text: one_line(str(text)), lambda text: text, tokens=None)
NUMBERS = _Field(lambda values: " ".join(map(str, values)), _numbers, tokens=None)
NAMES = _Field(" ".join, lambda text: tuple(text.split()), tokens=None)

#: each event's line word and how each of its fields (but ``to``) is written
LINES: Dict[type, Tuple[str, Tuple[_Field, ...]]] = {
    Seat: ("SEAT", (INT, WORD, INT)),
    Hand: ("HAND", (INT, WORD)),
    Blinds: ("BLINDS", (WORD, INT, WORD, INT)),
    Cards: ("CARDS", (HOLE,)),
    Board: ("BOARD", (BOARD,)),
    Turn: ("TURN", (WORD, INT, INT)),
    Clock: ("CLOCK", (WORD, SECONDS)),
    Acted: ("ACTION", (WORD, KIND, INT)),
    Pot: ("POT", (INT,)),
    Pots: ("POTS", (NUMBERS,)),
    Returned: ("RETURN", (WORD, INT)),
    Show: ("SHOW", (WORD, HOLE, TEXT)),
    Win: ("WIN", (WORD, INT, TEXT)),
    Chips: ("CHIPS", (WORD, INT)),
    New: ("NEW", (WORD,)),
    Left: ("LEFT", (WORD,)),
    Error: ("ERROR", (TEXT,)),
    Goodbye: ("GOODBYE", ()),
    Rebuy: ("REBUY", (WORD, INT)),
    Wait: ("WAIT", (TEXT,)),
    Away: ("AWAY", (WORD,)),
    Back: ("BACK", (WORD,)),
    Timeout: ("TIMEOUT", (WORD,)),
    Players: ("PLAYERS", (NAMES,)),
    Stake: ("STAKE", (WORD, INT)),
}
_BY_WORD = {word: (kind, spec) for kind, (word, spec) in LINES.items()}


def encode(event: Event) -> bytes:
    """A server event as the bytes to send (MESSAGE is two lines)."""
    if isinstance(event, Message):
        return f"MESSAGE {event.sender}\n{one_line(event.text)}\n".encode()
    word, spec = LINES[type(event)]
    values = [getattr(event, f.name) for f in fields(event) if f.name != "to"]
    parts = [word, *(kind.write(value) for kind, value in zip(spec, values))]
    return (" ".join(part for part in parts if part) + "\n").encode()


def decode_line(line: str) -> Union[Event, Unknown, None]:
    """One server line (not a MESSAGE) -> its event, or Unknown; None for a blank line."""
    word, rest = split_command(line)
    if not word:
        return None
    known = _BY_WORD.get(word)
    if known is None:
        return Unknown(line)
    kind, spec = known
    values = []
    try:
        for field in spec:
            if field.tokens is None:
                values.append(field.read(rest.strip()))
                rest = ""
                continue
            parts = rest.split(None, field.tokens)
            if len(parts) < field.tokens:
                return Unknown(line)
            values.append(field.read(" ".join(parts[:field.tokens])))
            rest = parts[field.tokens] if len(parts) > field.tokens else ""
    except ValueError:
        return Unknown(line)
    return kind(*values)  # words after the last field (a newer server's) are ignored


class ClientParser:
    """Turns what a poker server sends into events, whatever the recv() boundaries."""

    def __init__(self, max_line: int = MAX_LINE):
        self._framer = LineFramer(max_line)
        self._sender: Optional[str] = None  # MESSAGE seen, waiting for its text line

    def receive(self, data: bytes) -> List[Union[Event, Unknown]]:
        events: List[Union[Event, Unknown]] = []
        for frame in self._framer.feed(data):
            if isinstance(frame, Overlong):
                self._sender = None
                events.append(Unknown(f"(a line of over {self._framer.max_line} bytes was "
                                      "skipped)"))
                continue
            # control characters made harmless: a server must not drive our terminal
            line = clean_text(frame.decode("utf-8", errors="replace"))
            if self._sender is not None:
                events.append(Message(self._sender, line))
                self._sender = None
                continue
            word, rest = split_command(line)
            if word == "MESSAGE":
                self._sender = rest.strip() or "?"
                continue
            event = decode_line(line)
            if event is not None:
                events.append(event)
        return events
