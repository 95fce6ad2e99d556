"""The poker server and client: the course paper's capstone, played across lab machines.

:class:`PokerServer` runs one :class:`~labsuite.protocols.poker.Table` on the one server
core, so the table is touched by the loop thread only. It parses each connection's lines
into commands, hands them to the table, and routes what the table says: public events to
every connection (players and watchers: a connection that has not joined watches), private
ones (hole cards, errors, a newcomer's catch-up) to one player's connection. A timer set to
the table's next deadline runs the turn clock, the computer players, the pause between
hands and the seats of players who vanished. Hole cards never reach the host's log: the
log says cards were dealt, never which, and writes that carry them show no bytes.

:class:`PokerClient` joins with a name (or only watches), sends actions and table talk,
and reports every server event as a RESULT event carrying it, folded into a
:class:`~labsuite.protocols.poker.TableView` that a terminal or a window draws from.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Callable, Dict, List, Optional, Union

from labsuite.protocols import chat
from labsuite.protocols.chat import Invalid, Notice, Quit, Say, fold
from labsuite.protocols.poker import (Action, AllIn, Bet, Call, Check, ClientParser,
                                      CommandReader, Deck, Fold, Join, PlayerView, Raise,
                                      Table, TableConfig, TableView, Unknown, encode,
                                      encode_command, parse_command)
from labsuite.protocols.poker.events import (Away, Back, Cards, Chips, Clock, Error, Goodbye,
                                             Hand, Message, New, Seat)
from labsuite.protocols.poker.table import NOT_SEATED

from . import ports
from .client import RoomClient
from .core import Connection, SelectorServer, Timer
from .errors import NetError
from .events import EventCallback, Kind

#: Bytes waiting for one connection before it counts as gone (it stopped reading).
MAX_PENDING_OUTPUT = 512 * 1024
#: Eight players and a classroom watching; beyond it the oldest watcher makes room.
MAX_CONNECTIONS = 200
#: Public lines of the hand being played kept for a watcher who arrives during it.
HAND_LOG_LIMIT = 4096
#: Table talk a player may send: lines a second, and at once. Talk goes to everyone, so a
#: flood of it is what could swamp the others; anything else a client sends is answered
#: to that client alone.
TALK_RATE, TALK_BURST = 2.0, 10.0
#: The most any timing option may be: longer than a lesson.
MAX_SECONDS = 24 * 3600.0
MAX_CHIPS = 10 ** 9
#: History and talk lines a client's view keeps (a bot table plays thousands of hands).
KEEP_LINES = 1000

WELCOME = ("Welcome to the poker table. You are watching: type JOIN <name> to sit down "
           "(one word, like cool_cat).")
TABLE_CLOSED = "The host closed the table."
ALREADY_SEATED = "You are at the table as {name}; QUIT first to sit down under another name."
TALK_LIMIT = (f"Slow down: at most {TALK_BURST:g} messages at once and {TALK_RATE:g} a "
              "second reach the table; that one was not sent.")
ACTIONS = (Check, Call, Fold, Bet, Raise, AllIn)
_SKIPPED_IN_LOG = (Message, Clock)  # not part of a late watcher's picture of the hand


def table_config(*, seats: int = 8, small_blind: int = 10, big_blind: int = 20,
                 stack: int = 1000, turn_seconds: float = 30.0, rebuy: bool = False,
                 hand_pause: float = 3.0, reconnect_seconds: float = 60.0,
                 bot_delay: float = 0.5, bots: int = 0) -> TableConfig:
    """The table's settings, checked: a ValueError says in plain words what is wrong."""
    problems = []
    for noun, value, low, high in (("seats", seats, 2, 8), ("computer players", bots, 0, 8),
                                   ("the small blind", small_blind, 1, MAX_CHIPS),
                                   ("the big blind", big_blind, 1, MAX_CHIPS),
                                   ("the stack", stack, 1, MAX_CHIPS)):
        if type(value) is not int or not low <= value <= high:
            problems.append(f"{noun} must be a whole number from {low} to {high:,}")
    for noun, value in (("turn seconds", turn_seconds), ("the hand pause", hand_pause),
                        ("reconnect seconds", reconnect_seconds),
                        ("the bot delay", bot_delay)):
        # (not a bool, and NaN fails the comparison)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0 <= value <= MAX_SECONDS:
            problems.append(f"{noun} must be a number of seconds from 0 to {MAX_SECONDS:g}")
    if not problems and bots > seats:
        problems.append(f"{bots} computer players do not fit at {seats} seats")
    if problems:
        raise ValueError("Poker table settings: " + "; ".join(problems) + ".")
    return TableConfig(seats=seats, small_blind=small_blind, big_blind=big_blind,
                       starting_stack=stack, turn_seconds=float(turn_seconds),
                       reconnect_seconds=float(reconnect_seconds),
                       hand_pause=float(hand_pause), rebuy=bool(rebuy),
                       bot_seconds=float(bot_delay))


