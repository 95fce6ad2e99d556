"""The words of the poker game: what a player does, what the table says, what is legal.

Shared by the table (which produces events), the wire protocol (which writes and reads
them as lines), the client-side view (which folds them into a picture of the table) and
the bots (which read a :class:`PlayerView`). Every event has ``to``: ``None`` means
everyone at the table, a name means only that player (hole cards, errors, catch-up).

:class:`Choices` is the one place that decides whether a betting action is legal, so the
table, a client and a bot always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional, Tuple, Union

from .cards import Card


# -- what a player does on their turn --------------------------------------------------
@dataclass(frozen=True)
class Check:
    pass


@dataclass(frozen=True)
class Call:
    pass


@dataclass(frozen=True)
class Fold:
    pass


@dataclass(frozen=True)
class Bet:
    """Open the betting with ``amount`` chips."""

    amount: int


@dataclass(frozen=True)
class Raise:
    """Raise to ``total``: the player's whole bet for this betting round."""

    total: int


@dataclass(frozen=True)
class AllIn:
    pass


Action = Union[Check, Call, Fold, Bet, Raise, AllIn]


# -- what the table says -----------------------------------------------------------------
@dataclass(frozen=True)
class Seat:
    """``name`` sits in ``seat`` (1 to 8) with ``chips``: on joining, and for every seated
    player when a hand starts."""

    seat: int
    name: str
    chips: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Hand:
    number: int
    dealer: str
    to: Optional[str] = None


@dataclass(frozen=True)
class Blinds:
    small_name: str
    small: int
    big_name: str
    big: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Cards:
    """Your two hole cards (always ``to`` one player)."""

    cards: Tuple[Card, ...]
    to: Optional[str] = None


@dataclass(frozen=True)
class Board:
    """The whole board so far: three, four or five cards."""

    cards: Tuple[Card, ...]
    to: Optional[str] = None


@dataclass(frozen=True)
class Turn:
    """It is ``name``'s turn: ``to_call`` more chips match the bet (it may be more than the
    player has: calling is then all in); a raise or bet must reach ``min_raise_to`` in total
    (less only when it is all in); 0 means raising is closed for this player."""

    name: str
    to_call: int
    min_raise_to: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Clock:
    """Extension: ``name`` has ``seconds`` left to act (sent after TURN)."""

    name: str
    seconds: float
    to: Optional[str] = None


ACTION_KINDS = ("fold", "check", "call", "bet", "raise", "allin", "blind")


@dataclass(frozen=True)
class Acted:
    """``name`` did ``kind`` (one of :data:`ACTION_KINDS`); ``amount`` is that player's
    whole bet in this betting round afterwards. Wire: ``ACTION``."""

    name: str
    kind: str
    amount: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Pot:
    """All chips in the middle, after a betting round."""

    amount: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Pots:
    """Extension, after POT when there are side pots: the main pot first."""

    amounts: Tuple[int, ...]
    to: Optional[str] = None


@dataclass(frozen=True)
class Returned:
    """Extension: a bet nobody called goes back to ``name``. Wire: ``RETURN``."""

    name: str
    amount: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Show:
    name: str
    cards: Tuple[Card, ...]
    description: str
    to: Optional[str] = None


UNCONTESTED = "uncontested"  # a WIN description: everyone else folded


@dataclass(frozen=True)
class Win:
    """``name`` wins ``amount`` (one line per pot share); ``description`` is the winning
    hand, or :data:`UNCONTESTED` when everyone else folded."""

    name: str
    amount: int
    description: str
    to: Optional[str] = None


@dataclass(frozen=True)
class Chips:
    """``name`` has ``chips`` after the hand (sent for every seated player)."""

    name: str
    chips: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Message:
    """Table talk from ``sender``."""

    sender: str
    text: str
    to: Optional[str] = None


@dataclass(frozen=True)
class New:
    name: str
    to: Optional[str] = None


@dataclass(frozen=True)
class Left:
    name: str
    to: Optional[str] = None


@dataclass(frozen=True)
class Error:
    """Something the player asked for is not allowed; nothing changed."""

    reason: str
    to: Optional[str] = None


@dataclass(frozen=True)
class Goodbye:
    to: Optional[str] = None


@dataclass(frozen=True)
class Rebuy:
    """Extension: a busted player gets ``chips`` again (the table's rebuy option)."""

    name: str
    chips: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Wait:
    """Extension: no hand can start yet, and why."""

    reason: str
    to: Optional[str] = None


