"""The Poker tab: host a table with one button, or sit at a partner's, and play.

The course paper's capstone (a server that runs the game, clients grown from the chat
client) as a window: the table drawn on a canvas (:mod:`..widgets.card_table`), the
buttons for your turn with the legal amounts (:mod:`..widgets.poker_actions`), the
hand's history and the table talk, over the same socket log as every tab.

The tab folds the client's events into a :class:`~labsuite.protocols.poker.TableView`
of its own, on the Tk thread, and draws from it. Nothing here learns anyone else's hole
cards (the server never sends them), and your own never reach the log: a read that
carries them is logged without its bytes, as the server's log does for its writes.
"""

from __future__ import annotations

import getpass
import re
import time
import tkinter as tk
from tkinter import ttk
from typing import Callable, Dict, List, Optional

from labsuite.net import ports
from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.net.poker import KEEP_LINES, TABLE_CLOSED, WELCOME, PokerClient, PokerServer
from labsuite.protocols.chat import Notice, fold
from labsuite.protocols.poker import Action, TableView
from labsuite.protocols.poker.events import (Acted, Away, Back, Blinds, Board, Cards, Clock,
                                             Error, Hand, Message, New, Players, Pot, Seat,
                                             Stake, Turn, Win)

from .. import style
from ..pump import EventPump
from ..settings import Settings
from ..widgets import LogView, ServerControls, Tab, confirm, on_return, set_enabled, tip, tips
from ..widgets.card_table import CardTable, seconds_text
from ..widgets.poker_actions import WHOLE, ActionBar
from ..widgets.room_join import JoinBox, JoinWords
from ..widgets.table_scene import HandNotes, scene_of

NOT_SEATED = "Not at a table"
WORDS = JoinWords(idle=NOT_SEATED, seated="At the table as {name} ({host} port {port})",
                  asking="Asking for a seat as {name}…",
                  refused="The table refused: {reason} Change your name and press Join.",
                  no_name="Type your name first (one word, like cool_cat).")
#: ``ask(parent, title, question, yes, no, on_answer, details)`` (dialogs.confirm).
Ask = Callable[..., object]
#: How often the turn clock on the table counts down.
TICK_MS = 250
#: The table's own settings a student may change, with their defaults.
TABLE_SETTINGS = {"poker.blinds.small": 10, "poker.blinds.big": 20, "poker.stack": 1000,
                  "poker.turn_seconds": 30, "poker.rebuy": False}
TURN_RANGE = (5, 3600)
#: What a newcomer is told again about the hand already on the table.
_CATCH_UP = (Seat, Away, Hand, Players, Blinds, Pot, Stake, Acted, Cards, Board, Turn, Clock)


def default_name() -> str:
    """A first suggestion: the login name made into one word (the table may refuse it)."""
    try:
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", getpass.getuser()).strip("_")[:16]
    except Exception:  # no user name on this system
        name = ""
    return name if name and not name.lower().startswith("bot_") else "player"


class PrivateReads:
    """Which reads of one connection carry a CARDS line: those are logged without their
    bytes. A line may be split across reads, so the unfinished end of each read is kept
    (unknown when the log kept only the start of a long read: the next read's first
    line is then hidden too if it could hold cards)."""

    CARD = re.compile(rb"[2-9TJQKA][cdhs]")

    def __init__(self):
        self.tail: Optional[bytes] = b""

    def screen(self, event: Event) -> Event:
        if event.kind is not Kind.READ or event.hidden:
            return event
        data = event.data
        tail = self.tail
        if tail is None:
            first = data.split(b"\n", 1)[0]
            private = b"CARDS" in data or bool(self.CARD.search(first))
        else:
            private = b"\nCARDS" in b"\n" + (tail + data).replace(b"\r", b"")
        whole = len(data) >= event.size
        self.tail = data.rsplit(b"\n", 1)[-1][-64:] if whole else None
        return without_bytes(event) if private else event


def without_bytes(event: Event) -> Event:
    """The same read, logged without its bytes (also every read of a connection the tab
    has let go of: they may be cards, and nothing follows to tell)."""
    if event.kind is not Kind.READ or event.hidden:
        return event
    return Event(event.kind, event.source, None, event.peer, event.local, event.conn,
                 event.size, b"", time=event.time, where=event.where, hidden=True)