def make_table(config: TableConfig, seed: Optional[int] = None,
               deck_source: Optional[Callable[[], Deck]] = None) -> Table:
    """A table whose cards are shuffled by the operating system's randomness (nobody can
    predict them), or from ``seed`` (the same seed, the same game); ``deck_source``, a
    function giving a new Deck, replaces the shuffling."""
    if seed is None:
        shuffler: random.Random = random.SystemRandom()
        bot_rng = random.Random()
    else:
        shuffler, bot_rng = random.Random(seed), random.Random(f"bots {seed}")
    if deck_source is None:
        def deck_source() -> Deck:
            return Deck.shuffled(shuffler)
    return Table(config, deck_source, bot_rng)


def notice(text: str) -> bytes:
    """A NOTICE line: news from the server itself (the chat's extension; clients that do
    not know it ignore it)."""
    return chat.encode_notice(text)


class _Guest:
    """The server's view of one connection: a watcher until it joins."""

    __slots__ = ("reader", "name", "key", "talk", "talked_at", "secret_out")

    def __init__(self, now: float):
        self.reader = CommandReader()
        self.name: Optional[str] = None  # seated under this name
        self.key = ""  # the name without regard to case
        self.talk = TALK_BURST  # table-talk lines it may still send now
        self.talked_at = now
        self.secret_out = False  # hole cards are among its unsent output

    def may_talk(self, now: float) -> bool:
        self.talk = min(TALK_BURST, self.talk + (now - self.talked_at) * TALK_RATE)
        self.talked_at = now
        if self.talk < 1:
            return False
        self.talk -= 1
        return True


