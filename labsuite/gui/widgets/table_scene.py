"""What the card table shows, as plain data: built from a client's TableView, drawn by
:class:`~labsuite.gui.widgets.card_table.CardTable`.

Kept apart from the drawing (no Tk here) so the rules of what is shown can be tested on
their own: whose cards are face up (mine, and those shown at a showdown; everyone else's
are backs, because the server never sends them), who folded, who won, and the line in
the middle of the table. :class:`HandNotes` remembers what the view forgets when a hand
ends (who folded, who won what), so the showdown stays on the table until the next deal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from labsuite.protocols.chat import fold
from labsuite.protocols.poker import Card, TableView
from labsuite.protocols.poker.events import UNCONTESTED, Acted, Hand, Win

#: A seat's state word, shown under its name.
FOLDED, ALL_IN, AWAY, SITTING_OUT, NEXT_HAND = ("folded", "all in", "away", "sitting out",
                                                "next hand")


@dataclass(frozen=True)
class SeatPicture:
    seat: int
    name: str
    chips: int
    bet: int = 0
    state: str = ""  # "" (playing), or one of FOLDED, ALL_IN, AWAY, SITTING_OUT, NEXT_HAND
    cards: Tuple[Optional[Card], ...] = ()  # None is a card seen from the back
    me: bool = False
    turn: bool = False
    dealer: bool = False
    won: int = 0  # chips won at the end of the hand (0: not a winner)
    bot: bool = False


@dataclass(frozen=True)
class Scene:
    seats: Tuple[SeatPicture, ...] = ()
    board: Tuple[Card, ...] = ()
    pot: int = 0
    side_pots: Tuple[int, ...] = ()  # main pot first, when there are side pots
    hand_number: int = 0
    blinds: Tuple[int, int] = (0, 0)
    turn: Optional[str] = None
    deadline: Optional[float] = None  # time.monotonic() when the turn runs out
    clock_seconds: Optional[float] = None  # what the turn started with
    message: str = ""  # the line in the middle: who won, why nothing happens, ...
    short_message: str = ""  # the same in fewer words, where the long one does not fit

    def seat_of(self, name: str) -> Optional[SeatPicture]:
        key = fold(name)
        return next((seat for seat in self.seats if fold(seat.name) == key), None)


@dataclass
class HandNotes:
    """What happened in the hand being played (or the one just over): who folded and
    who won, which the view does not keep once the hand ends."""

    folded: set = field(default_factory=set)
    wins: List[Win] = field(default_factory=list)

    def apply(self, event) -> None:
        if isinstance(event, Hand):
            self.folded.clear()
            self.wins.clear()
        elif isinstance(event, Acted) and event.kind == "fold":
            self.folded.add(fold(event.name))
        elif isinstance(event, Win):
            self.wins.append(event)

    def won(self) -> Dict[str, int]:
        totals: Dict[str, int] = {}
        for win in self.wins:
            totals[fold(win.name)] = totals.get(fold(win.name), 0) + win.amount
        return totals

    def summary(self, how: bool = True) -> str:
        """"bot_ada wins 580 with two pair, aces and sixes" (one clause per share;
        without ``how``, only who wins what)."""
        parts = []
        for win in self.wins:
            with_what = "" if win.description == UNCONTESTED or not how \
                else f" with {win.description}"
            parts.append(f"{win.name} wins {win.amount:,}{with_what}")
        return "; ".join(parts)


def scene_of(view: TableView, notes: HandNotes, message: str = "") -> Scene:
    """The picture of ``view`` (``message``, when given, replaces the middle line)."""
    running = view.hand_running
    won = notes.won()
    seats = []
    for state in sorted(view.seats.values(), key=lambda seat: seat.seat):
        key = fold(state.name)
        me = view.me is not None and key == fold(view.me)
        folded = key in notes.folded or state.folded
        seats.append(SeatPicture(
            seat=state.seat, name=state.name, chips=state.chips, bet=state.bet if running else 0,
            state=_state_word(state, running, folded), cards=_cards(view, state, me, folded),
            me=me, turn=view.turn is not None and fold(view.turn) == key,
            dealer=view.dealer is not None and fold(view.dealer) == key and
            view.hand_number > 0, won=won.get(key, 0), bot=state.is_bot))
    short = ""
    if not message:
        message = notes.summary() if notes.wins else (
            "" if running else (view.waiting or ""))
        short = notes.summary(how=False) if notes.wins else ""
    return Scene(seats=tuple(seats), board=view.board, pot=view.pot if running else 0,
                 side_pots=view.side_pots if running else (), hand_number=view.hand_number,
                 blinds=(view.small_blind, view.big_blind), turn=view.turn,
                 deadline=view.deadline, clock_seconds=view.clock_seconds, message=message,
                 short_message=short)


def _state_word(seat, running: bool, folded: bool) -> str:
    """Between hands, the last one stays on the table: who folded in it too."""
    if seat.away:
        return AWAY
    if running and seat.in_hand:
        return FOLDED if folded else (ALL_IN if seat.all_in else "")
    if running:
        return NEXT_HAND if seat.chips else SITTING_OUT
    return SITTING_OUT if seat.chips == 0 else (FOLDED if folded else "")


def _cards(view: TableView, seat, me: bool, folded: bool) -> Tuple[Optional[Card], ...]:
    """Face up: cards shown at the showdown, and my own; backs for the others in the hand
    (the server never tells anyone else's cards). A folded hand is no longer drawn."""
    if seat.shown:
        return tuple(seat.shown)
    if folded or view.hand_number == 0:
        return ()
    if me:
        return tuple(view.hole)
    if view.hand_running and seat.in_hand:
        return (None, None)
    return ()