class PokerTab(Tab):
    title = "Poker"
    hint = ("No-limit Texas hold'em over TCP, the course paper's capstone: one server runs "
            "the game and sends each player what they may see. Host a table (with computer "
            "players), or sit at a partner's.")

    def __init__(self, parent, pump: EventPump, settings: Settings, ask: Ask = confirm):
        super().__init__(parent)
        self.pump = pump
        self.ask = ask
        #: More PokerServer options for the table this tab hosts: ``bot_delay`` (the
        #: seconds a computer player thinks), ``hand_pause``, ``seed``, ``deck_source``,
        #: ``bots``. Tests and lessons change them; the window keeps the defaults.
        self.server_options: Dict[str, object] = {}
        self.view = TableView()
        self.notes = HandNotes()
        self._replaying = False  # the hand on the table is being told again
        self._new_turn = False  # my turn has just begun
        self._closed_told = False  # the server's last word was "The host closed the table."
        self._table_note = ""  # the middle of the table when there is no game to show
        self._private = PrivateReads()
        self._tick_id: Optional[str] = None

        top = self.top_row((1, 1))
        self._build_server(top, settings)
        self._build_join(top, settings)
        part = self.parts_over_log((5, 3), weight=3)
        self._build_table(part)
        self._build_side(part)
        self.join.show(NOT_SEATED)

    # -- hosting ----------------------------------------------------------------------
    def _build_server(self, top, settings: Settings) -> None:
        self.server = ServerControls(
            top, self.pump, self._make_server, self.server_events, title="Host a table",
            port=settings.get("poker.server.port", ports.POKER),
            scope=settings.get("poker.server.scope", ports.EVERYONE), start_text="Host a table",
            stop_text="Close the table", before_stop=self._leave_own_table, big=True,
            start_tip="Start a poker server on this computer and sit down at it yourself. "
                      "Others type the address shown below it.")
        self.server.confirm_stop = self._confirm_close
        self.server.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        values = {key: settings.get(key, default) for key, default in TABLE_SETTINGS.items()}
        self.small_blind, self.big_blind = self._numbers(
            "Blinds:", (values["poker.blinds.small"], values["poker.blinds.big"]), 5, "/")
        self.stack, = self._numbers("Stack:", (values["poker.stack"],), 7)
        self.turn_seconds, = self._numbers("Turn:", (values["poker.turn_seconds"],), 4, "s")
        self.rebuy = tk.BooleanVar(self, values["poker.rebuy"])
        self.rebuy_check = ttk.Checkbutton(self.server.options, text="Rebuy",
                                           variable=self.rebuy)
        self.server.option(self.rebuy_check)
        tips(self.small_blind, "The small and big blind: the bets the two players after the "
                               "dealer must make before seeing any card.",
             self.big_blind, "The big blind (also the smallest bet). The blinds make every "
                             "hand worth playing.",
             self.stack, "The chips each player starts with.",
             self.turn_seconds, "Seconds a player has to act before the table checks, or "
                                "folds when there is a bet, for them.",
             self.rebuy_check, "A player who runs out of chips gets the starting stack "
                               "again at the next hand.")

    def _numbers(self, label: str, values, width: int, after: str = "") -> List["_Number"]:
        """A labelled group of number fields among the server's options (``after``
        stands between them, or after the last one: "10 / 20", "30 s")."""
        frame = ttk.Frame(self.server.options)
        ttk.Label(frame, text=label).pack(side="left", padx=(0, style.SMALL_PAD))
        boxes = []
        for index, value in enumerate(values):
            if index:
                ttk.Label(frame, text=after).pack(side="left")
            box = _Number(frame, value, width)
            box.pack(side="left")
            on_return(box, self.server.start)
            boxes.append(box)
        if after and len(values) == 1:
            ttk.Label(frame, text=after).pack(side="left", padx=(style.SMALL_PAD, 0))
        self.server.option(frame)
        return boxes

    def table_settings(self) -> Dict[str, object]:
        """The PokerServer options from the fields; ValueError says what is wrong."""
        small = self.small_blind.number("the small blind", "chips")
        big = self.big_blind.number("the big blind", "chips")
        if small > big:
            raise ValueError("The small blind must not be more than the big blind.")
        stack = self.stack.number("the stack", "chips")
        turn = self.turn_seconds.number("the turn", "seconds")
        if not TURN_RANGE[0] <= turn <= TURN_RANGE[1]:
            raise ValueError(f"A turn lasts {TURN_RANGE[0]} to {TURN_RANGE[1]:,} seconds.")
        return {"small_blind": small, "big_blind": big, "stack": stack,
                "turn_seconds": float(turn), "rebuy": bool(self.rebuy.get())}

    def _make_server(self, host: str, port: int, on_event: EventCallback) -> PokerServer:
        try:
            options = {**self.table_settings(), **self.server_options}
            server = PokerServer(host=host, port=port, on_event=on_event, **options)
        except ValueError as exc:
            raise NetError(str(exc)) from None
        name = self.join.name.get().strip()
        server.announce_name = f"{name or default_name()}'s table"  # as others see it listed
        # sit down at our own table as soon as the pump has shown that it is listening
        self.after_idle(lambda: self._join_own_table(server))
        return server

    def _join_own_table(self, server: PokerServer) -> None:
        if self.server.service is server and self.client is None:
            self.connect(ports.LOCAL_ONLY, server.address[1])

    def _leave_own_table(self) -> None:
        if self.client is not None and self.join.target.get()[0] == ports.LOCAL_ONLY:
            self.join.leave()

    def add_bot(self) -> None:
        server = self.server.service
        if server is not None:
            try:
                server.add_bot()
            except NetError as exc:
                self.log.append(exc.explanation, error=True)

    def people_at_table(self) -> List[str]:
        """The people at the table this tab hosts, besides me (computer players are not
        people; watchers are)."""
        server = self.server.service
        if server is None:
            return []
        me = fold(self.joined_as) if self.joined_as else None
        people = [seat.name for seat in server.snapshot.seats
                  if not seat.is_bot and fold(seat.name) != me]
        watchers = server.watchers
        return people + ([f"{watchers} watching"] if watchers else [])

    def _confirm_close(self, go_on: Callable[[], None]) -> None:
        """Closing a table with people at it asks first; one with only bots just closes."""
        people = self.people_at_table()
        if not people:
            go_on()
            return
        shown = ", ".join(people[:5]) + (" and others" if len(people) > 5 else "")
        self.ask(self, "Close the table?", f"People are still at your table: {shown}.",
                 "Close the table", "Keep it open", lambda yes: go_on() if yes else None,
                 details=f"Closing it ends their game: they will see “{TABLE_CLOSED}”")

    def servers_with_people(self) -> List[str]:
        if self.server.service is None:
            return []
        people = self.people_at_table()
        return [f"your poker table ({', '.join(people)})" if people else "your poker table"]

    def server_events(self, events: List[Event]) -> None:
        self.log.append_events(events)
        for event in events:
            if event.kind is Kind.LISTENING:
                self.bot_button.pack(side="right", padx=(style.PAD, 0))
            elif event.kind is Kind.STOPPED:
                self.bot_button.pack_forget()

    # -- joining ----------------------------------------------------------------------
    def _build_join(self, top, settings: Settings) -> None:
        self.join = JoinBox(
            top, self.pump, self.client_events,
            lambda host, port, name, on_event: PokerClient(host, port, name=name,
                                                           on_event=on_event),
            lambda client, name: client.join(name), WORDS, title="Sit at a table",
            host=settings.get("poker.client.host", ports.LOCAL_ONLY),
            port=settings.get("poker.client.port", ports.POKER),
            name=settings.get("poker.name", "") or default_name(), client_name="poker client",
            host_tip="The computer hosting the table: the address its Poker tab shows in "
                     "large letters.",
            name_tip="Your name at the table: one word of letters, digits, _ or - (like "
                     "cool_cat), not taken. Enter joins.",
            join_tip="Sit down at the table at that address, or leave it.")
        self.join.grid(row=0, column=1, sticky="nsew")
        self.join.on_changed = self._joined_changed
        self.join.on_left = self._reset_table
        #: Where to sit and under what name, as on the Chat tab (the window fills in a
        #: table found on the network).
        self.target, self.name = self.join.target, self.join.name

    @property
    def client(self) -> Optional[PokerClient]:
        return self.join.client

    @property
    def joined_as(self) -> Optional[str]:
        return self.join.joined_as

    def connect(self, host: Optional[str] = None, port: Optional[int] = None) -> None:
        """Connect, watch the table and ask for a seat (JOIN goes as soon as connected)."""
        self._reset_table()
        self.join.connect(host, port)

    def _reset_table(self) -> None:
        self.view, self.notes = TableView(), HandNotes()
        self._private = PrivateReads()
        self._replaying = self._new_turn = self._closed_told = False
        self._table_note = ""
        self.actions.moved_on()
        self._turn_changed()
        self._redraw()

    def _joined_changed(self, joined: bool) -> None:
        set_enabled(self.send_button.master, joined)
        self._turn_changed()

    # -- what arrives -----------------------------------------------------------------
    def client_events(self, events: List[Event], current: bool) -> None:
        screen = self._private.screen if current else without_bytes
        self.log.append_events(screen(e) for e in events if e.kind is not Kind.RESULT)
        if not current:
            return
        changed = False
        for event in events:
            if event.kind is Kind.RESULT:
                self._table_event(event.result)
                changed = True
            elif event.kind is Kind.ERROR and not self.join.slot.connecting:
                self._lost(event.text)
                changed = True
        if changed:
            for kept in (self.view.history, self.view.talk):
                if len(kept) > 2 * KEEP_LINES:
                    del kept[:-KEEP_LINES]
            self._turn_changed()
            self._redraw()

    def _lost(self, text: str) -> None:
        closed = text == TABLE_CLOSED
        line = text if closed else f"Connection lost: {text}"
        if not (closed and self._closed_told):  # the server's NOTICE said it already
            self.history.append(line, tag="notice" if closed else None, error=not closed)
        self.view.turn = self.view.deadline = None
        self._table_note = line
        self.join.lost(line)

    def _table_event(self, event) -> None:
        view = self.view
        if isinstance(event, Hand) and view.hand_running and event.number == view.hand_number:
            self._replaying = True  # the hand we see, told again to a newcomer
        lines = view.apply(event, time.monotonic())
        self.notes.apply(event)
        if self._replaying:
            if isinstance(event, Turn) or not isinstance(event, _CATCH_UP) or \
                    (isinstance(event, Acted) and event.kind != "fold"):
                self._replaying = False
            elif not isinstance(event, Cards):
                lines = []
        if isinstance(event, Message):
            self.talk.append(f"{event.sender}: {event.text}")
            return
        if isinstance(event, Notice):
            if event.text != WELCOME:
                self.history.append(event.text, tag="notice")
            self._closed_told = event.text == TABLE_CLOSED
            return
        if isinstance(event, (New, Back)) and self.join.is_wanted(event.name):
            self._seated(event.name)
        elif isinstance(event, Error):
            if self.joined_as is None:
                self.join.refused(event.reason)
                lines = []
            else:
                self.actions.refused(event.reason)  # the turn is still ours: try again
        elif isinstance(event, (Turn, Acted, Hand)):
            self.actions.moved_on()
            self._new_turn = self._new_turn or (isinstance(event, Turn) and view.my_turn)
        for line in lines:
            self.history.append(line, tag=_history_tag(event))

    def _seated(self, name: str) -> None:
        self.view.me = name
        self._table_note = ""
        self._new_turn = self.view.my_turn
        self.join.seated(name)
        self.after_idle(self._show_buttons)

    def _redraw(self) -> None:
        self.table.show(scene_of(self.view, self.notes, self._table_note))
        if self.view.deadline is not None and self._tick_id is None:
            self._tick_id = self.after(TICK_MS, self._tick)

    # -- the table and the buttons ------------------------------------------------------
    def _build_table(self, parent) -> None:
        box = ttk.Frame(parent)
        box.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        # packed first, at the bottom: the buttons are never squeezed out
        self.actions = ActionBar(box, self._send_action)
        self.actions.pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        self.table = CardTable(box)
        self.table.pack(side="top", fill="both", expand=True)
        tip(self.table, "The table: your seat at the bottom, the others clockwise in seat "
                        "order, D the dealer. Everyone else's cards are backs: the server "
                        "never sends them to you.")
        #: Shown while this tab hosts the table.
        self.bot_button = ttk.Button(self.actions.below, text="Add a computer player",
                                     command=self.add_bot)
        tip(self.bot_button, "Seat a computer player (bot_ada, bot_alan, …) at your table: it "
                             "plays by simple rules, never illegally.")

    def _send_action(self, action: Action) -> bool:
        return self.join.slot.send(lambda client: client.act(action), self.join.send_failed)

    def _turn_changed(self) -> None:
        """The buttons for what may be done now, and the line under them."""
        view = self.view
        choices = view.choices if self.joined_as is not None else None
        self.actions.show(choices, self._turn_text(), self._new_turn, view.big_blind)
        if self._new_turn and choices is not None:
            self.after_idle(self._show_buttons)
        self._new_turn = False

    def _show_buttons(self) -> None:
        """On a small screen the tab scrolls: bring the table's buttons into view."""
        if self.winfo_exists():
            self.see(self.actions)

    def _turn_text(self) -> str:
        view = self.view
        left = view.seconds_left(time.monotonic())
        clock = f" ({seconds_text(left)} left)" if left is not None else ""
        if self.joined_as is None:
            return "Join a table to play." if self.client is None else \
                "Watching: join with a name to play."
        choices = view.choices
        if choices is not None:
            price = "nothing to call" if choices.can_check else \
                f"{choices.call_amount:,} to call" + (
                    " (all your chips)" if choices.call_amount < choices.to_call else "")
            words = f"Your turn{clock}: {price}."
            if choices.can_open:
                verb = "Bet" if choices.current_bet == 0 else "Raise to"
                low, high = choices.min_total, choices.max_total
                words += f" {verb} {low:,}" + (f" to {high:,}." if high > low else ".")
            return words
        if view.turn is not None:
            return f"{view.turn}'s turn{clock}."
        if view.hand_running:
            return ""
        if self.notes.wins:
            return self.notes.summary() + "."
        return view.waiting or "Waiting for the next hand."

    def _tick(self) -> None:
        self._tick_id = None
        if self.view.deadline is not None:
            self.table.tick()
            self.actions.status(self._turn_text())
            self._tick_id = self.after(TICK_MS, self._tick)

    # -- history and talk ---------------------------------------------------------------
    def _build_side(self, parent) -> None:
        box = ttk.Frame(parent)
        box.grid(row=0, column=1, sticky="nsew")
        row = ttk.Frame(box)  # packed first, at the bottom: never squeezed out
        row.pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        self.history = LogView(box, title="Hand history", height=3)
        self.history.pack(side="top", fill="both", expand=True)
        self.talk = LogView(box, title="Table talk", height=2)
        self.talk.pack(side="top", fill="both", expand=True, pady=(style.SMALL_PAD, 0))
        self.message = tk.StringVar(self, "")
        self.send_button = ttk.Button(row, text="Say", command=self.send, width=6)
        self.send_button.pack(side="right")
        self.message_entry = ttk.Entry(row, textvariable=self.message, width=10)
        self.message_entry.pack(side="left", fill="x", expand=True, padx=(0, style.SMALL_PAD))
        on_return(self.message_entry, self.send)
        tips(self.message_entry, "Say something to everyone at the table; Enter sends it.",
             self.send_button, "Send the line to the table (players and watchers read it).")

    def send(self) -> None:
        text = self.message.get().strip()
        if text and self.joined_as is not None and self.join.slot.send(
                lambda client: client.say(text), self.join.send_failed):
            self.message.set("")

    # -- window hooks -----------------------------------------------------------------
    def running_services(self) -> list:
        return [service for service in (self.client, self.server.service) if service is not None]

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"poker.rebuy": bool(self.rebuy.get())}
        for key, box in (("poker.blinds.small", self.small_blind),
                         ("poker.blinds.big", self.big_blind), ("poker.stack", self.stack),
                         ("poker.turn_seconds", self.turn_seconds)):
            try:
                values[key] = box.number()
            except ValueError:
                pass
        values.update(self.join.settings("poker"))
        values.update(self.server.settings("poker.server"))
        return values

    def close(self) -> None:
        """The turn clock stops counting (the window is closing)."""
        if self._tick_id is not None:
            self.after_cancel(self._tick_id)
            self._tick_id = None


class _Number(ttk.Entry):
    """A whole number of chips or seconds: digits only as the student types (an entry,
    not a spin box: four of them share a row with the port)."""

    def __init__(self, parent, value: int, width: int):
        self.variable = tk.StringVar(parent, str(value))
        check = (parent.register(_digits), "%P")
        super().__init__(parent, width=width, textvariable=self.variable, validate="key",
                         validatecommand=check)

    def number(self, what: str = "it", unit: str = "chips") -> int:
        """The number typed, or ValueError with a plain sentence."""
        text = self.variable.get().strip()
        if not WHOLE.fullmatch(text) or int(text) < 1:
            raise ValueError(f"Type {what} as a whole number of {unit}, like 20.")
        return int(text)


def _digits(proposed: str) -> bool:
    return proposed == "" or (proposed.isascii() and proposed.isdigit() and len(proposed) <= 9)


def _history_tag(event) -> Optional[str]:
    if isinstance(event, Win):
        return "result"
    if isinstance(event, Error):
        return "error"
    if isinstance(event, (Hand, Board)):
        return "muted"
    return None