class PokerServer(SelectorServer):
    """One poker table for everyone who connects.

    Options (all checked, see :func:`table_config`): ``bots`` computer players seated at
    the start, ``bot_delay`` seconds they think (0 in tests and benchmarks), the blinds,
    the starting ``stack``, ``turn_seconds`` before the table checks or folds for a player,
    ``rebuy`` (a busted player gets the stack again), ``hand_pause`` between hands,
    ``reconnect_seconds`` a vanished player's seat is kept. Cards are shuffled by the
    operating system's randomness, or from ``seed`` to replay a game; ``deck_source``
    (a function giving a new Deck) replaces both, for tests and lessons.
    """

    source = "poker server"
    announce_as = "poker"
    max_output = MAX_PENDING_OUTPUT
    #: Poker lines are short: a smaller share per round keeps one flooder from taking many
    #: rounds' worth of the loop.
    recv_size = 8192

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = ports.POKER,
                 on_event: Optional[EventCallback] = None, *, bots: int = 0,
                 bot_delay: float = 0.5, small_blind: int = 10, big_blind: int = 20,
                 stack: int = 1000, turn_seconds: float = 30.0, rebuy: bool = False,
                 hand_pause: float = 3.0, reconnect_seconds: float = 60.0, seats: int = 8,
                 seed: Optional[int] = None,
                 deck_source: Optional[Callable[[], Deck]] = None,
                 max_connections: int = MAX_CONNECTIONS):
        self.config = table_config(seats=seats, small_blind=small_blind, big_blind=big_blind,
                                   stack=stack, turn_seconds=turn_seconds, rebuy=rebuy,
                                   hand_pause=hand_pause, reconnect_seconds=reconnect_seconds,
                                   bot_delay=bot_delay, bots=bots)
        super().__init__(host, port, on_event)
        self.bots = bots
        self.seed = seed
        self.max_connections = max_connections
        self._deck_source = deck_source
        self._table = make_table(self.config, seed, deck_source)
        self._players: Dict[str, Connection] = {}  # folded name -> connection
        self._timer: Optional[Timer] = None
        self._timer_for: Optional[float] = None  # the table deadline it was set for
        self._hand_log: List[bytes] = []  # public lines of the hand being played
        self._spectator = TableView()  # the host's picture, for the log's words
        self._snapshot: PlayerView = self._table.view_for(None)

    # -- what the window reads (any thread) ---------------------------------------------
    @property
    def snapshot(self) -> PlayerView:
        """The table as a watcher sees it (seats, chips, bets, hand number, board, pot,
        whose turn); never anyone's hole cards. Replaced, never changed: safe to read
        from any thread."""
        return self._snapshot

    @property
    def watchers(self) -> int:
        """Connections that have not joined (they see the public game)."""
        return sum(1 for conn in self.connections()
                   if conn.state is not None and conn.state.name is None)

    def add_bot(self) -> None:
        """Seat a computer player (safe from any thread); the log says who sat down, or
        that the table is full."""
        if not self.running or self.stopping:
            raise NetError("The poker table is not open: start the server first.")
        self.call_soon_threadsafe(self._add_bot)

    # -- the table ------------------------------------------------------------------------
    def on_start(self) -> None:
        self._table = make_table(self.config, self.seed, self._deck_source)
        self._players.clear()
        self._timer = self._timer_for = None
        self._hand_log = []
        self._spectator = TableView()
        self._snapshot = self._table.view_for(None)
        for _ in range(self.bots):
            self._add_bot()

    def _add_bot(self) -> None:
        if self.stopping:
            return
        name, events = self._table.add_bot(time.monotonic())
        if name is None:
            self._note(f"The table is full ({self.config.seats} seats); "
                       "no computer player was added.")
        self._play(events)

    def _tick(self) -> None:
        self._timer = self._timer_for = None
        self._play(self._table.tick(time.monotonic()))

    def _play(self, events: list) -> None:
        """Deliver what the table said, then set the timer for its next deadline."""
        if events:
            self._deliver(events)
            self._snapshot = self._table.view_for(None)
            if self.log_steps:
                self._log(events)
        deadline = self._table.next_deadline()
        if deadline == self._timer_for:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_for = deadline
        if deadline is not None:
            self._timer = self.call_later(deadline - time.monotonic(), self._tick)

    def _deliver(self, events: list) -> None:
        """Public events to every connection, the others to their player's connection."""
        everyone: Optional[List[Connection]] = None
        hand_log = self._hand_log
        for event in events:
            data = encode(event)
            to = event.to
            if to is None:
                if everyone is None:
                    everyone = [conn for conn in self._conns.values() if not conn.closing]
                for conn in everyone:
                    conn.send(data)
                kind = type(event)
                if kind is Hand:
                    hand_log = self._hand_log = [data]
                elif kind not in _SKIPPED_IN_LOG and len(hand_log) < HAND_LOG_LIMIT:
                    hand_log.append(data)
                continue
            conn = self._players.get(fold(to))
            if conn is None or conn.closing:
                continue  # a computer player, or someone already gone
            conn.send(data)
            kind = type(event)
            if kind is Cards:
                conn.state.secret_out = True
            elif kind is Goodbye:
                self._forget(conn)
                conn.close("said goodbye")
                everyone = None

    def _forget(self, conn: Connection) -> Optional[str]:
        """The connection no longer speaks for its player; returns that name."""
        guest = conn.state
        name = guest.name
        if name is not None and self._players.get(guest.key) is conn:
            del self._players[guest.key]
        guest.name, guest.key = None, ""
        return name

    # -- connections ----------------------------------------------------------------------
    def on_connect(self, conn: Connection) -> None:
        conn.state = _Guest(conn.accepted)
        conn.send(self._catch_up())

    def on_full(self, conn: Connection) -> None:
        conn.state = _Guest(conn.accepted)
        conn.send(encode(Error("The table is full of players and watchers; "
                               "try again later.")))
        conn.close("the table is full")

    def _catch_up(self) -> bytes:
        """What a watcher needs to see the table as it is: the seats, and the hand being
        played so far (its public lines, then a fresh clock)."""
        view = self._table.view_for(None)
        parts = [notice(WELCOME)]
        for seat in view.seats:
            parts.append(encode(Seat(seat.seat, seat.name, seat.chips)))
            if seat.away:
                parts.append(encode(Away(seat.name)))
        if view.hand_running:
            parts += self._hand_log
            if view.turn is not None and view.deadline is not None:
                left = max(0.0, view.deadline - time.monotonic())
                parts.append(encode(Clock(view.turn, round(left, 3))))
        return b"".join(parts)

    def on_data(self, conn: Connection, data: bytes) -> None:
        self._handle_all(conn, conn.state.reader.receive(data))

    def on_eof(self, conn: Connection) -> None:
        self._handle_all(conn, conn.state.reader.finish())
        if not conn.closing:
            conn.close("closed the connection")

    def on_close(self, conn: Connection, reason: str) -> None:
        if conn.state is None or self.stopping:
            return  # (when the host closes the table, nobody is folded or told who left)
        name = self._forget(conn)
        if name is not None:
            self._play(self._table.disconnect(name, time.monotonic()))

    def on_stopping(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        line = notice(TABLE_CLOSED)
        for conn in self.connections():
            if not conn.closing:
                conn.send(line)
        self._snapshot = PlayerView(None, ())

    def log_write(self, conn: Connection, data, sent: int) -> None:
        guest = conn.state
        hidden = guest is not None and guest.secret_out
        self.log_transfer(Kind.WROTE, conn, data, sent, shown=b"" if hidden else None)
        if hidden and sent >= len(data):
            guest.secret_out = False

    # -- commands ---------------------------------------------------------------------------
    def _handle_all(self, conn: Connection, commands: list) -> None:
        for command in commands:
            if conn.closed or conn.closing:
                return
            self._handle(conn, command)

    def _handle(self, conn: Connection, command) -> None:
        guest: _Guest = conn.state
        now = time.monotonic()
        if isinstance(command, Invalid):
            return self._refuse(conn, command.reason)
        if isinstance(command, Join):
            return self._join(conn, command.name, now)
        if isinstance(command, Quit):
            if guest.name is None:
                conn.send(encode(Goodbye()))
                return conn.close("said goodbye")
            return self._play(self._table.quit(guest.name, now))
        if guest.name is None:
            return self._refuse(conn, NOT_SEATED)
        if isinstance(command, Say):
            if not guest.may_talk(now):
                return self._refuse(conn, TALK_LIMIT)
            return self._play(self._table.message(guest.name, command.text, now))
        self._play(self._table.act(guest.name, command, now))

    def _join(self, conn: Connection, wanted: str, now: float) -> None:
        guest: _Guest = conn.state
        if guest.name is not None:
            return self._refuse(conn, ALREADY_SEATED.format(name=guest.name))
        events = self._table.join(wanted, now)
        if len(events) == 1 and isinstance(events[0], Error):
            # (addressed to the name asked for, which may be someone else's: to the asker)
            return self._refuse(conn, events[0].reason)
        key = fold(wanted)
        guest.name = next(name for name in self._table.players if fold(name) == key)
        guest.key = key
        self._players[key] = conn
        conn.identify()  # a player: never evicted to make room for a newcomer
        self._play(events)

    def _refuse(self, conn: Connection, reason: str) -> None:
        """An ERROR line to this connection alone; the table is unchanged."""
        conn.send(encode(Error(reason)))
        if self.log_steps:
            who = conn.state.name or f"connection #{conn.id}"
            self._note(f"{who} was refused: {reason}", conn=conn.id)

    # -- the log ----------------------------------------------------------------------------
    def _note(self, text: str, **fields) -> None:
        self.emit(Kind.INFO, text, result=self._snapshot, **fields)

    def _log(self, events: list) -> None:
        """The game in plain words, from the public events (and a count of private ones:
        cards were dealt, never which)."""
        view, lines, dealt, chips = self._spectator, [], [], []
        previous = None
        for event in events:
            kind = type(event)
            if kind is Cards:
                dealt.append(event.to)
                continue
            if dealt:
                lines.append(_dealt(dealt))
                dealt = []
            if kind is Chips and event.to is None:
                chips.append(f"{event.name} {event.chips:,}")
            elif chips:
                lines.append("Chips: " + ", ".join(chips))
                chips = []
            if event.to is not None:
                if kind is Error:
                    lines.append(f"{event.to} was refused: {event.reason}")
                continue  # a newcomer's catch-up: nothing new
            said = view.apply(event)
            if kind is Seat and isinstance(previous, New) and previous.name == event.name:
                said = [f"{event.name} joined seat {event.seat}"]
            elif kind is New:
                said = []
            elif kind is Hand:
                said = [f"Hand {event.number}: dealer {event.dealer}"]
            lines += said
            previous = event
        if dealt:
            lines.append(_dealt(dealt))
        if chips:
            lines.append("Chips: " + ", ".join(chips))
        for line in lines:
            self._note(line)


def _dealt(names: List[str]) -> str:
    """That hole cards went out, never which."""
    if len(names) == 1:  # a player who came back is told their cards again
        return f"{names[0]} was shown their cards again (not shown here)"
    return f"Dealt two cards to each of {len(names)} players (not shown)"


# -- the client ---------------------------------------------------------------------------
class PokerClient(RoomClient):
    """Sits at a poker table (or, with no name, watches it) and reports what happens.

    ``start()`` connects and, given a name, sends ``JOIN``; a refused name arrives as an
    :class:`~labsuite.protocols.poker.events.Error` event and :meth:`join` may try
    another. Every server event becomes a RESULT event whose ``result`` is the event and
    whose text is how the table tells it ("bot_ada raises to 120"). The client folds
    each event into :attr:`view` first, so in the event callback the view is up to date;
    another thread (a window) reads :meth:`snapshot`, or folds the RESULT events into a
    TableView of its own. Sending never blocks. When the server drops the connection the
    client says why (an ERROR event, e.g. "The host closed the table."), then CLOSED.
    """

    source = "poker client"
    closed_text = "The poker server closed the connection."

    def __init__(self, host: str, port: int = ports.POKER, name: str = "",
                 timeout: float = 10.0, on_event: Optional[EventCallback] = None):
        super().__init__(host, port, timeout, on_event)
        self.name = name.strip()
        self._view_lock = threading.Lock()
        self._joined = threading.Event()
        self._parser = ClientParser()
        self._view = TableView(self.name or None)

    # -- reading ----------------------------------------------------------------------------
    @property
    def view(self) -> TableView:
        """The table as this client knows it; changed by the reader thread, so read it in
        the event callback (or use :meth:`snapshot` from another thread)."""
        return self._view

    def snapshot(self) -> PlayerView:
        """A read-only picture of the table now (my cards, my choices), from any thread."""
        with self._view_lock:
            return self._view.snapshot()

    @property
    def joined(self) -> bool:
        """The table seated us (NEW or BACK with our name came back)."""
        return self._joined.is_set()

    def wait_joined(self, timeout: float) -> bool:
        return self._joined.wait(timeout)

    # -- sending ----------------------------------------------------------------------------
    def on_connected(self) -> None:
        super().on_connected()
        self._joined.clear()
        self._parser = ClientParser()
        self._view = TableView(self.name or None)
        if self.name:
            self.join(self.name)

    def join(self, name: str) -> None:
        """Ask for a seat under ``name`` (one word, like cool_cat)."""
        self.name = name.strip()
        with self._view_lock:
            self._view.me = self.name or None
        self.send_bytes(encode_command(Join(self.name)))

    def act(self, action: Union[Action, str]) -> None:
        """A betting action: ``Check()``, ``Bet(40)``... or the words, ``"raise 120"``.
        Words that are not an action raise ValueError with the reason; whether the action
        is allowed now is the table's to say (an ERROR event)."""
        if isinstance(action, str):
            action = parse_command(action)
            if isinstance(action, Invalid):
                raise ValueError(action.reason)
        if not isinstance(action, ACTIONS):
            raise ValueError("That is not a poker action: CHECK, CALL, FOLD, BET <amount>, "
                             "RAISE <total> or ALLIN.")
        self.send_bytes(encode_command(action))

    def say(self, text: str) -> None:
        """Table talk: everyone seated and watching reads it."""
        self.send_bytes(encode_command(Say(text)))

    # -- the reader thread --------------------------------------------------------------------
    def on_received(self, data: bytes) -> None:
        self.log_transfer(Kind.READ, data)
        now = time.monotonic()
        for event in self._parser.receive(data):
            if isinstance(event, Unknown):
                event = _notice_in(event)
            with self._view_lock:
                lines = self._view.apply(event, now)
                self._track(event)
                for kept in (self._view.history, self._view.talk):
                    if len(kept) > 2 * KEEP_LINES:
                        del kept[:-KEEP_LINES]
            self.emit(Kind.RESULT, "; ".join(lines) or describe(event), result=event)

    def _track(self, event) -> None:
        if isinstance(event, (New, Back)) and self.name and fold(event.name) == fold(self.name):
            self._joined.set()
        self.heard(goodbye=isinstance(event, Goodbye),
                   notice=event.text if isinstance(event, Notice) else "")


def _notice_in(event: Unknown) -> Union[Unknown, Notice]:
    word, rest = chat.split_command(event.line)
    return Notice(rest.strip()) if word == "NOTICE" and rest.strip() else event


def describe(event) -> str:
    """An event in a few words when the table view has no history line for it."""
    if isinstance(event, Notice):
        return event.text
    if isinstance(event, Unknown):
        return event.line
    return encode(event).decode("utf-8", "replace").strip().replace("\n", ": ")
