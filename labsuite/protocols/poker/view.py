"""The client's picture of the table, folded from the events a server sends.

A terminal client or a window keeps one :class:`TableView`, passes every event to
:meth:`TableView.apply` (with the local time, for the turn clock) and draws from its
attributes: the seats, the dealer, the blinds, my cards, the board, the pot, whose turn
with what it costs, my legal choices, and the hand's history as plain lines
("cool_cat raises to 120", "bot_ada wins 340 with a flush, ace high").

:meth:`TableView.snapshot` gives the same :class:`~.events.PlayerView` the table gives a
bot, so a bot can play from a client too. A client that joins during a hand is told the
hand so far (the extension lines PLAYERS and STAKE), so its picture is exact at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from ..chat import fold
from .cards import Card, format_cards
from .events import (UNCONTESTED, Acted, Away, Back, Blinds, Board, Cards, Chips, Choices,
                     Clock, Error, Event, Goodbye, Hand, Left, Message, New, PlayerView, Players,
                     Pot, Pots, Rebuy, Returned, Seat, SeatView, Show, Stake, Timeout, Turn, Wait,
                     Win)

BOT_PREFIX = "bot_"
STREET_NAMES = {3: "Flop", 4: "Turn", 5: "River"}


@dataclass
class SeatState:
    seat: int
    name: str
    chips: int
    bet: int = 0
    in_hand: bool = False
    folded: bool = False
    all_in: bool = False
    away: bool = False
    shown: Tuple[Card, ...] = ()  # cards shown at the showdown

    @property
    def is_bot(self) -> bool:
        return self.name.startswith(BOT_PREFIX)

    @property
    def sitting_out(self) -> bool:
        """Not playing: away, or out of chips and not in the hand."""
        return self.away or (self.chips == 0 and not self.in_hand)


class TableView:
    """What one player (``me``; None for a spectator) knows about the table."""

    def __init__(self, me: Optional[str] = None):
        self.me = me
        self.seats: Dict[str, SeatState] = {}  # by name, in the order they came
        self.hand_number = 0
        self.hand_running = False
        self.dealer: Optional[str] = None
        self.small_name: Optional[str] = None
        self.big_name: Optional[str] = None
        self.small_blind = 0
        self.big_blind = 0
        self.hole: Tuple[Card, ...] = ()
        self.board: Tuple[Card, ...] = ()
        self.collected = 0  # the pot from finished betting rounds
        self.side_pots: Tuple[int, ...] = ()
        self.turn: Optional[str] = None
        self.to_call = 0
        self.min_raise_to = 0
        self.clock_seconds: Optional[float] = None
        self.deadline: Optional[float] = None
        self.waiting: Optional[str] = None  # why no hand is starting
        self.last_error: Optional[str] = None
        self.said_goodbye = False
        self.history: List[str] = []
        self.talk: List[Tuple[str, str]] = []  # (sender, text)

    # -- reading it --------------------------------------------------------------------------
    @property
    def pot(self) -> int:
        """Every chip in the middle, this round's bets included."""
        return self.collected + sum(seat.bet for seat in self.seats.values())

    def seat_of(self, name: Optional[str]) -> Optional[SeatState]:
        if name is None:
            return None
        seat = self.seats.get(name)
        if seat is None:
            key = fold(name)
            seat = next((s for s in self.seats.values() if fold(s.name) == key), None)
        return seat

    @property
    def my_seat(self) -> Optional[SeatState]:
        return self.seat_of(self.me)

    @property
    def my_turn(self) -> bool:
        return self.me is not None and self.turn is not None and fold(self.turn) == fold(self.me)

    @property
    def choices(self) -> Optional[Choices]:
        """My legal moves and amounts when it is my turn, else None."""
        mine = self.my_seat
        if not self.my_turn or mine is None:
            return None
        return Choices(mine.bet, mine.chips, self.to_call, self.min_raise_to)

    def seconds_left(self, now: float) -> Optional[float]:
        return None if self.deadline is None else max(0.0, self.deadline - now)

    def snapshot(self) -> PlayerView:
        seats = tuple(SeatView(s.seat, s.name, s.chips, s.bet, s.in_hand, s.folded, s.all_in,
                               s.away, s.is_bot)
                      for s in sorted(self.seats.values(), key=lambda s: s.seat))
        mine = self.my_seat
        return PlayerView(
            mine.name if mine else None, seats, self.hand_number, self.hand_running,
            self.dealer if self.hand_running else None,
            self.board if self.hand_running else (), self.hole if self.hand_running else (),
            self.pot if self.hand_running else 0, self.turn, self.to_call if self.turn else 0,
            self.min_raise_to if self.turn else 0, self.deadline if self.turn else None,
            self.small_blind, self.big_blind, self.choices)

    # -- folding events in -------------------------------------------------------------------
    def apply(self, event: Event, now: Optional[float] = None) -> List[str]:
        """Take in one event; returns the history lines it added (often none)."""
        handler = _HANDLERS.get(type(event))
        lines = handler(self, event, now) if handler else None
        if not lines:
            return []
        lines = [lines] if isinstance(lines, str) else lines
        self.history.extend(lines)
        return lines

    def apply_all(self, events, now: Optional[float] = None) -> List[str]:
        lines: List[str] = []
        for event in events:
            lines += self.apply(event, now)
        return lines

    def _is_me(self, name: str) -> bool:
        return self.me is not None and fold(name) == fold(self.me)

    def _seat(self, event: Seat, now):
        for name, seat in list(self.seats.items()):
            if seat.seat == event.seat and name != event.name:
                del self.seats[name]  # a stale entry for that chair
        seat = self.seat_of(event.name)
        if seat is None:
            self.seats[event.name] = SeatState(event.seat, event.name, event.chips)
        else:
            seat.seat, seat.chips = event.seat, event.chips
        return None

    def _hand(self, event: Hand, now):
        self.hand_number, self.hand_running, self.dealer = event.number, True, event.dealer
        self.hole, self.board, self.collected, self.side_pots = (), (), 0, ()
        self._clear_turn()
        self.waiting = None
        for seat in self.seats.values():
            seat.bet, seat.in_hand, seat.folded, seat.all_in, seat.shown = 0, False, False, False, ()
        return f"Hand {event.number}: {event.dealer} deals."

    def _players(self, event: Players, now):
        names = {fold(name) for name in event.names}
        for seat in self.seats.values():
            seat.in_hand = fold(seat.name) in names
            seat.all_in = seat.in_hand and seat.chips == 0  # a newcomer's picture
        return None

    def _stake(self, event: Stake, now):
        seat = self.seat_of(event.name)
        if seat is not None:
            seat.bet = event.amount
        return None

    def _blinds(self, event: Blinds, now):
        self.small_name, self.small_blind = event.small_name, event.small
        self.big_name, self.big_blind = event.big_name, event.big
        return f"Blinds: {event.small_name} {event.small}, {event.big_name} {event.big}."

    def _acted(self, event: Acted, now):
        seat = self.seat_of(event.name)
        if self.turn is not None and fold(self.turn) == fold(event.name):
            self._clear_turn()
        if seat is None:
            return None
        seat.chips = max(0, seat.chips - max(0, event.amount - seat.bet))
        seat.bet = event.amount
        kind = event.kind
        if kind == "fold":
            seat.folded = True
        elif kind == "allin" or (kind == "blind" and seat.chips == 0):
            seat.all_in = True
        who = event.name
        return {"fold": f"{who} folds", "check": f"{who} checks",
                "call": f"{who} calls {event.amount}", "bet": f"{who} bets {event.amount}",
                "raise": f"{who} raises to {event.amount}",
                "allin": f"{who} is all in for {event.amount}",
                "blind": None}.get(kind)

    def _cards(self, event: Cards, now):
        self.hole = tuple(event.cards)
        return f"Your cards: {format_cards(self.hole)}"

    def _board(self, event: Board, now):
        self.board = tuple(event.cards)
        return f"{STREET_NAMES.get(len(self.board), 'Board')}: {format_cards(self.board)}"

    def _turn(self, event: Turn, now):
        self.turn, self.to_call, self.min_raise_to = event.name, event.to_call, event.min_raise_to
        self.clock_seconds = self.deadline = None
        if self._is_me(event.name):
            choices = self.choices
            if choices is None or choices.can_check:
                return "Your turn: you may check."
            return f"Your turn: {choices.call_amount} to call."
        return None

    def _clock(self, event: Clock, now):
        if self.turn is not None and fold(self.turn) == fold(event.name):
            self.clock_seconds = event.seconds
            self.deadline = None if now is None else now + event.seconds
        return None

    def _pot(self, event: Pot, now):
        self.collected = event.amount
        for seat in self.seats.values():
            seat.bet = 0
        self.side_pots = ()
        self._clear_turn()
        return f"Pot: {event.amount}"

    def _pots(self, event: Pots, now):
        self.side_pots = tuple(event.amounts)
        sides = ", ".join(str(amount) for amount in event.amounts[1:])
        return f"Main pot {event.amounts[0]}, side pots {sides}"

    def _returned(self, event: Returned, now):
        seat = self.seat_of(event.name)
        if seat is not None:
            taken = min(seat.bet, event.amount)
            seat.bet -= taken
            self.collected -= event.amount - taken
            seat.chips += event.amount
        return f"{event.amount} nobody called goes back to {event.name}"

    def _show(self, event: Show, now):
        seat = self.seat_of(event.name)
        if seat is not None:
            seat.shown = tuple(event.cards)
        return f"{event.name} shows {format_cards(event.cards)}: {event.description}"

    def _win(self, event: Win, now):
        self._clear_turn()
        if event.description == UNCONTESTED:
            return f"{event.name} wins {event.amount}; everyone else folded"
        return f"{event.name} wins {event.amount} with {event.description}"

    def _chips(self, event: Chips, now):
        seat = self.seat_of(event.name)
        if seat is not None:
            seat.chips = event.chips
            seat.bet = 0
        if self.hand_running:  # the first CHIPS line ends the hand
            self.hand_running = False
            self.collected, self.side_pots = 0, ()
            self._clear_turn()
            for other in self.seats.values():
                other.bet, other.in_hand, other.folded, other.all_in = 0, False, False, False
        return None

    def _message(self, event: Message, now):
        self.talk.append((event.sender, event.text))
        return f"{event.sender}: {event.text}"

    def _new(self, event: New, now):
        return f"{event.name} joins the table"

    def _left(self, event: Left, now):
        seat = self.seat_of(event.name)
        if seat is not None:
            self.collected += seat.bet  # a leaver's bet stays in the pot
            del self.seats[seat.name]
        return f"{event.name} leaves the table"

    def _error(self, event: Error, now):
        self.last_error = event.reason
        return f"Not allowed: {event.reason}"

    def _goodbye(self, event: Goodbye, now):
        self.said_goodbye = True
        return "You left the table."

    def _rebuy(self, event: Rebuy, now):
        seat = self.seat_of(event.name)
        if seat is not None:
            seat.chips = event.chips
        return f"{event.name} buys in again for {event.chips}"

    def _wait(self, event: Wait, now):
        if self.waiting == event.reason:
            return None
        self.waiting = event.reason
        return event.reason

    def _away(self, event: Away, now):
        seat = self.seat_of(event.name)
        if seat is not None:
            seat.away = True
        return f"{event.name} lost the connection; the seat is kept for a while"

    def _back(self, event: Back, now):
        seat = self.seat_of(event.name)
        if seat is not None:
            seat.away = False
        return f"{event.name} is back"

    def _timeout(self, event: Timeout, now):
        return f"{event.name} ran out of time"

    def _clear_turn(self) -> None:
        self.turn, self.to_call, self.min_raise_to = None, 0, 0
        self.clock_seconds = self.deadline = None


_HANDLERS = {
    Seat: TableView._seat, Hand: TableView._hand, Players: TableView._players,
    Stake: TableView._stake,
    Blinds: TableView._blinds, Acted: TableView._acted, Cards: TableView._cards,
    Board: TableView._board, Turn: TableView._turn, Clock: TableView._clock,
    Pot: TableView._pot, Pots: TableView._pots, Returned: TableView._returned,
    Show: TableView._show, Win: TableView._win, Chips: TableView._chips,
    Message: TableView._message, New: TableView._new, Left: TableView._left,
    Error: TableView._error, Goodbye: TableView._goodbye, Rebuy: TableView._rebuy,
    Wait: TableView._wait, Away: TableView._away, Back: TableView._back,
    Timeout: TableView._timeout,
}