@dataclass(frozen=True)
class Away:
    """Extension: ``name`` lost the connection; the seat is kept for a while."""

    name: str
    to: Optional[str] = None


@dataclass(frozen=True)
class Back:
    """Extension: ``name`` came back and has the seat again."""

    name: str
    to: Optional[str] = None


@dataclass(frozen=True)
class Players:
    """Extension: who is dealt into the hand, the first to act after the dealer first.
    Sent after the SEAT lines when a hand starts, and to a newcomer."""

    names: Tuple[str, ...]
    to: Optional[str] = None


@dataclass(frozen=True)
class Stake:
    """Extension, to a newcomer during a hand: ``name`` has ``amount`` bet in this round
    (those chips are already out of the SEAT line's stack). Wire: ``STAKE``."""

    name: str
    amount: int
    to: Optional[str] = None


@dataclass(frozen=True)
class Timeout:
    """Extension: ``name`` did not act in time (the table checks or folds for them)."""

    name: str
    to: Optional[str] = None


Event = Union[Seat, Hand, Blinds, Cards, Board, Turn, Clock, Acted, Pot, Pots, Returned, Show,
              Win, Chips, Message, New, Left, Error, Goodbye, Rebuy, Wait, Away, Back, Players,
              Stake, Timeout]


# -- what is legal -------------------------------------------------------------------------
NOT_REOPENED = ("You cannot raise: the all-in since your last action was less than a full "
                "raise, so the betting is not reopened for you. CALL or FOLD.")
NOBODY_TO_RAISE = "Everyone else is all in, so nobody could call a raise: CALL or FOLD."
CLOSED = "Raising is closed for you in this betting round: CALL or FOLD."


@dataclass(frozen=True)
class Choices:
    """The legal moves of the player whose turn it is.

    Built from what a TURN line says plus the player's own bet and chips, so a client
    computes exactly what the table enforces. ``min_total``/``max_total`` bound a BET or
    RAISE (the player's whole bet for the round); both are 0 when neither is allowed.
    """

    bet: int  # the player's bet in this round so far
    chips: int  # chips behind (not yet bet)
    to_call: int  # more chips needed to match the bet (may exceed chips)
    min_raise_to: int  # the table's minimum bet/raise total, 0 when raising is closed
    closed_because: str = field(default=CLOSED, compare=False)

    @property
    def current_bet(self) -> int:
        """The bet to match in this round (0: nobody has bet)."""
        return self.bet + self.to_call

    @property
    def all_in_total(self) -> int:
        return self.bet + self.chips

    @property
    def can_check(self) -> bool:
        return self.to_call == 0

    @property
    def can_call(self) -> bool:
        return self.to_call > 0

    @property
    def call_amount(self) -> int:
        """Chips a CALL puts in (all the chips when they do not cover the bet)."""
        return min(self.to_call, self.chips)

    @property
    def can_open(self) -> bool:
        """Whether a BET or RAISE is possible at all."""
        return self.min_raise_to > 0 and self.all_in_total > self.current_bet

    @property
    def can_bet(self) -> bool:
        return self.can_open and self.current_bet == 0

    @property
    def can_raise(self) -> bool:
        return self.can_open and self.current_bet > 0

    @property
    def min_total(self) -> int:
        return min(self.min_raise_to, self.all_in_total) if self.can_open else 0

    @property
    def max_total(self) -> int:
        return self.all_in_total if self.can_open else 0

    def legal_kinds(self) -> Tuple[str, ...]:
        """The action words a player may use now, e.g. ("fold", "call", "raise", "allin")."""
        kinds = ["fold", "check" if self.can_check else "call"]
        if self.can_bet:
            kinds.append("bet")
        if self.can_raise:
            kinds.append("raise")
        if self.problem(AllIn()) is None:
            kinds.append("allin")
        return tuple(kinds)

    def total_after(self, action: Action) -> int:
        """The player's whole bet for the round after a legal ``action``."""
        if isinstance(action, (Check, Fold)):
            return self.bet
        if isinstance(action, Call):
            return self.bet + self.call_amount
        if isinstance(action, Bet):
            return action.amount
        if isinstance(action, Raise):
            return action.total
        return self.all_in_total

    def kind_of(self, action: Action) -> str:
        """The ACTION word for a legal ``action``: "allin" whenever it leaves no chips."""
        if isinstance(action, Fold):
            return "fold"
        if not isinstance(action, Check) and self.total_after(action) == self.all_in_total:
            return "allin"
        return {Check: "check", Call: "call", Bet: "bet", Raise: "raise"}[type(action)]

    def problem(self, action: Action) -> Optional[str]:
        """Why ``action`` is not allowed now, in words a beginner follows; None if legal."""
        if isinstance(action, Fold):
            return None
        if isinstance(action, Check):
            if self.can_check:
                return None
            return f"You cannot check: there is a bet of {self.current_bet}. " \
                   f"CALL {self.call_amount} more, raise or fold."
        if isinstance(action, Call):
            if self.can_call:
                return None
            return "There is nothing to call: CHECK, or " + \
                   ("RAISE to bet more." if self.current_bet else "BET to start the betting.")
        if isinstance(action, AllIn):
            if self.all_in_total > self.current_bet and not self.can_open:
                return self.closed_because
            return None
        if isinstance(action, Bet):
            amount, word = action.amount, "bet"
            if not _whole_number(amount):
                return "A bet is a whole number of chips, like BET 40."
            if self.current_bet:
                return f"There is already a bet of {self.current_bet}: " \
                       "use RAISE <total> to raise it, or CALL."
        elif isinstance(action, Raise):
            amount, word = action.total, "raise"
            if not _whole_number(amount):
                return "A raise is a whole number of chips: the total, like RAISE 80."
            if not self.current_bet:
                return "Nobody has bet yet: use BET <amount> to start the betting."
        else:
            return "That is not a poker action: CHECK, CALL, FOLD, BET, RAISE or ALLIN."
        if self.all_in_total <= self.current_bet:
            return f"You do not have enough chips to {word}: CALL (all in) or FOLD."
        if not self.can_open:
            return self.closed_because
        if amount > self.max_total:
            return f"You have only {self.chips} chips: the most you can {word} is " \
                   f"{'to ' if word == 'raise' else ''}{self.max_total} (ALLIN)."
        if amount < self.min_total:
            if word == "bet":
                return f"The smallest bet is {self.min_total}."
            return f"The smallest raise now is to {self.min_total}."
        return None


def _whole_number(value) -> bool:
    return type(value) is int


# -- what one player can see -----------------------------------------------------------------
class SeatView(NamedTuple):
    """One seat as a player sees it (a named tuple: built for every bot decision)."""

    seat: int
    name: str
    chips: int  # behind, not counting this round's bet
    bet: int = 0  # in the current betting round
    in_hand: bool = False  # dealt into the hand being played
    folded: bool = False
    all_in: bool = False
    away: bool = False  # disconnected, seat kept for a while
    is_bot: bool = False

    @property
    def sitting_out(self) -> bool:
        """Not playing: away, or out of chips and not in the hand."""
        return self.away or (self.chips == 0 and not self.in_hand)

    @property
    def contending(self) -> bool:
        """Still in the hand (not folded)."""
        return self.in_hand and not self.folded


STREETS = {0: "preflop", 3: "flop", 4: "turn", 5: "river"}


@dataclass(frozen=True)
class PlayerView:
    """A read-only picture of the table as one player sees it (``me`` None: a spectator).

    The table builds one with ``Table.view_for(name)``; a client's ``TableView.snapshot()``
    gives the same from the events it received, so a bot runs the same on either side.
    """

    me: Optional[str]
    seats: Tuple[SeatView, ...]
    hand_number: int = 0
    hand_running: bool = False
    dealer: Optional[str] = None
    board: Tuple[Card, ...] = ()
    hole: Tuple[Card, ...] = ()
    pot: int = 0  # every chip in the middle, this round's bets included
    turn: Optional[str] = None  # whose turn it is
    to_call: int = 0
    min_raise_to: int = 0
    deadline: Optional[float] = None
    small_blind: int = 0
    big_blind: int = 0
    choices: Optional[Choices] = None  # set when it is my turn

    @property
    def street(self) -> str:
        """"preflop", "flop", "turn" or "river" ("" with no hand running)."""
        return STREETS.get(len(self.board), "") if self.hand_running else ""

    def seat_of(self, name: Optional[str]) -> Optional[SeatView]:
        for seat in self.seats:
            if seat.name == name:
                return seat
        return None

    @property
    def my_seat(self) -> Optional[SeatView]:
        return self.seat_of(self.me)

    @property
    def opponents(self) -> Tuple[SeatView, ...]:
        """The other players still in the hand."""
        return tuple(seat for seat in self.seats if seat.contending and seat.name != self.me)
